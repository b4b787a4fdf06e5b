// Imports that never lose data (SPEC §4, issue 5), in Chromium through the file input: a page closed
// mid-import and opened again, a cancel mid-import, the same file twice, storage running out, and two
// tabs. "Unchanged" is checked on the page (the session total) and in IndexedDB itself (the ledger
// and the request blocks). Needs build/ (`npm run build`) and Chromium; no ../shared data.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateLog, writeLog } from '../../scripts/gen-log.js';
import { cliSessions, confirmImport, fileInput, launchBrowser, readTotal, showTab, startSite, waitForTotal, watchErrors } from './browser';

let site: { url: string; close: () => Promise<void> };
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let tmp: string;
/** A generated log big enough (~1M lines, ~230 MB) that an import takes a few seconds here. */
let big: string;
/** A small log of other actors on the same days. */
let small: string;

beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
  tmp = mkdtempSync(path.join(tmpdir(), 'sessionlens-e2e-storage-'));
  big = path.join(tmp, 'big-access.log');
  const out = createWriteStream(big);
  await writeLog({ lines: 1_000_000, seed: 5 }, out);
  out.end();
  await finished(out);
  small = path.join(tmp, 'small-access.log');
  writeFileSync(small, generateLog({ lines: 3000, seed: 6 }));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

beforeEach(async () => {
  context = await browser.newContext();
  page = await open(context);
});

afterEach(async () => {
  await context?.close();
  expect(errors, 'console errors or uncaught exceptions in the page').toEqual([]);
});

async function open(ctx: BrowserContext): Promise<Page> {
  const p = await ctx.newPage();
  errors = watchErrors(p);
  await p.goto(site.url);
  await p.locator('[data-testid="session-total"], [data-testid="sessions-empty"]').first().waitFor({ timeout: 30_000 });
  return p;
}

/** What IndexedDB holds, read from the page: ledger statuses, request blocks, session days. */
function stored(p: Page): Promise<{ ledger: string[]; blocks: number; days: number }> {
  return p.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const req = indexedDB.open('sessionlens');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction(['imports', 'requestBlocks', 'sessionDays'], 'readonly');
          const ledger = tx.objectStore('imports').getAll();
          const blocks = tx.objectStore('requestBlocks').count();
          const days = tx.objectStore('sessionDays').count();
          tx.oncomplete = () => {
            db.close();
            resolve({ ledger: (ledger.result as { status: string }[]).map((r) => r.status), blocks: blocks.result, days: days.result });
          };
          tx.onerror = () => reject(tx.error);
        };
      })
  );
}

async function importFile(p: Page, file: string): Promise<void> {
  await fileInput(p).setInputFiles(file);
  await confirmImport(p);
}

/** Waits until the running import has staged request blocks beyond `before`. */
async function waitForStaged(p: Page, before: number): Promise<void> {
  await expect.poll(async () => (await stored(p)).blocks, { timeout: 60_000, interval: 50 }).toBeGreaterThan(before);
  expect(await p.locator('[data-testid="import-progress"]').isVisible(), 'the import is still running').toBe(true);
}

