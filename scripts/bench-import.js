#!/usr/bin/env node
// Importing through the page, end to end, in headless Chromium (`npm run bench:import`). Not a test:
// numbers depend on the machine. Needs build/ (`npm run build`) and Debian's Chromium.
//
//   node scripts/bench-import.js [--sizes 1m,1g] [--runs N] [--keep] [--timeout 600]
//                                [--interval 200] [--dir bench-data] [--samples DIR] [--cpuprofile DIR]
//
// For each size it generates a combined log with scripts/gen-log.js (seed 1) in bench-data/ when it
// is missing (combined-1m.log is the file `npm run bench` uses), then, per run: a fresh Chromium
// profile (empty IndexedDB), the page served from build/ by scripts/serve.js, the file picked in the
// file input, Import pressed once the format preview allows it, and the clock stopped when the
// sessions are listed (the session total equals the summary's "Stored in all"). The wall time runs
// from the click on Import to that moment, measured in the page. Meanwhile, every --interval ms:
// - the page's and the analysis worker's JS heap in use (CDP Runtime.getHeapUsage on each), and
//   the worker's array buffers, which are outside its heap;
// - the core's wasm memory, which is not in the JS heap: the worker's `WebAssembly.Instance` is
//   wrapped (through CDP, before Import; no app change) to keep a WeakRef to each instance's
//   exported memory, whose sizes are summed; and how much of them is resident, from the smaps of
//   the renderer;
// - from /proc, the peak RSS (VmHWM) of the renderer process that runs the page and its worker,
//   which bounds all of the above plus buffers and code, and the PSS of all of this Chromium's
//   processes (IndexedDB's backend runs in its storage service, not in the renderer).
// With --samples these go to a CSV per run, and the renderer's RSS every 50 ms to another
// (-rss.csv), read on a timer of its own: the CDP samples wait for the worker, which answers none
// while it runs a long synchronous step, where the peak often is.
// Prints a line per run, then a row per size: median wall time, lines/s, MB/s, peaks (the
// highest over the runs), against the targets (>= 300,000 lines/s end to end; < 512 MB).
// Generated logs are removed at the end unless --keep (logs that were already there are kept).

import { chromium } from 'playwright-core';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLog } from './gen-log.js';
import { startServer } from './serve.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BUILD = path.join(ROOT, 'build');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** As tests/e2e/browser.ts: headless, quiet, offline of Google's services. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** The targets. MB = 10^6 bytes, as everywhere in these scripts. */
const TARGET_LINES_PER_S = 300_000;
const TARGET_MB = 512;

/**
 * The logs. 1g: gen-log.js writes ~235 bytes a line, so 4.3 M lines are just over 10^9 bytes.
 * 100k is a quick check of the script itself.
 * @type {Record<string, { file: string, lines: number, runs: number }>}
 */
const SIZES = {
  '100k': { file: 'combined-100k.log', lines: 100_000, runs: 3 },
  '1m': { file: 'combined-1m.log', lines: 1_000_000, runs: 3 },
  '1g': { file: 'combined-1g.log', lines: 4_300_000, runs: 1 }
};
const SEED = 1;

const USAGE = `usage: node scripts/bench-import.js [--sizes 1m,1g] [--runs N] [--keep] [--timeout 600]
                                    [--interval 200] [--dir bench-data] [--samples DIR] [--cpuprofile DIR]
  --sizes       which logs: ${Object.keys(SIZES).join(', ')} (default 1m,1g)
  --runs        runs per size (default: 3 for 100k and 1m, 1 for 1g); the median is printed
  --keep        keep the logs this run generated (they are removed otherwise)
  --timeout     seconds one import may take (default 600)
  --interval    ms between memory samples (default 200)
  --dir         where the logs are (default bench-data/, as npm run bench)
  --samples     write each run's memory samples (and MB read) over time as CSV into DIR, and
                the renderer's RSS every 50 ms (read from /proc, even while the worker is busy)
  --cpuprofile  write CPU profiles of the page and the worker per run into DIR and print the
                worker's top functions (slows the import: not for the figures)`;

