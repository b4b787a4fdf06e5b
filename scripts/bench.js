#!/usr/bin/env node
// Throughput and memory of the CLI on a large generated log (`npm run bench`).
//
//   node scripts/bench.js [--runs 3] [--file bench-data/combined-1m.log]
//
// Generates bench-data/combined-1m.log (1,000,000 lines, seed 1) when it is missing, then runs
// the CLI --runs times per command and prints the median wall time, lines/s, MB/s and the peak
// RSS of the child:
//   summary   parse + sessionize + endpoints: the counts, with no attack detection (it prints none)
//   sessions  all of it: + attack signatures, labels and risk, one NDJSON line per session
// When `goaccess` is on PATH it is timed the same way on the same file, for comparison. Not a
// test: numbers depend on the machine.

import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLog } from './gen-log.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DEFAULT_FILE = path.join(ROOT, 'bench-data/combined-1m.log');
const GEN = { lines: 1_000_000, seed: 1 };
const TIME = '/usr/bin/time';

/** @param {string[]} argv */
function parseArgs(argv) {
  let runs = 3;
  let file = DEFAULT_FILE;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') runs = Number(argv[++i]);
    else if (a.startsWith('--runs=')) runs = Number(a.slice(7));
    else if (a === '--file') file = path.resolve(argv[++i]);
    else if (a.startsWith('--file=')) file = path.resolve(a.slice(7));
    else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/bench.js [--runs 3] [--file bench-data/combined-1m.log]');
      process.exit(0);
    } else {
      console.error(`unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(runs) || runs < 1) {
    console.error('--runs takes a positive integer');
    process.exit(2);
  }
  return { runs, file };
}

/** Writes the default bench log once (to a temporary name first, so a cut run leaves nothing half-written). */
async function ensureLog(/** @type {string} */ file) {
  if (existsSync(file)) return;
  if (file !== DEFAULT_FILE) {
    console.error(`no such file: ${file}`);
    process.exit(1);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const part = file + '.part';
  process.stdout.write(`generating ${path.relative(ROOT, file)} (${GEN.lines.toLocaleString('en')} lines, seed ${GEN.seed}) … `);
  const t0 = performance.now();
  const out = createWriteStream(part);
  await writeLog(GEN, out);
  out.end();
  await once(out, 'finish');
  renameSync(part, file);
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** @param {string} cmd */
function onPath(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/**
 * One timed run of a command: wall seconds, peak RSS in bytes (null when unknown), stdout (or,
 * with `countLines`, only the number of lines it printed: NDJSON of every session is ~20 MB).
 * With GNU time the peak is its %M (max RSS in KiB); otherwise /proc/<pid>/status VmHWM is polled.
 * @param {string} cmd @param {string[]} args
 * @param {boolean} [countLines]
 * @returns {Promise<{ wall: number, rss: number | null, stdout: string, lines: number }>}
 */
async function timed(cmd, args, countLines = false) {
  const useTime = existsSync(TIME);
  const rssFile = path.join(tmpdir(), `bench-rss-${process.pid}-${Date.now()}.txt`);
  const argv = useTime ? ['-f', '%M', '-o', rssFile, cmd, ...args] : args;
  const t0 = performance.now();
  const child = spawn(useTime ? TIME : cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let lines = 0;
  if (countLines) {
    child.stdout.on('data', (/** @type {Buffer} */ c) => {
      for (let at = c.indexOf(10); at >= 0; at = c.indexOf(10, at + 1)) lines++;
    });
  } else child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
  let polled = 0;
  /** @type {NodeJS.Timeout | undefined} */
  let poll;
  if (!useTime && child.pid) {
    const status = `/proc/${child.pid}/status`;
    poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'));
        if (m) polled = Math.max(polled, Number(m[1]));
      } catch {
        /* gone */
      }
    }, 10);
  }
  const [code] = await once(child, 'close');
  const wall = (performance.now() - t0) / 1000;
  if (poll) clearInterval(poll);
  let rssKiB = polled || null;
  if (useTime) {
    try {
      const last = readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '';
      rssKiB = /^\d+$/.test(last) ? Number(last) : null;
    } catch {
      rssKiB = null;
    }
    rmSync(rssFile, { force: true });
  }
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}\n${stderr.trim()}`);
  return { wall, rss: rssKiB === null ? null : rssKiB * 1024, stdout, lines };
}

