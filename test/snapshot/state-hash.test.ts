/**
 * The state hash sees the flags as the guest does: EFLAGS bits under
 * LAZY_MASK are stale (computed from LAZY_* when read), and which stale
 * value they hold depends on which engine ran the earlier flag producers
 * (session 15: interpreter 0x200886, compiled code 0x200087 for one guest
 * state, LAZY_MASK 0x8d5), so they must not change the hash; a live flag
 * must.
 */
import { expect } from 'chai';
import { Pc } from '../../src/pc.js';
import { stateHash } from '../../src/snapshot/machine-state.js';
import { EFLAGS, LAZY_A, LAZY_B, LAZY_MASK, LAZY_OP, LAZY_RES } from '../../runtime/state/layout.js';
import { TEST_ENGINES } from '../helpers/engines.js';

const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const ARITH = CF | PF | AF | ZF | SF | OF;

describe('state hash: flags as the guest sees them', () => {
  for (const engine of TEST_ENGINES) {
    it(`[${engine}] stale EFLAGS bits under LAZY_MASK do not change it; live bits and pending results do`, () => {
      const pc = new Pc({ engine, memoryMiB: 2 });
      const s = pc.cpu.s;
      const op = s[LAZY_OP >>> 2]!;
      // A pending 32-bit SUB whose flags are all lazy: 0x3d0900 - 0x3d0900 = 0 (ZF, PF set).
      const pending = (stale: number): string => {
        s[LAZY_RES >>> 2] = 0; s[LAZY_A >>> 2] = 0x3d0900; s[LAZY_B >>> 2] = 0x3d0900;
        s[LAZY_OP >>> 2] = op; s[LAZY_MASK >>> 2] = ARITH;
        s[EFLAGS >>> 2] = 0x200002 | stale;
        return stateHash(pc);
      };
      const a = pending(OF | SF | PF), b = pending(SF | PF | CF), c = pending(0);
      expect(b).to.equal(a);
      expect(c).to.equal(a);
      // Not lazy: the same stale patterns are now the flags.
      s[LAZY_MASK >>> 2] = 0;
      s[EFLAGS >>> 2] = 0x200002 | OF | SF | PF;
      const live1 = stateHash(pc);
      s[EFLAGS >>> 2] = 0x200002 | SF | PF | CF;
      expect(stateHash(pc)).to.not.equal(live1);
      // A different pending result is a different state.
      pending(0);
      s[LAZY_RES >>> 2] = 1;
      expect(stateHash(pc)).to.not.equal(a);
      // Hashing does not touch the machine's own lazy state.
      expect(s[LAZY_MASK >>> 2]).to.equal(ARITH);
    });
  }
});
