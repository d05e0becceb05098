#!/usr/bin/env node
// The `jitvisor` command: runs the compiled CLI (TypeScript is compiled to dist/ by `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('jitvisor: dist/ is missing; run `npm install` (or `npm run build`) in the jitvisor checkout first\n');
  process.exit(2);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
