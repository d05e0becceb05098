/**
 * Summarise a V8 heap snapshot (bench/memory.ts --snapshot): self size and
 * count per constructor / node type, largest first, so the main thread's
 * heap can be split into records, blocks, compiled-code wrappers, ...
 *
 *   node --max-old-space-size=4096 dist/bench/heap-summary.js FILE.heapsnapshot [--top 30]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: (string | string[])[] } };
  nodes: number[];
  strings: string[];
}

const file = process.argv[2];
if (file === undefined) { process.stderr.write('usage: heap-summary FILE.heapsnapshot [--top N]\n'); process.exit(2); }
const ti = process.argv.indexOf('--top');
const top = ti > 0 ? Number(process.argv[ti + 1]) : 30;
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const f = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0] as string[];
const nf = f.length, iType = f.indexOf('type'), iName = f.indexOf('name'), iSize = f.indexOf('self_size');
const by = new Map<string, { n: number; bytes: number }>();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += nf) {
  const type = types[snap.nodes[i + iType]!]!;
  const name = type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + iName]!]! : `(${type})`;
  const key = `${type === 'closure' ? 'closure ' : ''}${name.slice(0, 60)}`;
  const size = snap.nodes[i + iSize]!;
  total += size;
  const e = by.get(key) ?? { n: 0, bytes: 0 };
  e.n++; e.bytes += size;
  by.set(key, e);
}
const MiB = 1048576;
process.stdout.write(`total self size ${(total / MiB).toFixed(1)} MiB in ${snap.nodes.length / nf} nodes\n`);
for (const [k, e] of [...by.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
  process.stdout.write(`${(e.bytes / MiB).toFixed(2).padStart(8)} MiB ${String(e.n).padStart(9)}  ${k}\n`);
}
