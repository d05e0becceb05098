/** Every instruction family registers its mnemonics on import. */
import './alu.js';
import './mov.js';
import './branch.js';
import './stack.js';
import './segment.js';
import './system.js';
import './shift.js';
import './muldiv.js';
import './bcd.js';
import './bits.js';
import './string.js';
import './flagops.js';
import './cond.js';
import './atomic.js';
import './misc.js';
import './far.js';
import './io.js';
