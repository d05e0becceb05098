/**
 * Tests of one JitOptions switch: a case per test engine, the JIT once per
 * value of the switch (a machine with threshold 0 and that value, so the
 * compiled path is what runs), the interpreter once; each case's `run` runs
 * a snippet that must stop at HLT and answers its registers.
 */
import { expect } from 'chai';
import { runSnippet, type SnippetOptions, type EngineName } from '../../src/snippet.js';
import { Machine } from '../../src/machine.js';
import type { JitOptions } from '../../translator/jit/engine.js';
import { TEST_ENGINES } from './engines.js';

export interface OptionCase {
  engine: EngineName;
  /** For describe(): the engine, and on the JIT the switch's value. */
  label: string;
  run: (opts: Omit<SnippetOptions, 'engine' | 'machine'>) => Record<string, number>;
}

export function optionCases<K extends keyof JitOptions>(key: K, values: readonly NonNullable<JitOptions[K]>[]): OptionCase[] {
  return TEST_ENGINES.flatMap((engine) => (engine === 'jit' ? values : [undefined]).map((mode): OptionCase => {
    const machine = mode !== undefined ? new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 0, [key]: mode } }) : undefined;
    return {
      engine,
      label: `${engine}${mode === undefined ? '' : `, ${key} ${String(mode)}`}`,
      run: (opts) => {
        const r = runSnippet({ ...opts, engine, ...(machine ? { machine } : {}) });
        expect(r.stop, `${r.stop} ${r.exception?.name ?? ''}`).to.equal('hlt');
        return r.regs;
      },
    };
  }));
}
