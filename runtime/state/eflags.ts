/** EFLAGS bit names (Intel SDM vol. 1, 3.4.3). */
export const CF = 0x0001;
export const PF = 0x0004;
export const AF = 0x0010;
export const ZF = 0x0040;
export const SF = 0x0080;
export const TF = 0x0100;
export const IF = 0x0200;
export const DF = 0x0400;
export const OF = 0x0800;
export const IOPL = 0x3000;
export const NT = 0x4000;
export const RF = 0x10000;
export const VM = 0x20000;
export const AC = 0x40000;
export const VIF = 0x80000;
export const VIP = 0x100000;
export const ID = 0x200000;
/** Bit 1 always reads as 1. */
export const FIXED_ONE = 0x0002;
/** The six status flags that arithmetic computes (lazily). */
export const ARITH = CF | PF | AF | ZF | SF | OF;
/** Bits a POPF/IRET can ever change on this i686 model (AC and ID exist on 486+/Pentium). */
export const WRITABLE = ARITH | TF | IF | DF | OF | IOPL | NT | RF | VM | AC | VIF | VIP | ID;
