// Helpers of the end-to-end tests: the built site behind scripts/serve.js, Debian's Chromium
// through playwright-core, the CLI as the oracle, and a watch on the page's errors.
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUILD = path.join(ROOT, 'build');
export const SHARED = path.resolve(ROOT, '../shared/data');
export const SAMPLE = path.join(ROOT, 'static/sample/demo-access.log');

/** Chromium as root, headless, quiet, offline of Google's services. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run'
];

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Serves build/ like a CDN on a free port. */
export async function startSite(): Promise<{ url: string; close: () => Promise<void> }> {
  if (!existsSync(path.join(BUILD, 'index.html'))) {
    throw new Error(`${BUILD}/index.html is missing: run \`npm run build\` before the end-to-end tests`);
  }
  return startServer(BUILD, { port: 0, host: '127.0.0.1' });
}

/** Console errors and uncaught exceptions of a page, as they happen. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} (${m.location().url}:${m.location().lineNumber})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.stack ?? e.message}`));
  page.on('crash', () => errors.push('the page crashed'));
  return errors;
}

/** Runs the CLI (`bin/sessionlens.js ARGS…`) and returns what it printed; a failure throws with its stderr. */
export function cli(args: string[]): string {
  const bin = path.join(ROOT, 'bin/sessionlens.js');
  try {
    // maxBuffer: `sessions` of a real log prints megabytes (the default 1 MiB kills the CLI).
    return execFileSync(process.execPath, [bin, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  } catch (e) {
    const err = e as { status?: number; stderr?: string };
    throw new Error(`sessionlens ${args.join(' ')} failed (exit ${err.status}): ${err.stderr ?? e}`);
  }
}

/** `sessionlens summary [OPTIONS…] FILE`: the CLI's session count, the oracle of the page's. */
export function cliSessions(file: string, options: string[] = []): number {
  const out = cli(['summary', ...options, file]);
  const summary = JSON.parse(out) as { sessions?: unknown };
  if (typeof summary.sessions !== 'number') throw new Error(`sessionlens summary printed no session count: ${out}`);
  return summary.sessions;
}

const TOTAL = '[data-testid="session-total"]';

/** The number shown as the session total, or null when there is none (yet). */
export async function readTotal(page: Page): Promise<number | null> {
  const el = await page.$(TOTAL);
  if (!el) return null;
  const text = ((await el.textContent()) ?? '').trim();
  // "1234", "1,234", "1 234": digits and grouping only.
  if (!/^\d[\d\s,.'\u00a0\u202f]*$/.test(text)) return null;
  return Number(text.replace(/\D/g, ''));
}

/** Waits until the session total is a number above `above`, and returns it. */
export async function waitForTotal(page: Page, above = 0, timeout = 90_000): Promise<number> {
  await page.waitForFunction(
    ({ sel, above }) => {
      const text = document.querySelector(sel)?.textContent?.trim() ?? '';
      if (!/^\d[\d\s,.'\u00a0\u202f]*$/.test(text)) return false;
      return Number(text.replace(/\D/g, '')) > above;
    },
    { sel: TOTAL, above },
    { timeout, polling: 100 }
  );
  return (await readTotal(page))!;
}

/** The file input of the import (not a folder picker, if there is one). */
export function fileInput(page: Page) {
  return page.locator('input[type="file"]:not([webkitdirectory])').first();
}

/** After files are picked or dropped: waits for the format preview and presses Import. */
export async function confirmImport(page: Page, timeout = 30_000): Promise<void> {
  await page.locator('[data-testid="format-preview"]').waitFor({ state: 'visible', timeout });
  // click() waits until the button is enabled: every file has a format.
  await page.locator('[data-testid="import-confirm"]').click({ timeout });
}

/** Shows one of the page's views (its tab link) and waits until it is the one shown. */
export async function showTab(page: Page, tab: 'sessions' | 'endpoints' | 'overview' | 'settings'): Promise<void> {
  const link = page.locator(`[data-testid="tab-${tab}"]`);
  await link.click();
  await page.locator(`[data-testid="tab-${tab}"][aria-current="page"]`).waitFor({ timeout: 10_000 });
}

/**
 * Sets retention to keep every day (a century), for tests that import logs of different years:
 * by default only the 7 days up to the newest stored request are kept (SPEC §4).
 */
export async function keepEverything(page: Page): Promise<void> {
  await showTab(page, 'settings');
  const panel = page.locator('[data-testid="storage-panel"]');
  if (!(await panel.evaluate((d) => (d as HTMLDetailsElement).open))) await panel.locator('summary').click();
  await page.locator('[data-testid="retention-days"]').fill('36500');
  await panel.locator('button[type="submit"]').click();
  // Applied: the form matches the setting in force, so Apply is off again.
  await panel.locator('button[type="submit"]:disabled').waitFor({ timeout: 30_000 });
  await showTab(page, 'sessions');
}

/** A row of a session's request table as the page shows it. */
export interface ShownRequest {
  cells: string[];
  attacks: string;
  status: string;
  attacked: boolean;
}

/**
 * Every row of the open session's request table, in order: the table is virtualised, so it is
 * scrolled from top to bottom a screen at a time, waiting for the rows in view to be drawn.
 */
export async function requestTable(page: Page): Promise<ShownRequest[]> {
  const seen = new Map<number, ShownRequest>();
  const scroller = page.locator('[data-testid="requests-scroll"]');
  await scroller.evaluate((el) => (el.scrollTop = 0));
  for (let guard = 0; guard < 5000; guard++) {
    const step = await scroller.evaluate((el) => {
      const rows = [...el.querySelectorAll('tr[data-testid="request-row"]')].map((tr) => {
        const row = {
          cells: [...tr.querySelectorAll('td')].map((c) => c.textContent ?? ''),
          attacks: tr.getAttribute('data-attacks') ?? '',
          status: tr.getAttribute('data-status') ?? '',
          attacked: tr.classList.contains('attack')
        };
        return [Number(tr.getAttribute('aria-rowindex')), row] as const;
      });
      return { rows, loading: el.querySelector('tr.loading') !== null, end: el.scrollTop + el.clientHeight >= el.scrollHeight - 1 };
    });
    for (const [i, r] of step.rows) seen.set(i, r);
    if (step.loading) {
      await page.waitForTimeout(20); // a page of rows on its way from the worker
      continue;
    }
    if (step.end) break;
    // a screen down, and two frames for the page to draw the rows now in view
    await scroller.evaluate(async (el) => {
      el.scrollTop += el.clientHeight;
      for (let f = 0; f < 2; f++) await new Promise(requestAnimationFrame);
    });
  }
  return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

/** What a test of the page works with: the served site, the browser, a fresh context and page. */
export interface PageSession {
  site: { url: string; close: () => Promise<void> };
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of the page (push other pages' too): none allowed. */
  errors: string[];
}

/**
 * The usual hooks of a file of page tests: one site and browser for the file; before each test a
 * new context (empty IndexedDB, no service worker) and page, opened at the site and handed to
 * `set`; after it, the context closed and no console error allowed.
 */
export function usePage(set: (s: PageSession) => void, options: BrowserContextOptions = {}): void {
  let site: PageSession['site'] | undefined;
  let browser: Browser | undefined;
  let session: PageSession | undefined;
  beforeAll(async () => {
    site = await startSite();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });
  beforeEach(async () => {
    const context = await browser!.newContext(options);
    const page = await context.newPage();
    session = { site: site!, browser: browser!, context, page, errors: watchErrors(page) };
    set(session);
    await page.goto(site!.url);
  });
  afterEach(async () => {
    await session?.context.close();
    expect(session?.errors, 'console errors or uncaught exceptions in the page').toEqual([]);
  });
}
