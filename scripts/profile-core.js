#!/usr/bin/env node
// Instructions per log line, per function of the core (`npm run profile:core`): counted, not timed.
//
//   node scripts/profile-core.js [--lines 200000] [--file bench-data/combined-1m.log] [--top 40]
//                                [--command endpoints|summary]
//
// Wall-clock figures on a shared 2-CPU machine move by 10–30% from run to run; instruction counts
// from valgrind's callgrind repeat to ~0.1%, so a change of a few percent shows. Runs
// `sessionlens endpoints` (all of the core's work a line; `summary` looks for no attacks) on the
// first --lines lines of the bench log under callgrind, with a build
// of the core that keeps function names and with TurboFan for every function (--no-liftoff: the
// code the real runs reach once warm). V8 calls wasm functions through its jump table, so
// callgrind files each function's cost under its jump-table slot; --print-wasm-code tells the slot
// of each function index. Needs valgrind (apt-get install valgrind); not a test.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, createReadStream, createWriteStream, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** V8's x64 jump table: 64-byte lines of twelve 5-byte slots (jump-table-assembler.h). */
const LINE_BYTES = 64;
const SLOT_BYTES = 5;
const SLOTS_PER_LINE = 12;

function parseArgs(/** @type {string[]} */ argv) {
  const o = { lines: 200_000, file: path.join(ROOT, 'bench-data/combined-1m.log'), top: 40, command: 'endpoints' };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = argv[i].includes('=') ? argv[i].split('=', 2) : [argv[i], argv[++i]];
    if (k === '--lines') o.lines = Number(v);
    else if (k === '--file') o.file = path.resolve(v);
    else if (k === '--top') o.top = Number(v);
    else if (k === '--command' && (v === 'endpoints' || v === 'summary')) o.command = v;
    else {
      console.error('usage: node scripts/profile-core.js [--lines 200000] [--file LOG] [--top 40] [--command endpoints|summary]');
      process.exit(2);
    }
  }
  return o;
}

/** The first n lines of file into out. */
async function head(/** @type {string} */ file, /** @type {number} */ n, /** @type {string} */ out) {
  const w = createWriteStream(out);
  let k = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (k++ >= n) break;
    if (!w.write(line + '\n')) await once(w, 'drain');
  }
  w.end();
  await once(w, 'finish');
  return Math.min(k, n);
}

/** Function index → name, from V8's --print-wasm-code output. */
function wasmNames(/** @type {string} */ text) {
  /** @type {Map<number, string>} */
  const names = new Map();
  let name = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('name: ')) name = line.slice(6).trim();
    else if (line.startsWith('index: ')) names.set(Number(line.slice(7)), name);
  }
  return names;
}

/** Self instruction counts of the unnamed (JIT) code callgrind saw, by entry address. */
function jitCosts(/** @type {string} */ out) {
  const text = execFileSync('callgrind_annotate', ['--threshold=100', out], { encoding: 'utf8', maxBuffer: 1 << 28 });
  /** @type {[number, bigint][]} */
  const rows = [];
  for (const m of text.matchAll(/^\s*([\d,]+) \([^)]*\)\s+\?\?\?:0x([0-9a-f]+) \[\?\?\?\]/gm)) rows.push([Number(m[1].replaceAll(',', '')), BigInt('0x' + m[2])]);
  const total = /([\d,]+) \([^)]*\)\s+PROGRAM TOTALS/.exec(text);
  return { rows, total: total ? Number(total[1].replaceAll(',', '')) : 0 };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error('valgrind is not installed (apt-get install valgrind)');
    process.exit(1);
  }
  if (!existsSync(o.file)) {
    console.error(`no such file: ${o.file} (npm run bench writes the default one)`);
    process.exit(1);
  }
  if (!existsSync(path.join(ROOT, 'dist/cli.js'))) {
    console.error('the CLI is not built: run `npm run build:core` first');
    process.exit(1);
  }
  const tmp = mkdtempSync(path.join(tmpdir(), 'profile-core-'));
  try {
    cpSync(path.join(ROOT, 'bin'), path.join(tmp, 'bin'), { recursive: true });
    cpSync(path.join(ROOT, 'package.json'), path.join(tmp, 'package.json'));
    mkdirSync(path.join(tmp, 'dist'));
    copyFileSync(path.join(ROOT, 'dist/cli.js'), path.join(tmp, 'dist/cli.js'));
    // the same optimised build as `npm run build:wasm`, with the names kept
    execFileSync(path.join(ROOT, 'node_modules/.bin/asc'), ['assembly/index.ts', '--config', 'asconfig.json', '--target', 'release', '--debug', '--outFile', path.join(tmp, 'dist/core.wasm'), '--textFile', path.join(tmp, 'dist/core.wat')], { cwd: ROOT, stdio: 'inherit' });
    const log = path.join(tmp, 'head.log');
    const lines = await head(o.file, o.lines, log);
    const out = path.join(tmp, 'callgrind.out');
    console.log(`callgrind: sessionlens ${o.command} on ${lines.toLocaleString('en')} lines of ${path.relative(ROOT, o.file) || o.file} (about a minute) …`);
    const run = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, '--smc-check=all-non-file', `--log-file=${path.join(tmp, 'valgrind.log')}`, process.execPath, '--no-liftoff', '--single-threaded', '--print-wasm-code', 'bin/sessionlens.js', o.command, log], { cwd: tmp, encoding: 'utf8', maxBuffer: 1 << 30 });
    if (run.status !== 0) throw new Error(`valgrind exited with ${run.status}: ${readFileSync(path.join(tmp, 'valgrind.log'), 'utf8').slice(-2000)}`);
    const names = wasmNames(run.stdout);
    const { rows, total } = jitCosts(out);
    if (rows.length === 0 || names.size === 0) throw new Error('no wasm functions found in the profile');
    // the jump table starts the code space, on a page of its own: the page of the hottest slot
    const hottest = rows.reduce((a, b) => (b[0] > a[0] ? b : a));
    const base = hottest[1] & ~0xfffn;
    /** @type {Map<string, number>} */
    const byName = new Map();
    let wasm = 0;
    let unknown = 0;
    for (const [cost, addr] of rows) {
      const off = Number(addr - base);
      const slot = off % LINE_BYTES;
      const name = off >= 0 && off < 0x1000 && slot % SLOT_BYTES === 0 && slot / SLOT_BYTES < SLOTS_PER_LINE ? names.get(Math.floor(off / LINE_BYTES) * SLOTS_PER_LINE + slot / SLOT_BYTES) : undefined;
      if (name === undefined) {
        unknown += cost;
        continue;
      }
      wasm += cost;
      byName.set(name, (byName.get(name) ?? 0) + cost);
    }
    const per = (/** @type {number} */ n) => (n / lines).toFixed(0).padStart(7);
    console.log(`\ninstructions per line: ${per(total)} in all (Node's start-up and compiling included), ${per(wasm)} in the core, ${per(unknown)} other JIT code (JS)`);
    console.log('\n  per line  function');
    for (const [name, cost] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, o.top)) console.log(`  ${per(cost)}  ${name}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
