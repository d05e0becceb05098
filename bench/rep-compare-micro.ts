/**
 * Micro-bench of REPE CMPSB / REPNE SCASB per execution (docs/jit-plan.md
 * "Measured (session 19, fresh19)"): a snippet loop of N passes, compiled at
 * threshold 1, three sides interleaved for 6 rounds: `inline`
 * (JitOptions.inlineRepCmp), `callout` (the handler with fastCmp), `element`
 * (the handler element by element). Process CPU ns per pass, medians.
 *
 *   node dist/bench/rep-compare-micro.js [cmps|scas] [N]
 *
 * cmps: `mov esi; mov edi; mov ecx, 12; repe cmpsb; dec ebp; jnz` (stops at the first byte, as the
 * kernel's one hot site); scas: `mov edi; mov ecx, -1; xor eax, eax; repne scasb; dec ebp; jnz` (strlen of 10).
 */
import { runSnippet } from '../src/snippet.js';
import { Machine } from '../src/machine.js';
import { stringTuning } from '../runtime/interp/families/string.js';

const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const kind = process.argv[2] ?? 'cmps', n = Number(process.argv[3] ?? 300000);
const body = kind === 'cmps' ? 'be00300000bf00310000b90c000000f3a64d' : 'bf00300000b9ffffffff31c0f2ae4d';
const code = hex(body + '75' + ((256 - (body.length / 2 + 2)) & 0xff).toString(16).padStart(2, '0') + 'f4');
const memory = [{ addr: 0x3000, bytes: hex('41424344454647484950') }, { addr: 0x3100, bytes: hex('61626364') }];
type Side = 'inline' | 'callout' | 'element';
const res: Record<Side, number[]> = { inline: [], callout: [], element: [] };
const saved = stringTuning.repCmpFast;
for (let round = 0; round < 6; round++) {
  const order: Side[] = round % 2 === 0 ? ['inline', 'callout', 'element'] : ['callout', 'inline', 'element'];
  for (const side of order) {
    stringTuning.repCmpFast = side !== 'element';
    const machine = new Machine({ memoryMiB: 2, engine: 'jit', jit: { threshold: 1, batch: 1, sync: true, inlineRepCmp: side === 'inline' } });
    const c0 = process.cpuUsage();
    const r = runSnippet({ engine: 'jit', machine, code, memory, regs: { ebp: n } });
    const c = process.cpuUsage(c0);
    if (r.stop !== 'hlt') throw new Error(`stopped: ${r.stop}`);
    res[side].push(((c.user + c.system) * 1000) / n);
  }
}
stringTuning.repCmpFast = saved;
const med = (a: number[]): number => a.slice().sort((x, y) => x - y)[a.length >> 1]!;
process.stdout.write(`${kind} ns a pass (process CPU), medians of 6: inline ${med(res.inline).toFixed(0)}, call-out ${med(res.callout).toFixed(0)}, element by element ${med(res.element).toFixed(0)}\n`);
process.exit(0);
