/** `jitvisor snapshot info FILE`: check a snapshot and describe it. */
import { stat } from 'node:fs/promises';
import { inspectSnapshot, SnapshotError } from '../vm.js';
import { ramPages } from '../snapshot/machine-state.js';
import { CODEC_NAMES, FORMAT_VERSION } from '../snapshot/format.js';
import { UsageError, type Command, type OptionValues } from './command.js';

export const snapshotCommand: Command = {
  name: 'snapshot',
  summary: 'describe a snapshot file (jitvisor snapshot info FILE)',
  synopsis: 'info FILE [--json]',
  description:
    'Checks a snapshot (saved with Ctrl-A s, the monitor\'s snapshot-save or the library API):\n' +
    'format, checksum, every section; then says what machine it holds and where it stopped.\n' +
    'Resume one with: jitvisor run --restore FILE',
  options: [
    { name: 'json', type: 'boolean', help: 'print one JSON object' },
  ],
  epilogue: 'Exit status: 0 the snapshot is good; 2 bad arguments, or a file that is not a usable snapshot\n(truncated, corrupted, foreign, newer format), with a message naming the problem.',
  positionals: { min: 1, max: 2, name: 'subcommand: info FILE' },
  run: snapshotMain,
};

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

async function snapshotMain(values: OptionValues, positionals: string[]): Promise<number> {
  const [sub, file] = positionals;
  if (sub !== 'info') throw new UsageError(`unknown subcommand '${sub}' (snapshot info FILE)`);
  if (file === undefined) throw new UsageError('snapshot info needs a FILE');
  let d, pages;
  try {
    d = await inspectSnapshot(file);
    pages = await ramPages(d);
  } catch (e) {
    if (e instanceof SnapshotError) { process.stderr.write(`jitvisor snapshot: ${e.message}\n`); return 2; }
    throw e;
  }
  const size = (await stat(file)).size;
  const c = d.config;
  const sections = [...d.sections.values()].map((s) => ({ tag: s.tag.trim(), codec: CODEC_NAMES[s.codec], bytes: s.rawLength, stored: s.data.length }));
  if (values.json === true) {
    process.stdout.write(JSON.stringify({ file, bytes: size, format: FORMAT_VERSION, config: c, ram: pages, sections }) + '\n');
    return 0;
  }
  const ram = d.sections.get('RAM ')!;
  const id = (f: typeof c.kernel) => f ? `${f.name} (${mib(f.bytes)}, sha256 ${f.sha256.slice(0, 16)}...)` : 'none';
  process.stdout.write(
    `snapshot ${file}: jitvisor snapshot format ${FORMAT_VERSION}, ${mib(size)}, checksum ok\n` +
    `saved:    ${c.savedAt} by jitvisor ${c.jitvisor}\n` +
    `machine:  ${c.memoryMiB} MiB RAM, ${c.cpu}; ran on the ${c.engine} engine, ${c.clock} clock\n` +
    `kernel:   ${id(c.kernel)}\n` +
    `initrd:   ${id(c.initrd)}\n` +
    `cmdline:  "${c.cmdline}"\n` +
    `stopped:  after ${c.instructions.toLocaleString('en-US')} instructions, ${(c.virtualNs / 1e9).toFixed(3)} s of guest time\n` +
    `RAM:      ${pages.storedPages} of ${pages.pageCount} pages stored (the rest are zero), ${mib(ram.rawLength)} -> ${mib(ram.data.length)} (${CODEC_NAMES[ram.codec]})\n` +
    `sections: ${sections.map((s) => `${s.tag} ${s.stored} B${s.codec !== 'stored' ? ` (${s.codec}, ${s.bytes} B)` : ''}`).join(', ')}\n`);
  return 0;
}
