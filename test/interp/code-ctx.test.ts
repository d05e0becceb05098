/**
 * CODE_CTX (runtime/state/layout.ts) is derived from the segment bounds:
 * bit b set exactly when bounds index b (seg for reads, seg + SEG_WRITE for
 * writes) is LO = 0, HI = 0xFFFFFFFF, and bit CTX_BASE0 + seg exactly
 * when seg's base is 0. Compiled code's flat-segment entry
 * guard reads only this word, so it must follow every way the bounds change:
 * descriptor loads of every kind, real-mode loads, and a snapshot restore
 * (which replaces the state block and zeroes the engine's scratch words).
 */
import { expect } from 'chai';
import { Machine } from '../../src/machine.js';
import { Machine as Vm } from '../../src/vm.js';
import { CR0, CS, DS, ES, FS, SEG_BASE, CODE_CTX, CTX_BASE0, CTX_CS4G, CTX_STACK32, SEG_LIMIT, STACK32, SEG_HI, SEG_LO, SEG_WRITE, SS, w } from '../../runtime/state/layout.js';
import type { Cpu } from '../../runtime/cpu.js';

/** CODE_CTX as it should be, from the bounds themselves. */
function expected(cpu: Cpu): number {
  const s = cpu.s;
  let flat = 0;
  for (let seg = 0; seg < 6; seg++) {
    for (const b of [seg, seg + SEG_WRITE]) if (s[w(SEG_LO) + b] === 0 && s[w(SEG_HI) + b] === -1) flat |= 1 << b;
    if (s[w(SEG_BASE) + seg] === 0) flat |= 1 << (seg + CTX_BASE0);
  }
  if (s[w(STACK32)] !== 0) flat |= 1 << CTX_STACK32;
  if (s[w(SEG_LIMIT) + CS] === -1) flat |= 1 << CTX_CS4G;
  return flat;
}
const flat = (cpu: Cpu): number => cpu.s[w(CODE_CTX)]!;

describe('CODE_CTX follows the segment bounds', () => {
  it('after power-on, real-mode loads and protected-mode descriptor loads of every kind', () => {
    const cpu = new Machine({ memoryMiB: 2, engine: 'interpreter' }).cpu;
    expect(flat(cpu)).to.equal(expected(cpu));
    expect(flat(cpu) & 0x3f003f).to.equal(0); // real mode, 64 KiB limits
    expect(flat(cpu) & (1 << (CS + CTX_BASE0))).to.equal(0); // CS base 0xFFFF0000 at reset
    expect(flat(cpu) & (1 << (DS + CTX_BASE0))).to.not.equal(0);
    cpu.s[w(CR0)] |= 1;
    cpu.setSegCache(DS, 0x23, 0, 0xffffffff, 0xcff300);        // flat read/write data
    expect(flat(cpu)).to.equal(expected(cpu));
    expect(flat(cpu) & (1 << DS)).to.not.equal(0);
    expect(flat(cpu) & (1 << (DS + SEG_WRITE))).to.not.equal(0);
    cpu.setSegCache(ES, 0x2b, 0, 0xffffffff, 0xcff100);        // flat read-only data: readable, not writable
    expect(flat(cpu)).to.equal(expected(cpu));
    expect(flat(cpu) & (1 << ES)).to.not.equal(0);
    expect(flat(cpu) & (1 << (ES + SEG_WRITE))).to.equal(0);
    cpu.setSegCache(CS, 0x1b, 0, 0xffffffff, 0xcffb00);        // flat code: readable, never writable
    expect(flat(cpu)).to.equal(expected(cpu));
    expect(flat(cpu) & (1 << CTX_CS4G), 'CS limit 4 GiB').to.not.equal(0);
    cpu.setSegCache(CS, 0x1b, 0, 0xfffff, 0x40fb00);           // 1 MiB code segment
    expect(flat(cpu)).to.equal(expected(cpu));
    expect(flat(cpu) & (1 << CTX_CS4G)).to.equal(0);
    cpu.setSegCache(CS, 0x1b, 0, 0xffffffff, 0xcffb00);
    expect(flat(cpu) & (1 << CS)).to.not.equal(0);
    expect(flat(cpu) & (1 << (CS + SEG_WRITE))).to.equal(0);
    cpu.setSegCache(SS, 0x33, 0, 0xfffff, 0x40f300);           // a 1 MiB limit: not flat
    expect(flat(cpu)).to.equal(expected(cpu));
    expect(flat(cpu) & (1 << CTX_STACK32), 'B = 1: a 32-bit stack').to.not.equal(0);
    cpu.setSegCache(SS, 0x33, 0, 0xfffff, 0x00f300);           // B = 0: a 16-bit stack
    expect(flat(cpu)).to.equal(expected(cpu));
    expect(flat(cpu) & (1 << CTX_STACK32)).to.equal(0);
    cpu.setSegCache(SS, 0x33, 0, 0xfffff, 0x40f300);
    expect(flat(cpu) & (1 << SS)).to.equal(0);
    cpu.setSegCache(SS, 0x33, 0, 0xffff, 0x40f700);            // expand-down, big: LO = 0x10000, not flat
    expect(flat(cpu)).to.equal(expected(cpu));
    cpu.setSegCache(DS, 0, 0, 0, 0);                           // null selector: unusable
    expect(flat(cpu)).to.equal(expected(cpu));
    expect(flat(cpu) & (1 << DS)).to.equal(0);
    cpu.setSegCache(DS, 0x23, 0, 0xffffffff, 0xcff300);        // flat again
    cpu.setSegCache(FS, 0x3b, 0x1234000, 0xffffffff, 0xcff300); // flat bounds, base not 0 (a per-CPU segment)
    expect(flat(cpu)).to.equal(expected(cpu));
    expect(flat(cpu) & (1 << FS)).to.not.equal(0);
    expect(flat(cpu) & (1 << (FS + CTX_BASE0))).to.equal(0);
    cpu.setSegCache(FS, 0x3b, 0, 0xffffffff, 0xcff300);
    expect(flat(cpu) & (1 << (FS + CTX_BASE0))).to.not.equal(0);
    expect(flat(cpu) & (1 << DS)).to.not.equal(0);
    cpu.s[w(CR0)] &= ~1;
    cpu.setSegReal(DS, 0x1234);                                // real mode keeps the cached limit (unreal mode)
    expect(flat(cpu)).to.equal(expected(cpu));
    expect(flat(cpu) & (1 << DS)).to.not.equal(0);
    expect(flat(cpu) & (1 << (DS + CTX_BASE0))).to.equal(0); // base 0x12340
    cpu.setSegReal(DS, 0);
    expect(flat(cpu) & (1 << (DS + CTX_BASE0))).to.not.equal(0);
  });

  it('after a snapshot restore, which zeroes the scratch words, the word is computed again', async () => {
    const m = Vm.create({ clock: 'deterministic', engine: 'interpreter' });
    await m.run({ instructions: 3_000_000 }); // into the kernel's flat protected mode
    const saved = await m.snapshot();
    const cpu0 = (m as unknown as { pc: { machine: { cpu: Cpu } } }).pc.machine.cpu;
    expect(flat(cpu0)).to.equal(expected(cpu0));
    expect(flat(cpu0)).to.not.equal(0);
    const r = await Vm.restore(saved, { engine: 'interpreter' });
    const cpu1 = (r as unknown as { pc: { machine: { cpu: Cpu } } }).pc.machine.cpu;
    expect(flat(cpu1)).to.equal(expected(cpu1));
    expect(flat(cpu1)).to.equal(flat(cpu0));
  });
});