describe('imports never lose data', () => {
  it('a page closed mid-import, opened again, shows the data as before and drops what was staged', async () => {
    await importFile(page, small);
    const total = await waitForTotal(page);
    const before = await stored(page);
    expect(before.ledger).toEqual(['complete']);

    await importFile(page, big);
    await waitForStaged(page, before.blocks);
    const staged = await stored(page);
    expect(staged.ledger).toEqual(['complete', 'pending']);
    await page.close();

    page = await open(context);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(total);
    await expect.poll(() => page.locator('[data-testid="storage-notice"]').textContent()).toMatch(/Removed an import that a closed tab left unfinished/);
    expect(await stored(page)).toEqual(before);
  });

  it('a cancel mid-import leaves everything as it was', async () => {
    await importFile(page, small);
    const total = await waitForTotal(page);
    const before = await stored(page);

    await importFile(page, big);
    await waitForStaged(page, before.blocks);
    await page.locator('[data-testid="import-cancel"]').click();
    await expect.poll(() => page.locator('[data-testid="import-error"]').getAttribute('data-kind'), { timeout: 30_000 }).toBe('cancelled');
    expect(await readTotal(page)).toBe(total);
    expect(await stored(page)).toEqual(before);
  });

  it('the same file twice is recognised and not counted twice, unless imported again on purpose', async () => {
    await importFile(page, small);
    const total = await waitForTotal(page);
    expect(total).toBe(cliSessions(small));
    const requests = Number(await page.locator('[data-testid="summary-requests"]').textContent());
    const before = await stored(page);

    // the same bytes under another name
    const copy = path.join(tmp, 'copy-of-small.log');
    writeFileSync(copy, generateLog({ lines: 3000, seed: 6 }));
    await importFile(page, copy);
    await expect.poll(() => page.locator('[data-testid="import-error"]').getAttribute('data-kind'), { timeout: 30_000 }).toBe('duplicate');
    expect(await page.locator('[data-testid="import-error"]').textContent()).toMatch(/already imported .*nothing was added/);
    expect(await readTotal(page)).toBe(total);
    expect(await stored(page)).toEqual(before);

    // forced: read again, its requests counted again in the same sessions
    await page.locator('[data-testid="import-again"]').click();
    await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 30_000 });
    expect(Number(await page.locator('[data-testid="summary-requests"]').textContent())).toBe(requests);
    expect(await readTotal(page)).toBe(total);
    expect((await stored(page)).ledger).toEqual(['complete', 'complete']);

    // The storage panel: what is used of what is available, and the ledger with the forced import.
    await showTab(page, 'settings');
    // shown open in the settings view
    expect(await page.locator('[data-testid="storage-panel"]').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await expect.poll(() => page.locator('[data-testid="storage-use"]').textContent()).toMatch(/Using \d[\d.]* [KMG]?i?B of \d[\d.]* [KMGT]?i?B available/);
    expect(await page.locator('[data-testid="import-ledger"]').textContent()).toMatch(/copy-of-small\.log \(imported again\)/);
  });

  it('an import that fills the quota is rolled back and says so; what was stored stays', async () => {
    // The quota for this site cut to 4 MiB before the site first stores anything (Chromium takes the
    // override only then, and for as long as the session that made it): the offline cache of the
    // site's own files (~1.6 MB) and a small import fit, the big one's request blocks (a few MB per
    // transaction) do not.
    await context.close();
    context = await browser.newContext();
    page = await context.newPage();
    errors = watchErrors(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(site.url).origin, quotaSize: 4 * 1024 * 1024 });
    await page.goto(site.url);
    await importFile(page, small);
    const total = await waitForTotal(page);
    const before = await stored(page);

    await importFile(page, big);
    await page.locator('[data-testid="import-error"], [data-testid="import-summary"]').first().waitFor({ timeout: 90_000 });
    expect(await page.locator('[data-testid="import-error"]').getAttribute('data-kind')).toBe('storage-full');
    expect(await page.locator('[data-testid="import-error"]').textContent()).toMatch(/full.*nothing of it was kept/);
    expect(await readTotal(page)).toBe(total);
    expect(await stored(page)).toEqual(before);
  });

  it('two tabs: an import in one shows in the other, and a second import waits for the first', async () => {
    const other = await open(context);
    await importFile(page, big);
    // while the first tab imports, the second asks too: it waits for the write lock
    await waitForStaged(page, 0);
    await importFile(other, small);
    await expect.poll(() => page.locator('[data-testid="import-summary"]').isVisible(), { timeout: 90_000 }).toBe(true);
    await expect.poll(() => other.locator('[data-testid="import-summary"]').isVisible(), { timeout: 90_000 }).toBe(true);
    const both = cliSessions(big) + cliSessions(small);
    // each tab shows what both stored, the first without a reload
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(both);
    await expect.poll(() => readTotal(other), { timeout: 30_000 }).toBe(both);
    expect((await stored(page)).ledger).toEqual(['complete', 'complete']);
  });

  it('opened with ?store=none, analyses in the tab and keeps nothing in the browser', async () => {
    // A browser that never opened the plain page (beforeEach's visit may already have made the
    // database, depending on how soon its worker started): only this page's doing is checked.
    await context.close();
    context = await browser.newContext();
    page = await context.newPage();
    errors = watchErrors(page);
    await page.goto(`${site.url}?store=none`);
    await page.locator('[data-testid="storage-memory"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="storage-memory"]').textContent()).toMatch(/Nothing is stored/);
    await importFile(page, small);
    expect(await waitForTotal(page)).toBe(cliSessions(small));
    // the session detail and its requests work from memory too
    await page.locator('[data-testid="session-open"]').first().click();
    await expect.poll(() => page.locator('[data-testid="request-row"]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    // every link and step of the page keeps the tab that keeps nothing
    expect(new URL(page.url()).searchParams.get('store')).toBe('none');
    expect(await page.locator('[data-testid="tab-overview"]').getAttribute('href')).toContain('store=none');
    await page.locator('[data-testid="dist-endpoint-link"]').first().click();
    await page.locator('[data-testid="tab-endpoints"][aria-current="page"]').waitFor();
    expect(new URL(page.url()).searchParams.get('store')).toBe('none');
    await showTab(page, 'sessions');
    const names = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    expect(names).not.toContain('sessionlens');
    await page.reload();
    await page.locator('[data-testid="sessions-empty"]').waitFor({ timeout: 30_000 });
  });
});