/** @typedef {{ sizes: string[], runs: number | null, keep: boolean, timeoutMs: number, intervalMs: number, dir: string, cpuprofile: string | null, samples: string | null }} Options */

/** @param {string[]} argv @returns {Options} */
function parseArgs(argv) {
  /** @type {Options} */
  const o = { sizes: ['1m', '1g'], runs: null, keep: false, timeoutMs: 600_000, intervalMs: 200, dir: path.join(ROOT, 'bench-data'), cpuprofile: null, samples: null };
  const fail = (/** @type {string} */ msg) => {
    console.error(`${msg}\n${USAGE}`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    /** @type {string | undefined} */
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) [a, v] = [a.slice(0, eq), a.slice(eq + 1)];
    const value = () => v ?? (i + 1 < argv.length ? argv[++i] : fail(`missing value for ${a}`));
    const positive = (/** @type {string} */ s) => {
      const n = Number(s);
      return Number.isFinite(n) && n > 0 ? n : fail(`${a} takes a positive number`);
    };
    if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (a === '--keep') o.keep = true;
    else if (a === '--sizes') {
      o.sizes = value().split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
      for (const s of o.sizes) if (!(s in SIZES)) fail(`unknown size ${s}`);
      if (o.sizes.length === 0) fail('--sizes names no size');
    } else if (a === '--runs') {
      o.runs = positive(value());
      if (!Number.isInteger(o.runs)) fail('--runs takes a positive integer');
    } else if (a === '--timeout') o.timeoutMs = positive(value()) * 1000;
    else if (a === '--interval') o.intervalMs = positive(value());
    else if (a === '--dir') o.dir = path.resolve(value());
    else if (a === '--cpuprofile') o.cpuprofile = path.resolve(value());
    else if (a === '--samples') o.samples = path.resolve(value());
    else fail(`unknown argument ${a}`);
  }
  return o;
}

/**
 * The log of a size, generated when missing (to a temporary name first, so a cut run leaves nothing
 * half-written). Returns whether this call wrote it.
 * @param {string} file @param {number} lines
 */
