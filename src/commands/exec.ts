/** `jitvisor exec FILE.bin`: the snippet runner on the command line. */
import { CPU_MODEL_NAMES, DEFAULT_CPU_MODEL, type CpuModelName } from '../../runtime/cpu-model.js';
import { readFileSync, statSync } from 'node:fs';
import { REG_NAMES, runSnippet, DEFAULT_ORG, DEFAULT_ESP, type Mode, type RegName, type SnippetResult, type EngineName } from '../snippet.js';
import { EngineUnavailable } from '../machine.js';
import { parseArgs, parseU32, single, UsageError } from './args.js';

export const EXEC_HELP = `usage: jitvisor exec FILE.bin [--mode real|protected32] [--org ADDR] [--set REG=VALUE ...]
                     [--engine interpreter|jit] [--cpu pentium2|pentium4] [--max-instructions N] [--json]

Loads raw machine code at ADDR (default 0x${DEFAULT_ORG.toString(16)}) and runs it until HLT.
  --mode real          16-bit real mode, all segments 0
  --mode protected32   32-bit protected mode, flat segments, CPL 0 (default);
                       GDT at 0x500: 0x08 code32, 0x10 data32, 0x18 code16, 0x20 data16
  --set REG=VALUE      eax ecx edx ebx esp ebp esi edi eflags (ESP defaults to 0x${DEFAULT_ESP.toString(16)})
  --max-instructions N stop after N instructions (default 100000000)
  --json               print one JSON object with the final registers
Memory 0x0-0x100000 is RAM. Exit status: 0 at HLT; 1 on an unhandled guest
exception or the instruction cap; 2 on a bad file or option.`;

const hex = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');

export async function execCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(EXEC_HELP + '\n'); return 0; }
  const p = parseArgs(argv, ['mode', 'org', 'set', 'engine', 'cpu', 'max-instructions'], ['json'], EXEC_HELP);
  if (p.positional.length !== 1) throw new UsageError(p.positional.length ? 'exec takes one FILE' : 'exec needs a FILE of machine code', EXEC_HELP);
  const file = p.positional[0];
  const mode = (single(p, 'mode', EXEC_HELP) ?? 'protected32') as Mode;
  if (mode !== 'real' && mode !== 'protected32') throw new UsageError(`--mode must be real or protected32, not '${mode}'`, EXEC_HELP);
  const engine = (single(p, 'engine', EXEC_HELP) ?? 'interpreter') as EngineName;
  const cpu = (single(p, 'cpu', EXEC_HELP) ?? DEFAULT_CPU_MODEL) as CpuModelName;
  if (!CPU_MODEL_NAMES.includes(cpu)) throw new UsageError(`--cpu must be ${CPU_MODEL_NAMES.join(' or ')}, not '${cpu}'`, EXEC_HELP);
  if (engine !== 'interpreter' && engine !== 'jit') throw new UsageError(`--engine must be interpreter or jit, not '${engine}'`, EXEC_HELP);
  const orgText = single(p, 'org', EXEC_HELP);
  const org = orgText === undefined ? DEFAULT_ORG : parseU32(orgText, '--org');
  const maxText = single(p, 'max-instructions', EXEC_HELP);
  const maxInstructions = maxText === undefined ? undefined : parseU32(maxText, '--max-instructions');
  if (maxInstructions === 0) throw new UsageError('--max-instructions must be at least 1', EXEC_HELP);
  const regs: Partial<Record<RegName, number>> = {};
  let eflags: number | undefined;
  for (const a of p.options.get('set') ?? []) {
    const m = /^([a-z]+)=(.+)$/i.exec(a);
    if (!m) throw new UsageError(`--set expects REG=VALUE, got '${a}'`, EXEC_HELP);
    const name = m[1].toLowerCase();
    const value = parseU32(m[2], `--set ${name}`);
    if (name === 'eflags') eflags = value;
    else if ((REG_NAMES as readonly string[]).includes(name)) regs[name as RegName] = value;
    else throw new UsageError(`--set: unknown register '${m[1]}' (eax ecx edx ebx esp ebp esi edi eflags)`, EXEC_HELP);
  }

  let code: Uint8Array;
  try {
    if (!statSync(file).isFile()) throw new Error('not a regular file');
    code = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`cannot read '${file}': ${(e as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
  if (code.length === 0) throw new UsageError(`'${file}' is empty`);
  if (org + code.length > 0x100000) throw new UsageError(`'${file}' (${code.length} bytes) does not fit at ${hex(org)} below 1 MiB`);

  let res: SnippetResult;
  try {
    res = runSnippet({ code, mode, org, regs, eflags, engine, cpu, maxInstructions });
  } catch (e) {
    if (e instanceof EngineUnavailable) { process.stderr.write(`jitvisor exec: ${e.message}\n`); return 2; }
    throw e;
  }
  if (p.flags.has('json')) {
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
