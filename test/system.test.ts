/**
 * System-CPU guest programs (test/system/*.asm, assembled to the committed
 * .bin files by test/system/build.sh): bare-metal programs that start in real
 * mode like a boot loader, enter protected mode themselves and exercise
 * interrupts, paging, privilege levels, virtual-8086 mode, task switches and
 * the descriptor-table instructions. Each reports (tag, value) pairs on I/O
 * port 0xE0 and halts with EAX = 0x600DF00D; the expected sequences below
 * follow the Intel SDM (sections cited in the .asm files).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { runSnippet, type SnippetOptions, type SnippetResult } from '../src/snippet.js';
import { TEST_ENGINES } from './helpers/engines.js';
import type { EngineName } from '../src/snippet.js';

const LOGPORT = 0xe0;
const DONE_MAGIC = 0x600df00d;
const ORG = 0x1000;

function program(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../test/system/${name}.bin`, import.meta.url)));
}

const tagName = (v: number): string => String.fromCharCode(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

interface Run { res: SnippetResult; log: string[] }

/** Run a program from real mode; the log is "TAG=0xvalue" per pair. */
function runProgram(
  engine: EngineName, name: string, maxInstructions = 2_000_000, regs: SnippetOptions['regs'] = {},
): Run {
  const words: number[] = [];
  const res = runSnippet({
    engine,
    mode: 'real',
    code: program(name),
    org: ORG,
    regs,
    maxInstructions,
    ports: [{
      port: LOGPORT,
      handler: {
        read: () => 0xffffffff,
        write: (_port, size, value) => { if (size === 4) words.push(value >>> 0); },
      },
    }],
  });
  const log: string[] = [];
  for (let i = 0; i < words.length; i += 2) {
    log.push(`${tagName(words[i]).trimEnd()}=${i + 1 < words.length ? hex(words[i + 1]) : '?'}`);
  }
  return { res, log };
}

/** Expected pairs as "TAG=value"; values are numbers. */
const E = (pairs: [string, number][]): string[] => pairs.map(([t, v]) => `${t}=${hex(v)}`);

function expectDone({ res, log }: Run, expected: string[]): void {
  const x = res.exception;
  const why = x ? `${x.name} at ${hex(x.eip)}: ${x.reason ?? ''}` : res.stop;
  expect(log, `log (run stopped: ${why})`).to.deep.equal(expected);
  expect(res.stop, why).to.equal('hlt');
  expect(hex(res.regs.eax), 'EAX at HLT').to.equal(hex(DONE_MAGIC));
}