async function ensureLog(file, lines) {
  if (existsSync(file)) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  const part = file + '.part';
  process.stdout.write(`generating ${path.relative(ROOT, file) || file} (${lines.toLocaleString('en')} lines, seed ${SEED}) … `);
  const t0 = performance.now();
  const out = createWriteStream(part);
  await writeLog({ lines, seed: SEED }, out);
  out.end();
  await once(out, 'finish');
  renameSync(part, file);
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s, ${(statSync(file).size / 1e6).toFixed(1)} MB`);
  return true;
}

// ------------------------------------------------------------------ processes (/proc)

/** @param {number} pid @param {boolean} pss read smaps_rollup too (costs a page-table walk) */
function readProc(pid, pss = false) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields after it are fixed.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return { pid, ppid, cmdline };
  } catch {
    return null; // gone, or not ours to read
  }
}

/**
 * Memory of a process in bytes: RSS, its high-water mark, the private (anonymous) part, and PSS
 * (shared pages split between their users, so that PSS adds up across processes; RSS does not:
 * every Chromium process maps the same ~100 MB of code).
 * @param {number} pid
 */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (/** @type {string} */ text, /** @type {string} */ key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) * 1024;
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return { rss: kib(status, 'VmRSS'), hwm: kib(status, 'VmHWM'), anon: kib(status, 'RssAnon'), pss: kib(rollup, 'Pss') };
  } catch {
    return null;
  }
}

/**
 * The processes of the Chromium whose profile is `profileDir`: the one started with it, and all its
 * descendants (zygotes, renderers, GPU, utilities, the storage service that runs IndexedDB). Other
 * Chromiums on the machine are left out.
 * @param {string} profileDir
 */
function chromiumProcesses(profileDir) {
  const all = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) all.push(p);
  }
  const ours = new Set(all.filter((p) => p.cmdline.includes(profileDir)).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!ours.has(p.pid) && ours.has(p.ppid)) {
        ours.add(p.pid);
        grew = true;
      }
    }
  }
  // Renderers of the site: not the one headless Chromium keeps for its own WebUI.
  return all
    .filter((p) => ours.has(p.pid))
    .map((p) => ({ pid: p.pid, renderer: p.cmdline.includes('--type=renderer') && !p.cmdline.includes('--top-chrome-webui') }));
}

// ------------------------------------------------------------------ the worker, through CDP

/**
 * Runs in the worker before Import: wraps WebAssembly.Instance (and instantiate) to keep a WeakRef
 * to each instance's exported memory. The core makes an Engine, so an instance, per import.
 */
const WASM_PROBE = `(() => {
  if (globalThis.__benchWasmMemories) return true;
  const refs = (globalThis.__benchWasmMemories = []);
  const note = (inst) => {
    const m = inst && inst.exports && inst.exports.memory;
    if (m instanceof WebAssembly.Memory) refs.push(new WeakRef(m));
    return inst;
  };
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = new Proxy(Instance, { construct: (t, args, nt) => note(Reflect.construct(t, args, nt)) });
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = function (...args) {
    return instantiate.apply(this, args).then((r) => (note(r instanceof Instance ? r : r.instance), r));
  };
  return true;
})()`;

/** Sizes in bytes of the wasm memories still alive (collected ones are dropped from the list). */
const WASM_SIZES = `(() => {
  const refs = globalThis.__benchWasmMemories;
  if (!refs) return null;
  const sizes = [];
  for (let i = refs.length - 1; i >= 0; i--) {
    const m = refs[i].deref();
    if (m) sizes.push(m.buffer.byteLength);
    else refs.splice(i, 1);
  }
  return sizes;
})()`;

/**
 * How much of the wasm memories is resident. A memory's size doubles as it grows (the stub runtime
 * asks for as many pages again) and pages never touched take no RAM, so its size overstates what it
 * costs. V8 maps each memory as one read-write anonymous mapping of exactly its size (inside a
 * larger reservation): the RSS of the mappings of those sizes in the renderers' smaps. (A sample
 * taken while a memory grows finds no mapping of its old size and counts 0; the peak is unaffected.)
 * @param {number[]} pids @param {number[]} sizes
 */
function wasmResident(pids, sizes) {
  const want = new Map();
  for (const s of sizes) want.set(s, (want.get(s) ?? 0) + 1);
  let resident = 0;
  for (const pid of pids) {
    let text;
    try {
      text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    } catch {
      continue;
    }
    let match = false;
    for (const line of text.split('\n')) {
      const map = /^([0-9a-f]+)-([0-9a-f]+) rw-p 0+ 00:00 0\s*$/.exec(line);
      if (map) {
        const size = parseInt(map[2], 16) - parseInt(map[1], 16);
        match = (want.get(size) ?? 0) > 0;
        if (match) want.set(size, want.get(size) - 1);
      } else if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) match = false;
      else if (match && line.startsWith('Rss:')) resident += Number(/(\d+) kB/.exec(line)?.[1] ?? 0) * 1024;
    }
  }
  return resident;
}

/** With --samples, the renderer's RSS is also read this often, whatever the worker is doing. */
const RSS_INTERVAL_MS = 50;

/** How long one CDP command to the worker may wait for its answer. */
const SEND_TIMEOUT_MS = 15_000;

/**
 * The dedicated worker of a page, reached through the page's CDP session. Playwright's CDPSession
 * cannot address a flattened child session, so the worker is auto-attached without flattening and
 * spoken to with Target.sendMessageToTarget (deprecated in CDP but still served by Chromium).
 * @param {import('playwright-core').CDPSession} cdp
 */
async function workerChannel(cdp) {
  /** @type {string | null} */
  let sessionId = null;
  /** @type {(() => void) | null} */
  let onAttach = null;
  let seq = 0;
  /** @type {Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>} */
  const pending = new Map();
  cdp.on('Target.attachedToTarget', (e) => {
    if (e.targetInfo.type !== 'worker') return; // the service worker is not the import's
    sessionId = e.sessionId;
    onAttach?.();
  });
  cdp.on('Target.detachedFromTarget', (e) => {
    if (e.sessionId !== sessionId) return;
    sessionId = null;
    for (const p of pending.values()) p.reject(new Error('the worker went away'));
    pending.clear();
  });
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    const p = m.id !== undefined ? pending.get(m.id) : undefined;
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(new Error(`worker: ${m.error.message}`));
    else p.resolve(m.result);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });

  /** @param {string} method @param {object} [params] @returns {Promise<any>} */
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      if (!sessionId) return reject(new Error('the worker is not attached'));
      const id = ++seq;
      // A worker busy in one long call answers when it yields; one that never does fails the sample.
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`worker: no answer to ${method} within ${SEND_TIMEOUT_MS / 1000} s`));
      }, SEND_TIMEOUT_MS);
      const done = (/** @type {() => void} */ f) => {
        clearTimeout(timer);
        f();
      };
      pending.set(id, { resolve: (v) => done(() => resolve(v)), reject: (e) => done(() => reject(e)) });
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((e) => {
        pending.delete(id);
        reject(e);
      });
    });
  return {
    send,
    /** Resolves once a dedicated worker is attached. @param {number} timeoutMs */
    attached: (timeoutMs) =>
      sessionId
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`the page started no worker within ${timeoutMs / 1000} s`)), timeoutMs);
            onAttach = () => {
              clearTimeout(t);
              resolve(undefined);
            };
          }),
    /** @param {string} expression */
    evaluate: async (expression) => (await send('Runtime.evaluate', { expression, returnByValue: true })).result?.value
  };
}

// ------------------------------------------------------------------ the page

/**
 * Runs in the page before the file is picked: notes, on the page's clock, the click on Import, the
 * moment all bytes were read (the progress bar full), the summary shown, and the sessions listed
 * (the session total equal to the summary's "Stored in all"), or an import error.
 */
function watchImport() {
  /** @type {{ clicked: number | null, readDone: number | null, reported: number | null, listed: number | null, error: string | null, bytesRead: number, bytesTotal: number }} */
  const b = { clicked: null, readDone: null, reported: null, listed: null, error: null, bytesRead: 0, bytesTotal: 0 };
  /** @type {any} */ (window).__benchImport = b;
  const byId = (/** @type {string} */ id) => document.querySelector(`[data-testid="${id}"]`);
  const count = (/** @type {Element | null} */ el) => {
    const text = el?.textContent?.trim() ?? '';
    return /^\d[\d\s,.'\u00a0\u202f]*$/.test(text) ? Number(text.replace(/\D/g, '')) : null;
  };
  document.addEventListener(
    'click',
    (e) => {
      if (b.clicked === null && e.target instanceof Element && e.target.closest('[data-testid="import-confirm"]')) b.clicked = performance.now();
    },
    true
  );
  const check = () => {
    if (b.clicked === null || b.listed !== null) return;
    const now = performance.now();
    const bar = /** @type {HTMLProgressElement | null} */ (document.querySelector('[data-testid="import-progress"] progress'));
    if (bar && bar.max > 1) {
      b.bytesRead = bar.value;
      b.bytesTotal = bar.max;
      if (b.readDone === null && bar.value >= bar.max) b.readDone = now;
    }
    const error = byId('import-error');
    if (error) {
      b.error = error.textContent?.trim() || 'an import error';
      b.listed = now;
      observer.disconnect();
      return;
    }
    const stored = count(byId('summary-stored'));
    if (stored === null) return;
    b.reported ??= now;
    if (stored > 0 && count(byId('session-total')) === stored) {
      b.listed = now;
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
}

/** What the import summary says, once shown. */
function readSummary() {
  /** @param {string} id */
  const text = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? '';
  const num = (/** @type {string} */ id) => Number(text(id).replace(/\D/g, ''));
  // "640 ms" or "1.84 s" (src/lib/format.ts formatElapsed): the worker's time to read, parse and group.
  const time = /^([\d.]+) (ms|s)$/.exec(text('summary-time'));
  return {
    lines: num('summary-lines'),
    requests: num('summary-requests'),
    malformed: num('summary-malformed'),
    sessions: num('summary-sessions'),
    stored: num('summary-stored'),
    analyseMs: time ? Number(time[1]) * (time[2] === 's' ? 1000 : 1) : null
  };
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @typedef {{ wall: number, lines: number, sessions: number, analyseMs: number | null, readMs: number | null, reportMs: number | null,
 *   pageHeap: number, workerHeap: number | null, workerBuffers: number | null, wasm: number | null, wasmResident: number | null, rendererRss: number, rendererAnon: number, chromiumPss: number, samples: number, profile: string | null }} Run
 */

/**
 * One import of `file` in a fresh profile.
 * @param {{ url: string }} site @param {string} file @param {number} expectedLines @param {Options} opts @param {string} label
 * @returns {Promise<Run>}
 */
async function importOnce(site, file, expectedLines, opts, label) {
  const profileDir = mkdtempSync(path.join(tmpdir(), 'sessionlens-bench-profile-'));
  /** @type {import('playwright-core').BrowserContext | undefined} */
  let context;
  /** @type {NodeJS.Timeout | undefined} */
  let rssTimer;
  try {
    context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = context.pages()[0] ?? (await context.newPage());
    /** @type {string[]} */
    const errors = [];
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    page.on('crash', () => errors.push('the page crashed'));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
    });
    const cdp = await context.newCDPSession(page);
    const worker = await workerChannel(cdp);

    await page.goto(site.url);
    // Ready: the stored sessions were read (an empty profile: "0"), the worker runs, and the service
    // worker has cached the site (its first-visit fetches would otherwise run during the import).
    await page.waitForFunction(() => document.querySelector('[data-testid="session-total"]')?.textContent?.trim() === '0', null, { timeout: 60_000 });
    await worker.attached(30_000);
    await page.evaluate(() => Promise.race([navigator.serviceWorker?.ready, new Promise((r) => setTimeout(r, 10_000))]));
    const probed = await worker.evaluate(WASM_PROBE).catch(() => false);
    await page.evaluate(watchImport);

    const input = page.locator('input[type="file"]:not([webkitdirectory])').first();
    await input.setInputFiles(file);
    await page.locator('[data-testid="format-preview"]').waitFor({ state: 'visible', timeout: 60_000 });
    const confirm = page.locator('[data-testid="import-confirm"]');
    // Enabled once every file has a format whose first lines parse.
    await page.waitForFunction(() => {
      const b = /** @type {HTMLButtonElement | null} */ (document.querySelector('[data-testid="import-confirm"]'));
      return b !== null && !b.disabled;
    }, null, { timeout: 60_000 });

    if (opts.cpuprofile) {
      await Promise.all([cdp.send('Profiler.enable'), worker.send('Profiler.enable')]);
      await Promise.all([cdp.send('Profiler.start'), worker.send('Profiler.start')]);
    }

    const peak = { pageHeap: 0, workerHeap: /** @type {number | null} */ (null), workerBuffers: /** @type {number | null} */ (null), wasm: /** @type {number | null} */ (null), wasmResident: /** @type {number | null} */ (null), rendererRss: 0, rendererAnon: 0, chromiumPss: 0 };
    /** @type {string[]} */
    const series = ['ms,mb_read,page_heap_mb,worker_heap_mb,worker_buffers_mb,wasm_mb,wasm_resident_mb,renderer_rss_mb,renderer_private_mb,chromium_pss_mb'];
    let samples = 0;
    /** One sample of everything; the peaks follow it. */
    const sample = async () => {
      const [page, w, wasm] = await Promise.all([
        cdp.send('Runtime.getHeapUsage').catch(() => null),
        worker.send('Runtime.getHeapUsage').catch(() => null),
        probed ? worker.evaluate(WASM_SIZES).catch(() => null) : null
      ]);
      const now = {
        pageHeap: page?.usedSize ?? null,
        workerHeap: w?.usedSize ?? null,
        // Array buffers live outside the heap: the file's chunks as read, the session columns.
        workerBuffers: w?.backingStorageSize ?? null,
        wasm: /** @type {number | null} */ (null),
        wasmResident: /** @type {number | null} */ (null),
        rendererRss: 0,
        rendererAnon: 0,
        chromiumPss: 0
      };
      /** @type {number[]} */
      const renderers = [];
      for (const p of chromiumProcesses(profileDir)) {
        const m = memoryOf(p.pid);
        if (!m) continue;
        now.chromiumPss += m.pss;
        if (p.renderer) {
          renderers.push(p.pid);
          now.rendererRss = Math.max(now.rendererRss, m.rss);
          now.rendererAnon = Math.max(now.rendererAnon, m.anon);
          // The high-water mark catches a peak between two samples.
          peak.rendererRss = Math.max(peak.rendererRss, m.hwm);
        }
      }
      if (Array.isArray(wasm)) {
        now.wasm = wasm.reduce((a, b) => a + b, 0);
        now.wasmResident = wasmResident(renderers, wasm);
      }
      for (const k of /** @type {(keyof typeof peak)[]} */ (Object.keys(peak))) {
        const v = now[k];
        if (v !== null) peak[k] = Math.max(peak[k] ?? 0, v);
      }
      samples++;
      return now;
    };

    // The renderer's RSS from /proc on a timer of its own: a worker busy in one long call answers
    // no CDP sample, and these show when, within such a call, memory peaks.
    /** @type {string[]} */
    const rssSeries = ['ms,renderer_rss_mb'];
    let rendererPids = chromiumProcesses(profileDir).filter((p) => p.renderer).map((p) => p.pid);
    let rssTicks = 0;
    let clickedAt = Date.now();
    rssTimer = opts.samples
      ? setInterval(() => {
          if (++rssTicks % 40 === 0) rendererPids = chromiumProcesses(profileDir).filter((p) => p.renderer).map((p) => p.pid);
          let rss = 0;
          for (const pid of rendererPids) rss = Math.max(rss, memoryOf(pid)?.rss ?? 0);
          rssSeries.push(`${Date.now() - clickedAt},${(rss / 1e6).toFixed(1)}`);
        }, RSS_INTERVAL_MS)
      : undefined;

    await sample();
    await confirm.click({ timeout: 60_000 });
    const t0 = (clickedAt = Date.now());
    const deadline = t0 + opts.timeoutMs;
    /** @type {any} */
    let state = { bytesRead: 0, bytesTotal: 0, reported: null };
    const timedOut = () => {
      const read = state.bytesTotal > 0 ? `${(state.bytesRead / 1e6).toFixed(0)} of ${(state.bytesTotal / 1e6).toFixed(0)} MB read` : 'no progress shown';
      return new Error(`${label}: the import did not finish within ${opts.timeoutMs / 1000} s (${read}${state.reported !== null ? ', summary shown, sessions not listed' : ''})`);
    };
    /** A page or worker that stops answering must not outlast the timeout. @template T @param {Promise<T>} p @returns {Promise<T>} */
    const untilDeadline = (p) => {
      /** @type {NodeJS.Timeout | undefined} */
      let timer;
      const late = new Promise((_, reject) => (timer = setTimeout(() => reject(timedOut()), Math.max(0, deadline - Date.now()))));
      return /** @type {Promise<T>} */ (Promise.race([p, late])).finally(() => clearTimeout(timer));
    };
    for (;;) {
      const tick = Date.now();
      const [now, st] = await untilDeadline(Promise.all([sample(), page.evaluate(() => /** @type {any} */ (window).__benchImport)]));
      state = st;
      const cells = [now.pageHeap, now.workerHeap, now.workerBuffers, now.wasm, now.wasmResident, now.rendererRss, now.rendererAnon, now.chromiumPss];
      series.push([tick - t0, (state.bytesRead / 1e6).toFixed(1), ...cells.map((v) => (v === null ? '' : (v / 1e6).toFixed(1)))].join(','));
      if (state.listed !== null) break;
      if (errors.length > 0) throw new Error(`${label}: the page failed during the import:\n  ${errors.join('\n  ')}`);
      if (Date.now() > deadline) throw timedOut();
      await sleep(Math.max(0, opts.intervalMs - (Date.now() - tick)));
    }
    clearInterval(rssTimer);
    if (opts.samples) {
      mkdirSync(opts.samples, { recursive: true });
      const base = path.join(opts.samples, label.replace(/[^\w.-]+/g, '-'));
      writeFileSync(`${base}.csv`, series.join('\n') + '\n');
      writeFileSync(`${base}-rss.csv`, rssSeries.join('\n') + '\n');
    }
    if (state.error) throw new Error(`${label}: the page reported an import error: ${state.error}`);
    if (errors.length > 0) throw new Error(`${label}: the page failed during the import:\n  ${errors.join('\n  ')}`);

    /** @type {string | null} */
    let profile = null;
    if (opts.cpuprofile) {
      const [p, w] = await Promise.all([cdp.send('Profiler.stop'), worker.send('Profiler.stop')]);
      mkdirSync(opts.cpuprofile, { recursive: true });
      const base = path.join(opts.cpuprofile, label.replace(/[^\w.-]+/g, '-'));
      writeFileSync(`${base}-page.cpuprofile`, JSON.stringify(p.profile));
      writeFileSync(`${base}-worker.cpuprofile`, JSON.stringify(w.profile));
      profile = topFunctions(w.profile, 12);
    }

    const summary = await page.evaluate(readSummary);
    if (summary.lines !== expectedLines) throw new Error(`${label}: the page read ${summary.lines} lines, the file has ${expectedLines}`);
    const since = (/** @type {number | null} */ t) => (t === null ? null : t - state.clicked);
    return {
      wall: (state.listed - state.clicked) / 1000,
      lines: summary.lines,
      sessions: summary.stored,
      analyseMs: summary.analyseMs,
      readMs: since(state.readDone),
      reportMs: since(state.reported),
      ...peak,
      samples,
      profile
    };
  } finally {
    clearInterval(rssTimer);
    await context?.close().catch(() => {});
    rmSync(profileDir, { recursive: true, force: true });
  }
}

/**
 * Where a CPU profile's time went: by kind (wasm, JS, GC, idle), then the functions with the most
 * self time, as printable lines.
 * @param {{ nodes: { id: number, callFrame: { functionName: string, url: string, lineNumber: number } }[], samples?: number[], timeDeltas?: number[] }} profile
 * @param {number} n
 */
function topFunctions(profile, n) {
  /** @type {Map<number, { name: string, kind: string }>} */
  const names = new Map();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const where = f.url ? ` ${f.url.split('/').pop()}:${f.lineNumber + 1}` : '';
    const kind = f.functionName.startsWith('wasm-function') || f.url.startsWith('wasm:') ? 'wasm' : f.functionName.startsWith('(') ? f.functionName.slice(1, -1) : 'JS';
    names.set(node.id, { name: `${f.functionName || '(anonymous)'}${where}`, kind });
  }
  /** @type {Map<string, number>} */
  const self = new Map();
  /** @type {Map<string, number>} */
  const kinds = new Map();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const us = deltas[i + 1] ?? 0; // a sample's time is the gap to the next one
    const { name, kind } = names.get(samples[i]) ?? { name: '?', kind: '?' };
    self.set(name, (self.get(name) ?? 0) + us);
    kinds.set(kind, (kinds.get(kind) ?? 0) + us);
    total += us;
  }
  const pct = (/** @type {number} */ us) => `${((100 * us) / (total || 1)).toFixed(1)}%`;
  const byKind = [...kinds].sort((a, b) => b[1] - a[1]).map(([k, us]) => `${k} ${pct(us)}`);
  const top = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => `      ${pct(us).padStart(6)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
  return [`      ${(total / 1000).toFixed(0)} ms: ${byKind.join(', ')}`, ...top].join('\n');
}

// ------------------------------------------------------------------ main

/** @param {number[]} xs */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mb = (/** @type {number | null} */ b) => (b === null ? '?' : (b / 1e6).toFixed(0));
const secs = (/** @type {number | null} */ ms) => (ms === null ? '?' : (ms / 1000).toFixed(2));

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(BUILD, 'index.html'))) {
    console.error('the site is not built: run `npm run build` first');
    process.exit(1);
  }
  if (!existsSync(CHROMIUM)) {
    console.error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (or set CHROMIUM_PATH)`);
    process.exit(1);
  }

  /** @type {string[]} */
  const generated = [];
  /** @type {{ size: string, bytes: number, runs: Run[] }[]} */
  const results = [];
  const site = await startServer(BUILD, { port: 0, host: '127.0.0.1' });
  try {
    for (const size of opts.sizes) {
      const spec = SIZES[size];
      const file = path.join(opts.dir, spec.file);
      if (await ensureLog(file, spec.lines)) generated.push(file);
      const bytes = statSync(file).size;
      const runs = opts.runs ?? spec.runs;
      console.log(`${size}: ${path.relative(ROOT, file) || file}, ${spec.lines.toLocaleString('en')} lines, ${(bytes / 1e6).toFixed(1)} MB; ${runs} run${runs > 1 ? 's' : ''}`);
      /** @type {Run[]} */
      const done = [];
      for (let i = 0; i < runs; i++) {
        const r = await importOnce(site, file, spec.lines, opts, `${size} run ${i + 1}`);
        done.push(r);
        console.log(
          `  run ${i + 1}/${runs}: ${r.wall.toFixed(2)} s, ${Math.round(r.lines / r.wall).toLocaleString('en')} lines/s` +
            ` (all read ${secs(r.readMs)} s, worker analysis ${secs(r.analyseMs)} s, summary ${secs(r.reportMs)} s, listed ${r.wall.toFixed(2)} s);` +
            ` peaks: page heap ${mb(r.pageHeap)} MB, worker heap ${mb(r.workerHeap)} MB (array buffers ${mb(r.workerBuffers)} MB), wasm ${mb(r.wasm)} MB (resident ${mb(r.wasmResident)} MB),` +
            ` renderer RSS ${mb(r.rendererRss)} MB (private ${mb(r.rendererAnon)} MB), all of Chromium PSS ${mb(r.chromiumPss)} MB;` +
            ` ${r.sessions.toLocaleString('en')} sessions, ${r.samples} samples${r.profile ? ' (profiled)' : ''}`
        );
        if (r.profile) console.log(`    the worker's time over the import (profiling slows it), and its top functions by self time:\n${r.profile}`);
      }
      results.push({ size, bytes, runs: done });
    }
  } finally {
    await site.close();
    if (!opts.keep) for (const f of generated) rmSync(f, { force: true });
  }

  console.log('');
  const head = ['size', 'lines', 'MB', 'runs', 'median s', 'lines/s', 'MB/s', 'page heap', 'worker heap', 'wasm (resident)', 'renderer RSS', 'targets'];
  const rows = results.map(({ size, bytes, runs }) => {
    const wall = median(runs.map((r) => r.wall));
    const lines = runs[0].lines;
    const max = (/** @type {(r: Run) => number | null} */ f) => runs.reduce((/** @type {number | null} */ m, r) => (f(r) === null ? m : Math.max(m ?? 0, /** @type {number} */ (f(r)))), null);
    const rss = /** @type {number} */ (max((r) => r.rendererRss));
    const speedOk = lines / wall >= TARGET_LINES_PER_S;
    const memOk = rss < TARGET_MB * 1e6;
    return [
      size,
      lines.toLocaleString('en'),
      (bytes / 1e6).toFixed(0),
      String(runs.length),
      wall.toFixed(2),
      Math.round(lines / wall).toLocaleString('en'),
      (bytes / 1e6 / wall).toFixed(1),
      mb(max((r) => r.pageHeap)),
      mb(max((r) => r.workerHeap)),
      `${mb(max((r) => r.wasm))} (${mb(max((r) => r.wasmResident))})`,
      mb(rss),
      `${speedOk ? 'speed ok' : 'speed MISSED'}, ${memOk ? 'memory ok' : 'memory MISSED'}`
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (/** @type {string[]} */ cells) => cells.map((c, i) => (i === cells.length - 1 ? c : i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(fmt(r));
  console.log(
    `\ntargets: >= ${TARGET_LINES_PER_S.toLocaleString('en')} lines/s end to end (click on Import to sessions listed), and < ${TARGET_MB} MB` +
      ' renderer RSS whatever the size. Wall time: median; memory: the highest of the runs. MB = 10^6 bytes.' +
      '\nHeaps: JS heap in use (CDP Runtime.getHeapUsage); wasm: the size of the core\'s linear memory (it doubles as it grows)' +
      ' and, in brackets, how much of it is resident; renderer RSS: the peak (VmHWM) of the' +
      ' renderer process of the page and its worker: JS heaps, wasm, buffers and code; private: its anonymous memory (sampled).'
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
