#!/usr/bin/env node
// The explorer with a million stored sessions, in headless Chromium (`npm run bench:explorer`).
// Not a test: numbers depend on the machine. Needs build/ (`npm run build`) and Debian's Chromium.
//
//   node scripts/bench-explorer.js [--sessions 1000000] [--runs 3] [--keep] [--dir bench-data] [--site build]
//
// Writes bench-data/sessions-<n>.log when missing: n actors (one address each), one session each
// of 1 to 4 requests (~1.5 lines a session) over six days, a few percent with attack payloads, so
// every column sorts on real differences. Imports it through the page (file input, Import), then,
// for each filter and sort of the list, measures from the user's action (a click, a choice, Enter
// in a search field) to the first frame painted after the new first page arrived — what the
// analyst waits for — and the main thread's long tasks meanwhile (PerformanceObserver 'longtask':
// the page "never freezes" when there is none of note). Each action runs --runs times, from the
// unfiltered list; prints the median, the worst, and the longest long task, against the target
// (first page within 200 ms).

import { chromium } from 'playwright-core';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './serve.js';
import { mulberry32 } from './gen-log.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const TARGET_MS = 200;

function args(argv) {
  const o = { sessions: 1_000_000, runs: 3, keep: false, dir: path.join(ROOT, 'bench-data'), site: path.join(ROOT, 'build') };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--keep') o.keep = true;
    else if (a === '--sessions') o.sessions = Number(argv[++i]);
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--dir') o.dir = path.resolve(argv[++i]);
    else if (a === '--site') o.site = path.resolve(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'curl/8.4.0',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'okhttp/4.12.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148'
];
const PATHS = ['/api/users/{id}', '/api/orders/{id}', '/api/users/{id}/orders', '/api/products?page={n}', '/login', '/api/cart', '/static/app.js', '/', '/search?q=shoes', '/api/orders/{id}/items/{n}'];
const ATTACKS = ["/api/products?id=1'%20UNION%20SELECT%20password%20FROM%20users--", '/download?file=../../../../etc/passwd', '/search?q=%3Cscript%3Ealert(1)%3C/script%3E', '/api/ping?host=127.0.0.1;cat%20/etc/passwd'];
const STATUSES = [[200, 80], [304, 5], [404, 8], [401, 2], [403, 1], [500, 2], [302, 2]];
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The log: n sessions, one actor each, in time order (a heap-free merge: actors start in order, their requests follow within seconds). */
async function writeSessionsLog(file, n) {
  const rnd = mulberry32(7);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const weighted = (pairs) => {
    let x = rnd() * pairs.reduce((t, [, w]) => t + w, 0);
    for (const [v, w] of pairs) if ((x -= w) < 0) return v;
    return pairs[0][0];
  };
  const t0 = Date.UTC(2024, 4, 6);
  const span = 6 * 86_400_000;
  const out = createWriteStream(file);
  const stamp = (ms) => {
    const d = new Date(ms);
    const p = (v) => String(v).padStart(2, '0');
    return `${p(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  };
  let lines = 0;
  let buf = '';
  for (let s = 0; s < n; s++) {
    const ip = `10.${(s >> 16) & 255}.${(s >> 8) & 255}.${s & 255}`;
    const ua = pick(UAS);
    const reqs = weighted([[1, 70], [2, 20], [4, 10]]);
    const attacker = rnd() < 0.02;
    let t = t0 + Math.floor((s / n) * span);
    for (let r = 0; r < reqs; r++) {
      const target = attacker && r === 0 ? pick(ATTACKS) : pick(PATHS).replace('{id}', String(1 + Math.floor(rnd() * 99999))).replace('{n}', String(1 + Math.floor(rnd() * 9)));
      const status = weighted(STATUSES);
      buf += `${ip} - - [${stamp(t)}] "GET ${target} HTTP/1.1" ${status} ${200 + Math.floor(rnd() * 20000)} "-" "${ua}"\n`;
      lines++;
      t += 1000 + Math.floor(rnd() * 20_000);
    }
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return lines;
}

/** The actions timed, each from the unfiltered list sorted by start. */
const ACTIONS = [
  { name: 'sort by risk (highest first)', kind: 'click', sel: '[data-testid="sort-risk"]' },
  { name: 'sort by requests', kind: 'click', sel: '[data-testid="sort-requests"]' },
  { name: 'sort by IP', kind: 'click', sel: '[data-testid="sort-ip"]' },
  { name: 'sort by user agent', kind: 'click', sel: '[data-testid="sort-ua"]' },
  { name: 'sort by bytes', kind: 'click', sel: '[data-testid="sort-bytes"]' },
  { name: 'sort by duration', kind: 'click', sel: '[data-testid="sort-duration"]' },
  { name: 'filter: attack type sqli', kind: 'select', sel: '[data-testid="filter-attack"]', value: 'sqli' },
  { name: 'filter: any attack', kind: 'select', sel: '[data-testid="filter-attack"]', value: '*' },
  { name: 'filter: status 5xx', kind: 'enter', sel: '[data-testid="filter-status"]', value: '5xx' },
  { name: 'filter: IP 10.3.0.0/16', kind: 'enter', sel: '[data-testid="filter-ip"]', value: '10.3.0.0/16' },
  { name: 'filter: endpoint /api/*/items', kind: 'enter', sel: '[data-testid="filter-endpoint"]', value: '/api/*/items' },
  { name: 'filter: endpoint GET /login', kind: 'enter', sel: '[data-testid="filter-endpoint"]', value: 'GET /login' },
  { name: 'filter: last hour', kind: 'select', sel: '[data-testid="filter-time"]', value: '1h' }
];

async function main() {
  const o = args(process.argv);
  mkdirSync(o.dir, { recursive: true });
  const log = path.join(o.dir, `sessions-${o.sessions}.log`);
  const made = !existsSync(log);
  if (made) {
    process.stdout.write(`writing ${log} … `);
    console.log(`${await writeSessionsLog(log, o.sessions)} lines`);
  }
  const site = await startServer(o.site, { port: 0, host: '127.0.0.1' });
  const profile = mkdtempSync(path.join(tmpdir(), 'sessionlens-bench-explorer-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 900 } });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(site.url);
    await page.waitForFunction(() => document.querySelector('[data-testid="session-total"]')?.textContent?.trim() === '0', null, { timeout: 60_000 });
    const t0 = Date.now();
    await page.locator('input[type="file"]').first().setInputFiles(log);
    await page.locator('[data-testid="import-confirm"]').click({ timeout: 120_000 });
    // stored, or refused: say which (and what the page shows) rather than wait on
    const outcome = await page.waitForFunction(
      (n) => {
        const error = document.querySelector('[data-testid="import-error"]')?.textContent?.trim();
        if (error) return `error: ${error}`;
        const total = Number(document.querySelector('[data-testid="session-total"]')?.textContent?.replace(/\D/g, ''));
        const busy = document.querySelector('[data-testid="import-progress"]') !== null;
        return total === n || (!busy && total > 0 && total !== n) ? `stored ${total}` : null;
      },
      o.sessions,
      { timeout: 1_800_000, polling: 500 }
    );
    const said = await outcome.jsonValue();
    if (said !== `stored ${o.sessions}`) throw new Error(`the import ended with "${said}", not ${o.sessions} sessions stored`);
    console.log(`imported ${o.sessions} sessions in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const home = page.url().split('?')[0];
    /** @type {{ name: string, ms: number[], longest: number }[]} */
    const results = [];
    for (const a of ACTIONS) {
      const r = { name: a.name, ms: /** @type {number[]} */ ([]), longest: 0 };
      for (let run = 0; run < o.runs; run++) {
        await page.goto(home);
        await page.waitForFunction((n) => Number(document.querySelector('[data-testid="session-total"]')?.textContent?.replace(/\D/g, '')) === n, o.sessions, { timeout: 120_000 });
        await page.waitForSelector('[data-testid="session-row"]');
        await page.waitForTimeout(300); // let start-up work settle
        const { ms, longest } = await page.evaluate(async (a) => {
          const w = /** @type {any} */ (window);
          const view = /** @type {HTMLElement} */ (document.querySelector('[data-testid="sessions-view"]'));
          const before = view.dataset.listed;
          const el = /** @type {any} */ (document.querySelector(a.sel));
          const listed = new Promise((resolve) => {
            const m = new MutationObserver(() => {
              if (view.dataset.listed !== before) {
                m.disconnect();
                requestAnimationFrame(() => resolve(performance.now())); // the frame that paints it
              }
            });
            m.observe(view, { attributes: true, attributeFilter: ['data-listed'] });
          });
          // long tasks of the main thread from here on (a new document each run: observed afresh)
          w.__long = [];
          const observer = new PerformanceObserver((l) => w.__long.push(...l.getEntries().map((e) => ({ start: e.startTime, ms: e.duration }))));
          observer.observe({ type: 'longtask' });
          const start = performance.now();
          if (a.kind === 'click') el.click();
          else if (a.kind === 'select') {
            el.value = a.value;
            el.dispatchEvent(new Event('change', { bubbles: true }));
          } else {
            el.value = a.value;
            el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
          }
          const end = /** @type {number} */ (await listed);
          await new Promise((r) => setTimeout(r, 100)); // entries are delivered after their task
          observer.disconnect();
          const longest = w.__long.filter((t) => t.start + t.ms >= start).reduce((m, t) => Math.max(m, t.ms), 0);
          return { ms: end - start, longest };
        }, a);
        r.ms.push(ms);
        r.longest = Math.max(r.longest, longest);
      }
      results.push(r);
      const sorted = [...r.ms].sort((x, y) => x - y);
      console.log(`${a.name.padEnd(34)} median ${sorted[sorted.length >> 1].toFixed(0).padStart(5)} ms  worst ${sorted.at(-1).toFixed(0).padStart(5)} ms  longest main-thread task ${r.longest.toFixed(0)} ms`);
    }
    const medians = results.map((r) => [...r.ms].sort((x, y) => x - y)[r.ms.length >> 1]);
    const worst = Math.max(...medians);
    console.log(`\n${o.sessions} sessions: slowest median ${worst.toFixed(0)} ms (target ≤ ${TARGET_MS} ms: ${worst <= TARGET_MS ? 'met' : 'NOT met'}); longest main-thread task ${Math.max(...results.map((r) => r.longest)).toFixed(0)} ms`);
  } finally {
    await context.close();
    await site.close();
    rmSync(profile, { recursive: true, force: true });
    if (made && !o.keep) rmSync(log, { force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
