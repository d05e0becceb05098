/**
 * The state layout (runtime/state/layout.ts) is the one contract between the
 * interpreter, the devices and generated code: two fields on the same bytes
 * corrupt each other silently. Every offset exported there must be listed
 * here with its size, and no two may overlap (sub-fields must lie inside
 * their region: the x87 block, the SIMD block).
 */
import { expect } from 'chai';
import * as L from '../runtime/state/layout.js';

/** Exports that are not byte offsets of the state block (indices, sizes, other regions, flags values). */
const NOT_STATE_OFFSETS = new Set([
  'EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI', 'ES', 'CS', 'SS', 'DS', 'FS', 'GS',
  'SHADOW_SS', 'SEG_WRITE', 'CTX_BASE0', 'CTX_STACK32', 'CTX_CS4G', 'FPU_SIZE', 'SIMD_SIZE', 'STATE_END', 'TLB', 'TLB_ENTRIES', 'CODE_PAGES',
  'CODE_PAGE_COUNT', 'XCACHE', 'XCACHE_ENTRIES', 'XCACHE_ENTRY', 'RAM_BASE', 'PAGE_SIZE', 'WASM_PAGE',
]);

/** Size in bytes of each top-level field of the state block. */
const TOP: Record<string, number> = {
  REGS: 32, EIP: 4, EFLAGS: 4, LAZY_OP: 4, LAZY_RES: 4, LAZY_A: 4, LAZY_B: 4, LAZY_MASK: 4,
  SEG_SEL: 24, SEG_BASE: 24, SEG_LIMIT: 24, SEG_FLAGS: 24, CR0: 4, CR2: 4, CR3: 4, CR4: 4, CPL: 4,
  CODE32: 4, STACK32: 4, ICOUNT: 8, GDTR_BASE: 4, GDTR_LIMIT: 4, IDTR_BASE: 4, IDTR_LIMIT: 4,
  LDTR_SEL: 4, LDTR_BASE: 4, LDTR_LIMIT: 4, TR_SEL: 4, TR_BASE: 4, TR_LIMIT: 4, TR_FLAGS: 4, DR: 32,
  TSC_OFFSET: 8, MSR_SYSENTER_CS: 4, MSR_SYSENTER_ESP: 4, MSR_SYSENTER_EIP: 4, INT_SHADOW: 4,
  DEBUG: 4, DB_HELD: 4, SEG_LO: 24, SEG_HI: 24, SEG_WLO: 24, SEG_WHI: 24, READ_MASK: 4, WRITE_MASK: 4,
  FAULT_REC: 4, BLOCK_DEAD: 4, RETIRED: 4, INTR_PENDING: 4,
  CUR_BLOCK: 4, BLOCK_EIP: 4, MMU_GEN: 4, LINK_EXIT: 4, CHAINED: 4, DIRECT: 4, CODE_CTX: 4, JIT_EXITS: 32, JIT_XFERS: 32, JIT_XFERS2: 16,
  TSC_BASE: 8, TSC_ANCHOR: 8, TSC_RATE: 8, TSC_ADJ: 8, FPU: L.FPU_SIZE, SIMD: L.SIMD_SIZE,
};
/** Sub-fields and the region they belong to. */
const SUB: Record<string, [number, string]> = {
  FPU_ST: [64, 'FPU'], FPU_CW: [4, 'FPU'], FPU_SW: [4, 'FPU'], FPU_TOP: [4, 'FPU'], FPU_EMPTY: [4, 'FPU'],
  FPU_FIP: [4, 'FPU'], FPU_FCS: [4, 'FPU'], FPU_FDP: [4, 'FPU'], FPU_FDS: [4, 'FPU'], FPU_FOP: [4, 'FPU'],
  FPU_X80V: [4, 'FPU'], FPU_X80: [128, 'FPU'], XMM: [128, 'SIMD'], MXCSR: [4, 'SIMD'],
};

const exported = Object.entries(L).filter(([, v]) => typeof v === 'number') as [string, number][];
const at = (name: string): number => (L as unknown as Record<string, number>)[name];

function overlaps(fields: [string, number, number][]): string[] {
  const sorted = [...fields].sort((a, b) => a[1] - b[1]);
  const bad: string[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const [pn, po, ps] = sorted[i - 1], [n, o] = sorted[i];
    if (o < po + ps) bad.push(`${n} at 0x${o.toString(16)} overlaps ${pn} (0x${po.toString(16)}, ${ps} bytes)`);
  }
  return bad;
}

