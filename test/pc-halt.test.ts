/**
 * Pc.step and a guest that halts for good: HLT with interrupts disabled ends
 * the run ('halted') even when an IRQ is pending at the PIC. Nothing can wake
 * that CPU here (no NMI source); Pc.step used to test "no IRQ pending" first,
 * and with one pending it ran the halted CPU (which does nothing) forever.
 */
import { expect } from 'chai';
import { Pc } from '../src/pc.js';
import { CLOCK_MODES } from '../src/clock.js';
import { TEST_ENGINES } from './helpers/engines.js';

/**
 * Real mode at 0x1000: PIT counter 0 in mode 2 with a period of 100 ticks (84 us), IRQ0 unmasked, then
 * cli, 400,000 instructions (IRQ0 goes pending, never taken), hlt.
 */
const PROGRAM = new Uint8Array([
  0xb0, 0x34, 0xe6, 0x43, // mov al, 0x34; out 0x43, al
  0xb0, 100, 0xe6, 0x40, // mov al, 100; out 0x40, al
  0xb0, 0x00, 0xe6, 0x40, // mov al, 0; out 0x40, al
  0xb0, 0xfe, 0xe6, 0x21, // mov al, 0xfe; out 0x21, al (IRQ0 only)
  0xfa, // cli
  0x66, 0xb9, 0x40, 0x0d, 0x03, 0x00, // mov ecx, 200000
  0x66, 0x49, 0x75, 0xfc, // L: dec ecx; jnz L
  0xf4, // hlt
]);

describe('Pc.step: HLT with interrupts disabled ends the run, an IRQ pending or not', function () {
  this.timeout(120_000);
  for (const engine of TEST_ENGINES) {
    for (const clock of CLOCK_MODES) {
      it(`${engine}, ${clock} clock`, () => {
        const pc = new Pc({ memoryMiB: 2, engine, clock });
        const cpu = pc.cpu;
        for (let i = 0; i < 6; i++) cpu.setSegReal(i, 0);
        cpu.r32[4] = 0x8000;
        cpu.eip = 0x1000;
        cpu.phys.load(0x1000, PROGRAM);
        let steps = 0;
        while (pc.step() >= 0) {
          if (++steps > 100_000) break;
        }
        expect(pc.devices.pic.pending(), 'IRQ0 pending at the end').to.equal(true);
        expect(pc.exitReason, `after ${steps} steps`).to.deep.equal({ kind: 'halted' });
        expect(cpu.icountNumber()).to.equal(4 * 2 + 1 + 1 + 2 * 200_000 + 1);
      });
    }
  }
});
