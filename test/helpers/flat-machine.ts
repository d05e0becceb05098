/**
 * A machine set up as the snippet runner's flat protected mode (GDT at
 * 0x500: null, 4 GiB code 0x08, 4 GiB data 0x10; CPL 0, ESP 0x8000, EIP
 * `eip`), plus an IDT at 0x600 whose vector 0x20 is a 32-bit interrupt gate
 * to 0x08:`handler`: for tests that drive Machine.run themselves and raise
 * interrupts through a test InterruptSource (runSnippet resets the machine).
 */
import type { Machine } from '../../src/machine.js';
import { decode as decodeDescriptor } from '../../runtime/segments.js';
import { CR0, CS, GDTR_BASE, GDTR_LIMIT, IDTR_BASE, IDTR_LIMIT, w } from '../../runtime/state/layout.js';

export function flatWithTimerGate(m: Machine, eip: number, handler: number): void {
  const cpu = m.cpu, phys = cpu.phys, s = cpu.s;
  const gdt: [number, number][] = [[0, 0], [0x0000ffff, 0x00cf9b00], [0x0000ffff, 0x00cf9300]];
  gdt.forEach(([lo, hi], i) => { phys.write32(0x500 + 8 * i, lo); phys.write32(0x504 + 8 * i, hi); });
  phys.write32(0x600 + 8 * 0x20, 0x00080000 | (handler & 0xffff));
  phys.write32(0x604 + 8 * 0x20, (handler & 0xffff0000) | 0x8e00);
  s[w(GDTR_BASE)] = 0x500; s[w(GDTR_LIMIT)] = 8 * gdt.length - 1;
  s[w(IDTR_BASE)] = 0x600; s[w(IDTR_LIMIT)] = 8 * 0x21 - 1;
  s[w(CR0)] = 0x60000011;
  const code = decodeDescriptor(gdt[1][0], gdt[1][1]), data = decodeDescriptor(gdt[2][0], gdt[2][1]);
  for (let i = 0; i < 6; i++) {
    if (i === CS) cpu.setSegCache(i, 0x08, code.base, code.limit, code.flags);
    else cpu.setSegCache(i, 0x10, data.base, data.limit, data.flags);
  }
  cpu.setCpl(0);
  cpu.r32[4] = 0x8000;
  cpu.setEflags(0x2, 0x3f7fd7);
  cpu.eip = eip;
}