describe('state layout (runtime/state/layout.ts)', () => {
  it('every exported state offset has a declared size here', () => {
    const unknown = exported.map(([n]) => n).filter((n) => !NOT_STATE_OFFSETS.has(n) && !(n in TOP) && !(n in SUB));
    expect(unknown, 'add the new field and its size to test/state-layout.test.ts').to.deep.equal([]);
  });

  it('top-level fields do not overlap and end inside the state block; 8-byte fields are 8-aligned', () => {
    const fields = Object.entries(TOP).map(([n, size]): [string, number, number] => [n, at(n), size]);
    expect(overlaps(fields)).to.deep.equal([]);
    for (const [n, o, size] of fields) {
      expect(o + size, n).to.be.at.most(L.STATE_END);
      if (size === 8) expect(o % 8, n).to.equal(0);
    }
  });

  it('sub-fields lie inside their region and do not overlap; XMM is 16-aligned for v128 access', () => {
    for (const region of ['FPU', 'SIMD']) {
      const fields = Object.entries(SUB).filter(([, [, r]]) => r === region).map(([n, [size]]): [string, number, number] => [n, at(n), size]);
      expect(overlaps(fields), region).to.deep.equal([]);
      for (const [n, o, size] of fields) {
        expect(o, n).to.be.at.least(at(region));
        expect(o + size, n).to.be.at.most(at(region) + TOP[region]);
      }
    }
    expect(L.XMM % 16).to.equal(0);
  });

  it('ENGINE_SCRATCH (left out of snapshots\' state hash, zeroed on restore) names declared fields with their offsets and sizes', () => {
    for (const [name, off, bytes] of L.ENGINE_SCRATCH) {
      expect(TOP[name], name).to.equal(bytes);
      expect(at(name), name).to.equal(off);
    }
    // The engine words a compiled run leaves behind are there (a snapshot hash that
    // included them differed after restore: test/snapshot, test/migration).
    const names = L.ENGINE_SCRATCH.map(([n]) => n);
    for (const n of ['FAULT_REC', 'BLOCK_DEAD', 'RETIRED', 'CUR_BLOCK', 'BLOCK_EIP', 'MMU_GEN', 'LINK_EXIT', 'CHAINED', 'DIRECT', 'JIT_EXITS']) expect(names, n).to.include(n);
  });

  it('LAZY_MASK and LAZY_OP are one 8-byte-aligned pair, LAZY_MASK low (the JIT stores both with one i64: ir.ts Fn.st2); the flag words end at LAZY_OP', () => {
    expect(L.LAZY_MASK % 8).to.equal(0);
    expect(L.LAZY_OP).to.equal(L.LAZY_MASK + 4);
    // ir.ts isFlagWord: EFLAGS..LAZY_OP holds every flag word (dead and owed flag stores are told apart by offset).
    for (const n of ['LAZY_RES', 'LAZY_A', 'LAZY_B', 'LAZY_MASK']) expect(at(n), n).to.be.within(L.EFLAGS, L.LAZY_OP);
  });

  it('RETIRED and BLOCK_DEAD are one 8-byte-aligned pair, RETIRED low (a self-naming block zeroes both with one i64: compile.ts emitBlock)', () => {
    expect(L.RETIRED % 8).to.equal(0);
    expect(L.BLOCK_DEAD).to.equal(L.RETIRED + 4);
  });

  it('the global dispatch cache lies between the code-page map and RAM, in the range the JIT was given (0x510000-0x7fffff)', () => {
    expect(L.XCACHE).to.be.at.least(L.CODE_PAGES + L.CODE_PAGE_COUNT);
    expect(L.XCACHE).to.be.at.least(0x510000);
    expect(L.XCACHE + L.XCACHE_ENTRIES * L.XCACHE_ENTRY).to.be.at.most(Math.min(L.RAM_BASE, 0x800000));
    expect(L.XCACHE_ENTRIES & (L.XCACHE_ENTRIES - 1), 'a power of two (the hash keeps top bits)').to.equal(0);
    expect(L.XCACHE_ENTRY).to.equal(16);
  });
});
