/**
 * One engine's snippet run against another's (or a JIT option's against its off form): the same
 * stop, registers, EIP, EFLAGS, instructions retired and exception vector. Shared by the JIT's
 * loop tests (inner-loop, loop-groups), which compare a run sliced and flushed against a reference.
 */
import { expect } from 'chai';
import type { SnippetResult } from '../../src/snippet.js';
import { why } from './transfer-programs.js';

export function sameRun(r: SnippetResult, want: SnippetResult): void {
  expect(r.stop, why(r)).to.equal(want.stop);
  expect(r.regs).to.deep.equal(want.regs);
  expect(r.eip, 'eip').to.equal(want.eip);
  expect(r.eflags, 'eflags').to.equal(want.eflags);
  expect(r.instructions, 'instructions').to.equal(want.instructions);
  expect(r.exception?.vector, 'exception').to.equal(want.exception?.vector);
}
