// Imports merge with what is stored (SPEC §2 order independence, issue 4): a real log split in two at a
// line boundary, the later half imported first, stores the sessions the whole log gives — as the CLI
// counts them, and exactly as one import of the whole shows them. Grouping keys whose values were not
// stored ask to clear the stored data first (re-grouping: settings.test.ts). Needs build/
// (`npm run build`), Chromium and ../shared/data.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SAMPLE, SHARED, cli, cliSessions, confirmImport, fileInput, launchBrowser, readTotal, showTab, startSite, waitForTotal, watchErrors } from './browser';

const REAL = path.join(SHARED, 'access/logparser/hackers-access.log');
const HAVE_DATA = existsSync(REAL);
if (!HAVE_DATA) console.warn(`e2e merge: ${REAL} is missing (no ../shared/data): the split-import test is skipped`);

/**
 * The earlier half is the first CUT lines. Cut here, three sessions have requests on both sides (the
 * middle of the file has none), so pages that stored the halves side by side would count 769, not 766.
 */
const CUT = 2055;

let site: { url: string; close: () => Promise<void> };
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let tmp: string;

beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
  tmp = mkdtempSync(path.join(tmpdir(), 'sessionlens-e2e-merge-'));
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
  errors = watchErrors(page);
  await page.goto(site.url);
});

afterEach(async () => {
  await context?.close();
  expect(errors, 'console errors or uncaught exceptions in the page').toEqual([]);
});

/** Writes the first `lines` lines of `file` and the rest to two files in the temp dir, byte for byte. */
function split(file: string, lines: number): { earlier: string; later: string } {
  const bytes = readFileSync(file);
  let at = -1;
  for (let n = 0; n < lines; n++) {
    at = bytes.indexOf(10, at + 1);
    if (at < 0) throw new Error(`${file} has fewer than ${lines} lines`);
  }
  const earlier = path.join(tmp, 'access-part1.log');
  const later = path.join(tmp, 'access-part2.log');
  writeFileSync(earlier, bytes.subarray(0, at + 1));
  writeFileSync(later, bytes.subarray(at + 1));
  return { earlier, later };
}

async function importFile(file: string, expected: number): Promise<void> {
  await fileInput(page).setInputFiles(file);
  await confirmImport(page);
  await page.locator('[data-testid="import-summary"]').waitFor({ state: 'visible', timeout: 90_000 });
  await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(expected);
}

/** What the page shows of the stored data: the sessions (ids and cells) and the endpoints table. */
async function shown() {
  const sessions = page.locator('[data-testid="session-row"]');
  const listed = {
    total: await readTotal(page),
    ids: await sessions.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id'))),
    sessions: await sessions.allInnerTexts()
  };
  await showTab(page, 'endpoints');
  await page.locator('[data-testid="endpoint-row"]').first().waitFor({ timeout: 10_000 });
  const endpoints = {
    endpointTotal: await page.locator('[data-testid="endpoint-total"]').textContent(),
    endpoints: await page.locator('[data-testid="endpoint-row"]').allInnerTexts()
  };
  await showTab(page, 'sessions');
  return { ...listed, ...endpoints };
}

describe('imports merged with what is stored', () => {
  it.skipIf(!HAVE_DATA)('a log split in two, the later half imported first, stores the sessions of the whole, as one import does', async () => {
    const { earlier, later } = split(REAL, CUT);
    const expected = cliSessions(REAL);
    expect(expected).toBe(766);
    // The cut splits sessions: side by side, the halves would count more than the whole.
    expect(cliSessions(earlier) + cliSessions(later)).toBeGreaterThan(expected);

    await waitForTotal(page, -1);
    await importFile(later, cliSessions(later));
    await importFile(earlier, expected);
    expect(await page.locator('[data-testid="summary-stored"]').textContent()).toBe(String(expected));
    const inParts = await shown();
    // the virtualised list: the rows in view and a few around
    expect(inParts.ids.length).toBeGreaterThan(10);
    expect(inParts.ids.length).toBeLessThan(100);
    const endpoints = cli(['endpoints', REAL]).trim().split('\n').map((l) => JSON.parse(l) as { endpoint: string; requests: number });
    expect(inParts.endpointTotal).toBe(String(endpoints.length));
    expect(inParts.endpoints.length).toBe(Math.min(50, endpoints.length));
    expect(inParts.endpoints[0]).toContain(endpoints[0].endpoint);
    expect(await page.locator('[data-testid="session-key"]').first().textContent()).toBe('ip+ua');
    expect(inParts.sessions[0]).toMatch(/2xx \d+/);

    await page.reload();
    await waitForTotal(page);
    expect(await shown(), 'after a reload').toEqual(inParts);

    // A cookie key cannot apply to the stored requests (its values were not stored): it asks to
    // clear them first and names the file to import again. Declined, nothing changes.
    await showTab(page, 'settings');
    await page.locator('[data-testid="grouping-keys"]').fill('cookie:sid,ip+ua');
    await page.locator('[data-testid="grouping-minutes"]').fill('45');
    await page.locator('[data-testid="grouping-needs-clear"]').waitFor({ state: 'visible' });
    expect(await page.locator('[data-testid="grouping-reimport-files"]').textContent()).toBe('access-part2.log, access-part1.log');
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.dismiss();
    });
    await page.locator('[data-testid="grouping-apply"]').click();
    await expect.poll(() => asked).toContain('cookie:sid were not stored');
    expect(await page.locator('[data-testid="grouping-current-minutes"]').textContent()).toBe('30');
    expect(await page.locator('[data-testid="grouping-current"]').textContent()).toBe('ip+ua');
    await showTab(page, 'sessions');
    expect(await readTotal(page)).toBe(expected);
    await showTab(page, 'settings');
    await page.getByRole('button', { name: 'Undo changes' }).click();

    // "Clear all data", confirmed, empties the store; the whole log in one import then shows the same.
    page.once('dialog', (d) => void d.accept());
    await page.locator('[data-testid="clear-data"]').click();
    await showTab(page, 'sessions');
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(0);
    await page.locator('[data-testid="sessions-empty"]').waitFor({ state: 'visible' });
    await importFile(REAL, expected);
    expect(await shown()).toEqual(inParts);
  });
});

describe('grouping settings', () => {
  it("show parseKeys' error, and apply to the next imports while nothing is stored", async () => {
    await waitForTotal(page, -1);
    await showTab(page, 'settings');
    const keys = page.locator('[data-testid="grouping-keys"]');
    await keys.fill('cookie:');
    await expect.poll(() => page.locator('[data-testid="grouping-error"]').textContent()).toContain('bad key "cookie:"');
    expect(await page.locator('[data-testid="grouping-apply"]').isDisabled()).toBe(true);

    await keys.fill('IP');
    await page.locator('[data-testid="grouping-minutes"]').fill('10');
    await page.locator('[data-testid="grouping-apply"]').click();
    await expect.poll(() => page.locator('[data-testid="grouping-current"]').textContent()).toBe('ip');
    expect(await page.locator('[data-testid="grouping-current-minutes"]').textContent()).toBe('10');
    expect(await keys.inputValue()).toBe('ip');

    // Kept across a reload, and used by the next import (the CLI with the same options agrees).
    await page.reload();
    await expect.poll(() => page.locator('[data-testid="grouping-current"]').textContent(), { timeout: 30_000 }).toBe('ip');
    await showTab(page, 'sessions');
    await importFile(SAMPLE, cliSessions(SAMPLE, ['--key', 'ip', '--inactivity', '10m']));
    expect(await page.locator('[data-testid="session-key"]').first().textContent()).toBe('ip');
  });
});