/** @param {number[]} xs */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * @param {string} label @param {number} runs @param {string} cmd @param {string[]} args
 * @param {(r: { stdout: string, lines: number }) => void} [check]
 * @param {boolean} [countLines]
 */
async function bench(label, runs, cmd, args, check, countLines = false) {
  /** @type {number[]} */
  const walls = [];
  let peak = /** @type {number | null} */ (null);
  for (let i = 0; i < runs; i++) {
    const r = await timed(cmd, args, countLines);
    check?.(r);
    walls.push(r.wall);
    if (r.rss !== null) peak = Math.max(peak ?? 0, r.rss);
    console.log(`  ${label} run ${i + 1}/${runs}: ${r.wall.toFixed(2)} s, peak RSS ${r.rss === null ? '?' : (r.rss / 1e6).toFixed(1) + ' MB'}`);
  }
  return { label, runs, wall: median(walls), peak };
}

async function main() {
  const { runs, file } = parseArgs(process.argv.slice(2));
  await ensureLog(file);
  const bytes = statSync(file).size;

  const cli = path.join(ROOT, 'bin/sessionlens.js');
  if (!existsSync(path.join(ROOT, 'dist/cli.js')) || !existsSync(path.join(ROOT, 'dist/core.wasm'))) {
    console.error('the CLI is not built: run `npm run build:core` first');
    process.exit(1);
  }

  /** @type {Record<string, unknown> | null} */
  let summary = null;
  console.log(`${path.relative(ROOT, file) || file}: ${(bytes / 1e6).toFixed(1)} MB; ${runs} run${runs > 1 ? 's' : ''} each`);
  const results = [
    await bench('sessionlens summary', runs, process.execPath, [cli, 'summary', file], ({ stdout }) => {
      const s = JSON.parse(stdout);
      if (summary && (s.sessions !== summary.sessions || s.lines !== summary.lines)) throw new Error('the CLI gave different counts in two runs');
      summary = s;
    })
  ];
  const s = /** @type {{ lines: number, requests: number, sessions: number }} */ (/** @type {unknown} */ (summary));
  const lines = s.lines;
  results.push(
    await bench('sessionlens sessions', runs, process.execPath, [cli, 'sessions', file], (r) => {
      if (r.lines !== s.sessions) throw new Error(`sessions printed ${r.lines} sessions, summary counted ${s.sessions}`);
    }, true)
  );

  const goaccess = onPath('goaccess');
  if (goaccess) {
    const out = path.join(tmpdir(), 'ga.json');
    results.push(await bench('goaccess', runs, goaccess, [file, '--log-format=COMBINED', '-o', out]));
  } else {
    console.log('  (goaccess is not on PATH: no comparison)');
  }

  console.log('');
  const head = ['tool', 'runs', 'median wall s', 'lines/s', 'MB/s', 'peak RSS MB'];
  const rows = results.map((r) => [
    r.label,
    String(r.runs),
    r.wall.toFixed(2),
    Math.round(lines / r.wall).toLocaleString('en'),
    (bytes / 1e6 / r.wall).toFixed(1),
    r.peak === null ? '?' : (r.peak / 1e6).toFixed(1)
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (/** @type {string[]} */ cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(fmt(r));
  const ga = results.find((r) => r.label === 'goaccess');
  if (ga) console.log('');
  for (const sl of ga ? results.filter((r) => r !== ga) : []) {
    console.log(`goaccess / ${sl.label}: wall ${(ga.wall / sl.wall).toFixed(2)}×` + (sl.peak && ga.peak ? `, peak RSS ${(ga.peak / sl.peak).toFixed(2)}×` : ''));
  }
  console.log(`\n${lines.toLocaleString('en')} lines, ${s.requests.toLocaleString('en')} requests, ${s.sessions.toLocaleString('en')} sessions. MB = 10^6 bytes; RSS from ${existsSync(TIME) ? 'GNU time %M' : '/proc VmHWM polling'}.`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
