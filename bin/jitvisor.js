#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --v8-pool-size=1 --max-semi-space-size=4
// The shebang starts node as src/host-tuning.ts says (malloc arenas, V8's thread pool: a JIT run's peak RSS;
// test/host-tuning.test.ts keeps the two equal). `node bin/jitvisor.js` works too, without them.
// The `jitvisor` command: runs the compiled CLI (TypeScript is compiled to dist/ by `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('jitvisor: dist/ is missing; run `npm install` (or `npm run build`) in the jitvisor checkout first\n');
  process.exit(2);
}
// The compile worker first, when this command line runs a JIT: binaryen loads in it while the rest is imported.
const { prestartFor } = await import(new URL('../dist/src/prestart.js', import.meta.url).href);
prestartFor(process.argv.slice(2));
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
