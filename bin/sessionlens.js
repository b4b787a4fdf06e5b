#!/usr/bin/env node
// Entry point of the `sessionlens` command: runs the bundled CLI (built by `npm run build:core`,
// which `npm install` runs through the prepare script).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli) || !existsSync(new URL('../dist/core.wasm', import.meta.url))) {
  process.stderr.write('sessionlens: the core is not built yet; run `npm run build:core` in the SessionLens folder\n');
  process.exit(70);
}
await import(cli.href);
