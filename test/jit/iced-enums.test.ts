/**
 * The compile worker's stand-in for iced-x86 (translator/jit/iced-enums.ts):
 * every enum read from the package's source must equal the real module's,
 * and a thread that installs it must get the stand-in (not iced-x86's
 * decoder) wherever the code generator imports 'iced-x86'.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cachedIcedExports, readIcedExports } from '../../translator/jit/iced-enums.js';

const require = createRequire(import.meta.url);

function isEnum(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.isFrozen(v) && Object.getPrototypeOf(v) === Object.prototype;
}

describe('iced-x86 enums without its decoder (the compile worker)', () => {
  it('reads every enum of the installed iced-x86, each name and value equal to the real module\'s', () => {
    const real = require('iced-x86') as Record<string, unknown>;
    const { enums, others } = readIcedExports();
    const realEnums = Object.keys(real).filter((k) => isEnum(real[k])).sort();
    assert.deepEqual(Object.keys(enums).sort(), realEnums);
    for (const k of realEnums) assert.deepStrictEqual(enums[k], real[k], k);
    // Everything else is a stub's name: together they are the module's whole export list.
    assert.deepEqual([...Object.keys(enums), ...others].sort(), Object.keys(real).sort());
    assert.ok(others.includes('Decoder') && others.includes('CodeExt'));
    // The ones the code generator uses, both ways (value -> name too).
    const m = real.Mnemonic as Record<string, number | string>;
    assert.equal(enums.Mnemonic.Fadd, m.Fadd);
    assert.equal(enums.Mnemonic[m.Fadd as number], 'Fadd');
    assert.ok(Object.keys(enums.Code).length > 9000 && Object.keys(enums.Mnemonic).length > 3000);
  });

  it('in a thread that installs it, the code generator loads and every import of iced-x86 gets the stand-in', async () => {
    const standIn = new URL('../../translator/jit/iced-enums.js', import.meta.url).href;
    const compile = new URL('../../translator/jit/compile.js', import.meta.url).href;
    const iced = pathToFileURL(require.resolve('iced-x86')).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      (async () => {
        const { installIcedEnums } = await import(${JSON.stringify(standIn)});
        const installed = installIcedEnums();
        const again = installIcedEnums();
        await import(${JSON.stringify(compile)});
        const i = await import(${JSON.stringify(iced)});
        const err = (f) => { try { f(); return 'no error'; } catch (e) { return e.message; } };
        parentPort.postMessage({
          installed, again, add: i.Mnemonic.Add, code: i.Code.Add_rm32_r32,
          decoder: err(() => new i.Decoder(32, new Uint8Array(1), 0)),
          codeExt: err(() => i.CodeExt.opCode(5)),
          wasm: typeof i.__wasm === 'function' ? 'stub' : typeof i.__wasm,
        });
      })().catch((e) => parentPort.postMessage({ failed: String(e && e.stack || e) }));`;
    const w = new Worker(code, { eval: true });
    try {
      const r = await new Promise<Record<string, unknown>>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
      assert.equal(r.failed, undefined, String(r.failed));
      const real = require('iced-x86') as { Mnemonic: { Add: number }; Code: { Add_rm32_r32: number } };
      assert.equal(r.installed, true);
      assert.equal(r.again, false, 'a second install finds the stand-in in the cache and changes nothing');
      assert.equal(r.add, real.Mnemonic.Add);
      assert.equal(r.code, real.Code.Add_rm32_r32);
      assert.match(String(r.decoder), /iced-x86's Decoder is not loaded in the JIT compile worker/);
      assert.match(String(r.codeExt), /iced-x86's CodeExt is not loaded/);
      assert.equal(r.wasm, 'stub', 'iced-x86\'s wasm was not instantiated in that thread');
    } finally {
      await w.terminate();
    }
  });

  it('a thread that has loaded the real iced-x86 keeps it', async () => {
    const standIn = new URL('../../translator/jit/iced-enums.js', import.meta.url).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      (async () => {
        const real = require(${JSON.stringify(require.resolve('iced-x86'))});
        const { installIcedEnums } = await import(${JSON.stringify(standIn)});
        parentPort.postMessage({ installed: installIcedEnums(), decodes: typeof new real.Decoder(32, new Uint8Array([0x90]), 0).decode });
      })().catch((e) => parentPort.postMessage({ failed: String(e && e.stack || e) }));`;
    const w = new Worker(code, { eval: true });
    try {
      const r = await new Promise<Record<string, unknown>>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
      assert.equal(r.failed, undefined, String(r.failed));
      assert.deepEqual(r, { installed: false, decodes: 'function' });
    } finally {
      await w.terminate();
    }
  });

  it('keeps the enums as JSON keyed by the package file: the same answer, read from the cache, read again when the file changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iced-cache-'));
    try {
      // A copy of the package's main file and package.json, so the test can change the file.
      const pkgDir = join(dir, 'pkg'), cache = join(dir, 'cache');
      mkdirSync(pkgDir);
      mkdirSync(cache);
      const src = require.resolve('iced-x86');
      const file = join(pkgDir, 'iced_x86.js');
      copyFileSync(src, file);
      copyFileSync(join(dirname(src), 'package.json'), join(pkgDir, 'package.json'));
      const fresh = readIcedExports(file);
      const first = cachedIcedExports(file, cache);
      assert.deepStrictEqual(first, fresh);
      const files = readdirSync(cache);
      assert.equal(files.length, 1);
      assert.match(files[0]!, /^iced-x86-.*-enums\d+\.json$/);
      // The second call answers from the file: a value changed there comes back.
      const cached = JSON.parse(readFileSync(join(cache, files[0]!), 'utf8')) as { enums: Record<string, Record<string, number | string>> };
      cached.enums.Mnemonic!.Fadd = -7;
      writeFileSync(join(cache, files[0]!), JSON.stringify(cached));
      const second = cachedIcedExports(file, cache);
      assert.equal(second.enums.Mnemonic!.Fadd, -7);
      assert.ok(Object.isFrozen(second.enums.Code));
      // A changed package file (size, mtime) is another key: read from the source again.
      appendFileSync(file, '\n// changed\n');
      const third = cachedIcedExports(file, cache);
      assert.deepStrictEqual(third, fresh);
      assert.equal(readdirSync(cache).length, 2);
      // No cache directory: read from the source, nothing written.
      assert.deepStrictEqual(cachedIcedExports(file, null), fresh);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
