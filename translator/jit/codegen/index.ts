/** Registers every inline emitter (one file per family). */
import './mov.js';
import './alu.js';
import './stack.js';
import './branch.js';
import './shift.js';
import './muldiv.js';
import './cond.js';
import './misc.js';
import './string.js';
import './bits.js';
import './atomic.js';
import './x87.js';
