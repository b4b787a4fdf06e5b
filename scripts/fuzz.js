#!/usr/bin/env node
// Longer runs of the fuzz tests, after `npm run build:core`: the parsers
// (tests/corpus/fuzz.test.ts) and the sessionizer against the reference
// (tests/corpus/fuzz-sessions.test.ts).
//
//   node scripts/fuzz.js [--seconds 60] [--seed N] [--case N] [--only parsers|sessions]
//
// Runs vitest on the fuzz tests, each with its budget raised (FUZZ_SECONDS), from seed N
// (FUZZ_SEED, default: from the clock, printed), or replays one failing case (FUZZ_CASE; give
// --only with it, a case number means something else to the other test). The tests cannot
// interrupt the core if it loops forever (the core runs synchronously), so this script keeps a
// watchdog: a run that outlives its budget by two minutes is killed and reported as a hang, with
// the seed to replay it from.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const TESTS = { parsers: 'tests/corpus/fuzz.test.ts', sessions: 'tests/corpus/fuzz-sessions.test.ts' };
const USAGE = 'usage: node scripts/fuzz.js [--seconds 60] [--seed N] [--case N] [--only parsers|sessions]';

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ seconds: number, seed: number, only: number | undefined, tests: string[] }} */
  const o = { seconds: 60, seed: Date.now() % 1_000_000_007, only: undefined, tests: Object.values(TESTS) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') {
      const which = /** @type {keyof typeof TESTS} */ (argv[++i]);
      if (!(which in TESTS)) throw new Error(`--only takes ${Object.keys(TESTS).join(' or ')}\n${USAGE}`);
      o.tests = [TESTS[which]];
      continue;
    }
    const v = Number(argv[++i]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number\n${USAGE}`);
    if (a === '--seconds') o.seconds = v;
    else if (a === '--seed') o.seed = Math.floor(v);
    else if (a === '--case') o.only = Math.floor(v);
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  return o;
}

function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    return 2;
  }
  if (!existsSync(path.join(ROOT, 'dist/core.wasm'))) {
    console.error('dist/core.wasm is missing: run `npm run build:core` first');
    return 2;
  }
  const env = { ...process.env, FUZZ_SECONDS: String(o.seconds), FUZZ_SEED: String(o.seed) };
  if (o.only !== undefined) env.FUZZ_CASE = String(o.only);
  console.log(o.only !== undefined ? `fuzz: replaying case ${o.only} (${o.tests.join(', ')})` : `fuzz: ${o.seconds} s each from seed ${o.seed} (${o.tests.join(', ')})`);

  // one file at a time: each gets the machine, and its budget is the time it runs
  const child = spawn(process.execPath, [VITEST, 'run', ...o.tests, '--project', 'unit', '--no-file-parallelism'], { cwd: ROOT, env, stdio: 'inherit' });
  const limit = (o.seconds * o.tests.length + 120) * 1000;
  let hung = false;
  const watchdog = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, limit);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (hung) {
        console.error(`fuzz: HANG — no end after ${limit / 1000} s; replay from seed ${o.seed} (cases run in order from it)`);
        resolve(3);
      } else {
        if (code !== 0) console.error(`fuzz: failed (exit ${code ?? signal}); the failing case's seed is in the message above (replay: --only parsers|sessions --case N)`);
        resolve(code ?? 1);
      }
    });
  });
}

Promise.resolve(main()).then((code) => {
  process.exitCode = code;
});
