/**
 * A machine set up as the snippet runner's flat protected mode (enterFlatProtected: GDT at
 * 0x500: null, 4 GiB code 0x08, 4 GiB data 0x10; CPL 0, ESP 0x8000, EIP
 * `eip`), plus an IDT at 0x600 whose vector 0x20 is a 32-bit interrupt gate
 * to 0x08:`handler`: for tests that drive Machine.run themselves and raise
 * interrupts through a test InterruptSource (runSnippet resets the machine).
 */
import type { Machine } from '../../src/machine.js';
import { enterFlatProtected } from '../../src/snippet.js';
import { IDTR_BASE, IDTR_LIMIT, w } from '../../runtime/state/layout.js';

export function flatWithTimerGate(m: Machine, eip: number, handler: number): void {
  flatAt(m, eip);
  const phys = m.cpu.phys, s = m.cpu.s;
  phys.write32(0x600 + 8 * 0x20, 0x00080000 | (handler & 0xffff));
  phys.write32(0x604 + 8 * 0x20, (handler & 0xffff0000) | 0x8e00);
  s[w(IDTR_BASE)] = 0x600; s[w(IDTR_LIMIT)] = 8 * 0x21 - 1;
}

/** The same flat protected mode without an IDT (a fault shuts the CPU down), at `eip` with ESP 0x8000. */
export function flatAt(m: Machine, eip: number): void {
  const cpu = m.cpu;
  enterFlatProtected(cpu);
  cpu.r32[4] = 0x8000;
  cpu.setEflags(0x2, 0x3f7fd7);
  cpu.eip = eip;
}
