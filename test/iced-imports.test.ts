/**
 * iced-x86's values are imported only through runtime/iced.ts, which
 * require()s the CommonJS package: an ESM `import { X } from 'iced-x86'`
 * anywhere in the program would make Node compile the package's glue once
 * more to detect its format and scan it for export names (~145 ms of the
 * start-up's main thread, and the same in the compile worker: runtime/iced.ts).
 * `import type` loads nothing and is allowed; tests and generators may import
 * the package as they like.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code, Mnemonic, Decoder } from '../runtime/iced.js';
import { createRequire } from 'node:module';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The program's sources (what bin/ and the worker load). */
const DIRS = ['runtime', 'translator', 'src', 'devices', 'state', 'bench'];

function sources(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try { names = readdirSync(dir); } catch { return out; }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out = out.concat(sources(p));
    else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('iced-x86 imports', () => {
  it('no program module imports its values with an ESM import (runtime/iced.ts does, with require)', () => {
    const files = DIRS.flatMap((d) => sources(join(ROOT, d)));
    expect(files.length, 'sources found').to.be.above(50);
    const bad: string[] = [];
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      // Static value imports, re-exports and dynamic imports; not `import type`.
      const re = /^\s*(import(?!\s+type\b)[^;]*?from\s*|export[^;]*?from\s*)['"]iced-x86['"]|import\(\s*['"]iced-x86['"]\s*\)/gm;
      if (re.test(src)) bad.push(f.slice(ROOT.length));
    }
    expect(bad, 'import these from runtime/iced.js').to.deep.equal([]);
  });

  it('runtime/iced.ts gives the package\'s own objects', () => {
    const pkg = createRequire(import.meta.url)('iced-x86') as Record<string, unknown>;
    expect(Code).to.equal(pkg.Code);
    expect(Mnemonic).to.equal(pkg.Mnemonic);
    expect(Decoder).to.equal(pkg.Decoder);
  });
});
