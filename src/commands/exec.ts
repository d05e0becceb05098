/** `jitvisor exec FILE.bin`: the snippet runner on the command line. */
import { REG_NAMES, runSnippet, DEFAULT_ORG, DEFAULT_ESP, DEFAULT_MAX_INSTRUCTIONS, type Mode, type RegName, type SnippetResult } from '../snippet.js';
import { EngineUnavailable } from '../machine.js';
import { UsageError, listValue, stringValue, type Command, type OptionValues } from './command.js';
import { CPU_OPTION, ENGINE_OPTION, maxInstructionsOption, parseChoice, parseCpu, parseEngine, parseMaxInstructions, parseU32 } from './options.js';
import { readInput } from './guest-options.js';

const MODES: readonly Mode[] = ['real', 'protected32'];
const hex = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');

export const execCommand: Command = {
  name: 'exec',
  summary: 'run raw 32-bit or 16-bit machine code until HLT',
  synopsis: 'FILE.bin [options]',
  description:
    `Loads raw machine code at ADDR (default 0x${DEFAULT_ORG.toString(16)}) and runs it until HLT.\n` +
    'Memory 0x0-0x100000 is RAM; no IDT is loaded, so an exception stops the run.',
  options: [
    { name: 'mode', type: 'string', arg: 'real|protected32', help: 'protected32 (default): 32-bit protected mode, flat segments, CPL 0;\n  GDT at 0x500: 0x08 code32, 0x10 data32, 0x18 code16, 0x20 data16\nreal: 16-bit real mode, all segments 0' },
    { name: 'org', type: 'string', arg: 'ADDR', help: `load and start address (default 0x${DEFAULT_ORG.toString(16)})` },
    { name: 'set', type: 'string', arg: 'REG=VALUE', multiple: true, help: `initial register, repeatable: eax ecx edx ebx esp ebp esi edi eflags\n(ESP defaults to 0x${DEFAULT_ESP.toString(16)})` },
    ENGINE_OPTION,
    CPU_OPTION,
    maxInstructionsOption(`default ${DEFAULT_MAX_INSTRUCTIONS}, so a program that never halts stops`),
    { name: 'json', type: 'boolean', help: 'print one JSON object with the final registers' },
  ],
  epilogue: 'Exit status: 0 at HLT; 1 on an unhandled guest exception or the instruction cap; 2 on a bad file or option.',
  positionals: { min: 1, max: 1, name: 'FILE of machine code' },
  run: execFile,
};

async function execFile(values: OptionValues, positionals: string[]): Promise<number> {
  const file = positionals[0];
  const mode = parseChoice(stringValue(values, 'mode'), '--mode', MODES, 'protected32');
  const engine = parseEngine(stringValue(values, 'engine'));
  const cpu = parseCpu(stringValue(values, 'cpu'));
  const orgText = stringValue(values, 'org');
  const org = orgText === undefined ? DEFAULT_ORG : parseU32(orgText, '--org');
  const maxInstructions = parseMaxInstructions(stringValue(values, 'max-instructions'), DEFAULT_MAX_INSTRUCTIONS);
  const regs: Partial<Record<RegName, number>> = {};
  let eflags: number | undefined;
  for (const a of listValue(values, 'set')) {
    const m = /^([a-z]+)=(.+)$/i.exec(a);
    if (!m) throw new UsageError(`--set expects REG=VALUE, got '${a}'`);
    const name = m[1].toLowerCase();
    const value = parseU32(m[2], `--set ${name}`);
    if (name === 'eflags') eflags = value;
    else if ((REG_NAMES as readonly string[]).includes(name)) regs[name as RegName] = value;
    else throw new UsageError(`--set: unknown register '${m[1]}' (eax ecx edx ebx esp ebp esi edi eflags)`);
  }

  const code = readInput(file, file, 'file').bytes;
  if (code.length === 0) throw new UsageError(`'${file}' is empty`);
  if (org + code.length > 0x100000) throw new UsageError(`'${file}' (${code.length} bytes) does not fit at ${hex(org)} below 1 MiB`);

  let res: SnippetResult;
  try {
    res = runSnippet({ code, mode, org, regs, eflags, engine, cpu, maxInstructions });
  } catch (e) {
    if (e instanceof EngineUnavailable) throw new UsageError(e.message);
    throw e;
  }
  if (values.json === true) {
    const o: Record<string, unknown> = { ...res.regs, eip: res.eip, eflags: res.eflags, instructions: res.instructions, stop: res.stop };
    if (res.exception) o.exception = res.exception;
    process.stdout.write(JSON.stringify(o) + '\n');
  } else {
    const r = res.regs;
    process.stdout.write(
      `eax=${hex(r.eax)} ecx=${hex(r.ecx)} edx=${hex(r.edx)} ebx=${hex(r.ebx)}\n` +
      `esp=${hex(r.esp)} ebp=${hex(r.ebp)} esi=${hex(r.esi)} edi=${hex(r.edi)}\n` +
      `eip=${hex(res.eip)} eflags=${hex(res.eflags)} instructions=${res.instructions}\n`);
  }
  if (res.stop === 'exception' && res.exception) {
    process.stderr.write(`jitvisor exec: unhandled guest exception ${res.exception.name}${res.exception.errorCode !== undefined ? `(${hex(res.exception.errorCode)})` : ''} at ${hex(res.exception.eip)}\n`);
    return 1;
  }
  if (res.stop === 'limit') {
    process.stderr.write(`jitvisor exec: stopped after ${res.instructions} instructions without reaching HLT\n`);
    return 1;
  }
  return 0;
}