for (const engine of TEST_ENGINES) {
  describe(`system-CPU guest programs [${engine}]`, () => {
    it('pmode: real -> protected -> real mode', () => {
      const r = runProgram(engine, 'pmode');
      expectDone(r, E([
        ['CR0R', 0x60000010], ['CSR', 0], ['RES0', 0], ['SEGA', 0x12345678], ['RUDF', 1], ['RUDI', 0],
        ['CR0P', 0x1], ['CSP', 0x08], ['OLDD', 1], ['GSBA', 0x12345678], ['GSSL', 0x48], ['CS16', 0x38],
        ['CS32', 0x08], ['CR0B', 0x60000010], ['CSB', 0], ['SEGB', 0x12345678], ['UNRL', 0xcafebabe],
        ['FSSL', 0x10], ['INT8', 0x8080], ['DONE', 0],
      ]));
    });

    it('idt: IDT gates, software interrupts, exceptions and their error codes', () => {
      expectDone(runProgram(engine, 'idt'), E([
        ['H40F', 0x0], ['H40S', 0x4200], ['H40I', 0x0], ['H40C', 0x8], ['H40P', 0xeff4], ['A40F', 0x4200],
        ['E40', 0xf000], ['H41F', 0x200], ['A41F', 0x200], ['H42I', 0x0], ['H42C', 0x8], ['H42F', 0x200],
        ['H42P', 0xeffa], ['E42', 0xf000], ['BP', 0x3], ['BPIP', 0x0], ['OF0', 0xffffffff], ['OF1', 0x4],
        ['OFIP', 0x0], ['BND0', 0xffffffff], ['BR', 0x5], ['BRIP', 0x0], ['DE0', 0x0], ['DE0I', 0x0],
        ['DE1', 0x0], ['DE1I', 0x0], ['UD', 0x6], ['UDIP', 0x0], ['UDNP', 0xb], ['UDNE', 0x33], ['UDNI', 0x0],
        ['GP1', 0xd], ['GP1E', 0x1f8], ['GP1I', 0x0], ['GP1C', 0x8], ['GP1F', 0x0], ['DS1', 0x10],
        ['GP2', 0xd], ['GP2E', 0x28], ['GP3', 0xd], ['GP3E', 0x0], ['GP4', 0xd], ['GP4E', 0x10], ['GP5', 0xd],
        ['GP5E', 0x8], ['SS1', 0xc], ['SS1E', 0x50], ['NP1', 0xb], ['NP1E', 0x50], ['FS1', 0x10],
        ['NP2S', 0x50], ['NP2E', 0x50], ['NP2I', 0x0], ['NP2A', 0x93], ['NUL', 0xffffffff], ['N50', 0xb],
        ['N50E', 0x282], ['N50I', 0x0], ['T51', 0xd], ['T51E', 0x28a], ['T51I', 0x0], ['L70', 0xd],
        ['L70E', 0x382], ['CNT', 0x11], ['ESP', 0xf000], ['DONE', 0x0],
      ]));
    });

    it('paging: 4 KiB and 4 MiB pages, #PF, CR0.WP, accessed/dirty, INVLPG, CR3/CR4 flushes', () => {
      expectDone(runProgram(engine, 'paging'), E([
        ['PGON', 0x80000001], ['PSE1', 0x19000000], ['PSE2', 0x55], ['PSAD', 0x60], ['PF1V', 0xaaaa0001],
        ['PF1E', 0x0], ['PF1A', 0x180010], ['PF1I', 0x0], ['PF2V', 0x77], ['PF2E', 0x2], ['PF2A', 0x183020],
        ['PF2I', 0x0], ['PF3V', 0x66554433], ['PF3E', 0x0], ['PF3A', 0x185000], ['PFCT', 0x3],
        ['WP0', 0xffffffff], ['WP0V', 0xbbbb0002], ['WP1', 0xe], ['WP1E', 0x3], ['WP1A', 0x18100c],
        ['WP1I', 0x0], ['WP1V', 0x0], ['AD0', 0x0], ['AD1', 0x20], ['AD2', 0x60], ['PDEA', 0x20],
        ['INV0', 0x19000000], ['INV1', 0x19100000], ['CR3R', 0x19200000], ['GLB0', 0x19000000],
        ['GLB1', 0x19100000], ['GLB2', 0x19200000], ['TAIL', 0x188000], ['CR2', 0x188000], ['DONE', 0x0],
      ]));
    });

    it('ring3: IRET to ring 3, INT 0x80, privileged instructions, I/O bitmap, U/S pages, SYSENTER/SYSEXIT', () => {
      expectDone(runProgram(engine, 'ring3'), E([
        ['STR', 0x28], ['BUSY', 0x8b], ['MSR', 0x0], ['R3CS', 0x1b], ['R3SS', 0x23], ['R3SP', 0xd000],
        ['R3DS', 0x0], ['R3ES', 0x0], ['R3FS', 0x0], ['R3GS', 0x23], ['KCS', 0x8], ['KSS', 0x10],
        ['KSP', 0xdfec], ['KEIP', 0x0], ['KFCS', 0x1b], ['KFFL', 0x0], ['KFSP', 0xd000], ['KFSS', 0x23],
        ['B3CS', 0x1b], ['B3SP', 0xd000], ['B3DS', 0x23], ['G81', 0xd], ['G81E', 0x40a], ['G81C', 0x1b],
        ['G81U', 0xd000], ['G81S', 0x23], ['G81K', 0x10], ['G81P', 0xdfec], ['G3', 0xd], ['G3E', 0x1a],
        ['G3I', 0x0], ['HLT', 0xd], ['HLTE', 0x0], ['HLTI', 0x0], ['CLI', 0xd], ['CLIE', 0x0], ['RCR0', 0xd],
        ['WCR0', 0xd], ['WCRE', 0x0], ['LGDT', 0xd], ['POPF', 0x0], ['IRTF', 0x0], ['IRTV', 0xffffffff],
        ['OUT', 0xd], ['OUTE', 0x0], ['DS0', 0xd], ['DS0E', 0x10], ['RETF', 0xd], ['RETE', 0x8],
        ['RETC', 0x1b], ['RETP', 0xd000], ['VIS3', 0x13], ['UPF1', 0xe], ['UPE1', 0x5], ['UPA1', 0x180000],
        ['UPI1', 0x0], ['UPE2', 0x7], ['UPA2', 0x180010], ['UPE3', 0x6], ['UPA3', 0x183000], ['SECS', 0x8],
        ['SESS', 0x10], ['SESP', 0xdc00], ['SEIF', 0x0], ['SXCS', 0x1b], ['SXSS', 0x23], ['SXSP', 0xd000],
        ['CNT', 0xd], ['KDCS', 0x8], ['KDSS', 0x10], ['KDSP', 0xdfec], ['DONE', 0x0],
      ]));
    });

    it('vm86: IRET into virtual-8086 mode, IOPL-sensitive instructions, #GP and INT n frames', () => {
      expectDone(runProgram(engine, 'vm86'), E([
        ['VCS', 0x100], ['VSS', 0x800], ['VSP', 0x1000], ['VDS', 0x2000], ['VFS', 0x300], ['VMEM', 0xd5d5d5d5],
        ['HDS', 0x0], ['HES', 0x0], ['HFS', 0x0], ['HGS', 0x0], ['HSS', 0x10], ['HSP', 0xdfd8], ['FERR', 0x0],
        ['FEIP', 0x0], ['FCS', 0x100], ['FFL', 0x20000], ['FESP', 0x1000], ['FSS', 0x800], ['FES', 0x3000],
        ['FDS', 0x2000], ['FFS', 0x300], ['FGS', 0x0], ['VPF', 0x0], ['VINT', 0x21], ['VBX', 0x5678],
        ['VDS2', 0x2000], ['VES', 0x4e4e4e4e], ['VOP', 0xfa], ['VOP', 0xe6], ['VINT', 0x22], ['V3FL', 0x3200],
        ['V3IR', 0x1], ['IDS', 0x0], ['IFL', 0x23000], ['ICS', 0x100], ['IDSF', 0x2000], ['ICPL', 0x8],
        ['V30B', 0x3030], ['VHLT', 0x23000], ['VCNT', 0x6], ['DONE', 0x0],
      ]));
    });

    it('tasks: #DF through a task gate, CALL/JMP/IRET task switches, call gates with parameters', () => {
      expectDone(runProgram(engine, 'tasks'), E([
        ['DFEC', 0x0], ['DFSP', 0xbffc], ['DFTR', 0x30], ['DFBL', 0x28], ['DFNT', 0x4000], ['DFT0', 0x8b],
        ['DFT1', 0x8b], ['DFTS', 0x8], ['OEIP', 0x0], ['OEAX', 0xa5a5a5a5], ['OECX', 0xc3c3c3c3],
        ['OESP', 0xf000], ['OCS', 0x8], ['ODS', 0x10], ['OFNT', 0x0], ['MEAX', 0xa5a5a5a5],
        ['MECX', 0xc3c3c3c3], ['MTR', 0x28], ['MT0', 0x8b], ['MT1', 0x89], ['MNT', 0x0], ['MTS', 0x8],
        ['CLTS', 0x0], ['CBL', 0x28], ['CNT', 0x4000], ['CSP', 0xc000], ['RCAL', 0x1], ['CT1', 0x89],
        ['JNT', 0x0], ['JT0', 0x89], ['RJMP', 0x1], ['JT1', 0x89], ['JTR', 0x28], ['SCS', 0x8],
        ['SSP', 0xeff8], ['SRCS', 0x8], ['SGSP', 0xf000], ['KCS', 0x8], ['KSS', 0x10], ['KSP', 0xdfe8],
        ['KEIP', 0x0], ['KRCS', 0x1b], ['KP0', 0x22222222], ['KP1', 0x11111111], ['KOSP', 0xcff8],
        ['KOSS', 0x23], ['UCS', 0x1b], ['USP', 0xd000], ['USS', 0x23], ['G0', 0xd], ['G0E', 0x60],
        ['TGBL', 0x28], ['TGOC', 0x1b], ['TGKC', 0x8], ['TGAX', 0x33333333], ['TGCS', 0x1b], ['TGSP', 0xd000],
        ['TSEC', 0x10], ['TSBL', 0x28], ['TSIP', 0x0], ['TSCS', 0x1b], ['KDCS', 0x8], ['DONE', 0x0],
      ]));
    });

    it('descinsn: LAR LSL VERR VERW ARPL SLDT STR SGDT SIDT SMSW LMSW CLTS (and #UD in real mode)', () => {
      expectDone(runProgram(engine, 'descinsn'), E([
        ['RLAR', 0x1], ['RLSL', 0x1], ['RVRR', 0x1], ['RVRW', 0x1], ['RARP', 0x1], ['RSLD', 0x1],
        ['RSTR', 0x1], ['RLLD', 0x1], ['RLTR', 0x1], ['RSMW', 0x0], ['RMSW', 0x10], ['RGDL', 0xffff],
        ['RGDB', 0x0], ['RIDL', 0x3ff], ['RIDB', 0x0], ['RLMS', 0x18], ['RCLT', 0x10], ['LAR1', 0x40f200],
        ['LAR2', 0xdeadf200], ['LARN', 0x401200], ['LART', 0x8b00], ['LARL', 0x8200], ['LARG', 0x8c00],
        ['LARI', 0x12345678], ['LAR0', 0x12345678], ['LARX', 0x12345678], ['LARR', 0x12345678],
        ['LARD', 0x40b200], ['LARZ', 0x7e1], ['LSL1', 0x12345], ['LSLG', 0x12fff], ['LSLT', 0x88],
        ['LSLL', 0x3f], ['LSLC', 0x12345678], ['LSL6', 0x12342fff], ['LSLZ', 0x3d], ['VERx', 0x738],
        ['ARP1', 0x13], ['ARP2', 0x23], ['ARP3', 0xabcd0012], ['ARPZ', 0x5], ['SLD0', 0x0], ['SLD1', 0x78],
        ['SLDM', 0x78], ['LLDB', 0xd], ['LLDE', 0x10], ['SLD2', 0x0], ['STR', 0x28], ['LTRB', 0xd],
        ['LTRE', 0x28], ['GDTL', 0x97], ['GDTB', 0x0], ['IDTL', 0x7ff], ['IDTB', 0x10000], ['SMSW', 0x11],
        ['SMSM', 0x11], ['LMSW', 0x1b], ['CLTS', 0x3], ['DONE', 0x0],
      ]));
    });

    it('legacy16: real-mode IRETD, indirect far JMP/CALL, JMP via a gate, 16-bit gates, 16-bit TSS', () => {
      expectDone(runProgram(engine, 'legacy16'), E([
        ['RIRD', 0x8000], ['RIRF', 0x3], ['JM32', 0x8], ['C16R', 0xf000], ['C16S', 0x38], ['JGCS', 0x8],
        ['JGSP', 0xf000], ['T16A', 0x1616], ['T16S', 0xbff0], ['T16R', 0x68], ['T16L', 0x28], ['T16N', 0x4000],
        ['M16A', 0x32323232], ['M16C', 0x43434343], ['M16T', 0x28], ['T16X', 0x88887777], ['T16I', 0x0],
        ['T16B', 0x81], ['GSS', 0x10], ['GSP', 0xdff4], ['GIP', 0x0], ['GCS', 0x1b], ['GP0', 0x2222],
        ['GP1', 0x1111], ['GOSP', 0xcffc], ['GOSS', 0x23], ['UCS', 0x1b], ['USP', 0xd000], ['HSP', 0xdff6],
        ['HIP', 0x0], ['HCS', 0x1b], ['HFL', 0x0], ['HOSP', 0xd000], ['HOSS', 0x23], ['ICS', 0x1b],
        ['ISP', 0xd000], ['IBX', 0x66], ['KDCS', 0x8], ['DONE', 0x0],
      ]));
    });

    it('segtypes: writes to read-only data and code segments, reads of execute-only code are #GP(0)', () => {
      // Each fault logs (vector << 16) | error code, bit 15 = reported at the instruction: 0xd8000 = #GP(0) there.
      const GP0 = 0xd8000, NONE = 0xffffffff;
      expectDone(runProgram(engine, 'segtypes'), E([
        ['RMCS', 0x11112222], ['RORD', 0x5a5a5a5a], ['ROMV', GP0], ['ROAD', GP0], ['ROIN', GP0], ['ROXC', GP0],
        ['ROXA', 0x77], ['ROC1', GP0], ['ROC2', GP0], ['ROCA', 0], ['ROBT', NONE], ['ROBS', GP0], ['ROSE', GP0],
        ['ROPO', GP0], ['ROPS', 0], ['ROPU', NONE], ['ROFS', GP0], ['ROSW', GP0], ['ROSG', GP0],
        ['ROTG', 0x5a5a5a5a], ['ESST', GP0], ['ESRS', GP0], ['ESRC', 4], ['ESMV', GP0], ['ESIN', GP0],
        ['ESDI', 0x10850], ['ESLO', NONE], ['RXRD', 0x5a5a5a5a], ['RXWR', GP0], ['CSRD', 0x5a5a5a5a],
        ['CSWR', GP0], ['CSNT', GP0], ['XORD', GP0], ['XOEA', 0x1234], ['XOWR', GP0], ['XOCS', 0x60],
        ['EDRD', NONE], ['EDWR', GP0], ['EDLO', GP0], ['EDTG', 0x5a5a5a5a], ['DONE', 0],
      ]));
    });

    it('taskfault: #TS / #NP after the commit point of a task switch are delivered in the new task', () => {
      expectDone(runProgram(engine, 'taskfault'), E([
        // JMP to TSS1 with DS = execute-only code: #TS(0x58) at task 1's first instruction, on its stack.
        ['HVEC', 10], ['HERR', 0x58], ['HEIP', 0x1154], ['HCS', 0x08], ['HESP', 0xc000], ['HTR', 0x30],
        ['HB0', 0x89], ['HB1', 0x8b], ['T1DS', 0x10], ['T1GS', 0x48],
        // JMP back to TSS0 with its saved DS not present: #NP(0x50) after the first JMP, in task 0.
        ['HVEC', 11], ['HERR', 0x50], ['HEIP', 0x1104], ['HCS', 0x08], ['HESP', 0xf000], ['HTR', 0x28],
        ['HB0', 0x8b], ['HB1', 0x89], ['T0BK', 2], ['T0DS', 0x10], ['DONE', 0],
      ]));
    });

    it('espfix: IRET / RET to a 16-bit stack load only SP; interrupts push the whole ESP (log as QEMU gives)', () => {
      expectDone(runProgram(engine, 'espfix'), E([
        ['K0SP', 0x2eeec], ['IESP', 0x12347000], ['ISS', 0x5b], ['R3SP', 0x28000], ['R3S2', 0x27000],
        ['IR16', 0xabcd7ff0], ['RTSP', 0x6000], ['DONE', 0],
      ]));
    });

    it('debug: DR0-DR3 instruction and data breakpoints, RF, DR6/DR7, GD, #DB held after MOV SS / POP SS', () => {
      // Pairs of one tag: the #DB count, then the last #DB's EIP minus the expected label.
      expectDone(runProgram(engine, 'debug'), E([
        ['DR6R', 0xffff0ff0], ['DR7R', 0x400], ['DR6Z', 0xffff0ff0], ['DR7Z', 0x400],
        ['IBCX', 1], ['IBRF', 0x46], ['IB6', 0xffff0ff1], ['IBP', 1], ['IBP', 0], ['IB2C', 2], ['IB2N', 2],
        ['NOFI', 0], ['DRD', 0], ['DW6', 0xffff0ff2], ['DWR', 1], ['DWR', 0], ['DWR3', 1], ['DWR3', 0],
        ['DWR4', 0], ['DWLO', 1], ['DWLO', 0], ['DRRW', 1], ['DRRW', 0], ['DRR1', 0],
        ['REPC', 3], ['REP', 2], ['REP', 0], ['REPE', 0], ['REPD', 0x10887],
        ['MSTF', 1], ['MSTF', 0], ['PSTF', 1], ['PSTF', 0], ['MS6', 0xffff0ff2], ['MSDB', 1], ['MSDB', 0], ['MSCX', 3],
        ['MSBP', 1], ['MSBP', 0], ['MSGV', 13], ['MSGP', 1], ['MSGP', 0],
        ['GD6', 0xffff2ff0], ['GD', 1], ['GD', 0], ['GD7', 0x400], ['GPRF', 0x10000], ['BPRF', 0], ['DONE', 0],
      ]));
    });

    for (const [variant, first] of [[0, '#GP'], [1, '#BP']] as const) {
      it(`triple: a fault while delivering #DF shuts the processor down (variant ${variant}: first ${first})`, () => {
        const { res, log } = runProgram(engine, 'triple', 100_000, { ebp: variant });
        expect(log).to.have.length(1);
        const [tag, value] = log[0].split('=');
        expect(tag).to.equal('TFIP');
        expect(res.stop).to.equal('exception');
        const x = res.exception!;
        expect(x.vector, x.reason).to.equal(8);
        expect(x.tripleFault).to.equal(true);
        expect(x.reason).to.match(/triple fault/);
        expect(x.reason).to.contain(`first: ${first}`);
        expect(hex(x.eip), 'EIP of the instruction that started it').to.equal(value);
      });
    }
  });
}
