// The sessions list (SPEC §5, issue 6): filters set on the page go into the URL; the URL opened in a
// new page, or reloaded, shows the same count and rows; back restores the previous filter; j/k/Enter
// and /; a column header sorts; the virtualised list scrolls to its last session with few DOM rows.
// The CLI (same core, in Node) is the oracle of the counts. Needs build/, Chromium and ../shared/data.
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SHARED, cli, confirmImport, fileInput, keepEverything, readTotal, waitForTotal, watchErrors, type PageSession, usePage } from './browser';

const HACKERS = path.join(SHARED, 'access/logparser/hackers-access.log');
if (!existsSync(HACKERS)) console.warn(`e2e explorer: ${HACKERS} is missing (no ../shared/data): its test is skipped`);

interface CliSession {
  requests: number;
  status: Record<string, number>;
  attacks: Record<string, number>;
}

const FILTERED = '[data-testid="filtered-total"]';
const ROWS = '[data-testid="session-row"]';

let site: PageSession['site'];
let context: BrowserContext;
let page: Page;
let errors: string[];
usePage((s) => ({ site, context, page, errors } = s));

const filtered = (p: Page = page) => async () => Number(((await p.locator(FILTERED).textContent()) ?? '').replace(/\D/g, ''));
const ids = (p: Page) => p.locator(ROWS).evaluateAll((rows) => rows.slice(0, 8).map((r) => r.getAttribute('data-session-id')));
const query = (p: Page) => new URL(p.url()).searchParams;

describe('the sessions explorer', () => {
  it.skipIf(!existsSync(HACKERS))('hackers-access.log: filters in the URL, a link and a reload reopen the view, back restores, keys, sort, scroll to the end', async () => {
    const sessions = cli(['sessions', HACKERS])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CliSession);
    await keepEverything(page);
    await fileInput(page).setInputFiles(HACKERS);
    await confirmImport(page);
    await waitForTotal(page, 0, 120_000);
    await expect.poll(() => readTotal(page), { timeout: 60_000 }).toBe(sessions.length);

    // A status class, typed: the URL follows, the count is the CLI's.
    const fours = sessions.filter((s) => (s.status['4xx'] ?? 0) > 0);
    expect(fours.length).toBeGreaterThan(0);
    expect(fours.length).toBeLessThan(sessions.length);
    await page.locator('[data-testid="filter-status"]').fill('4xx');
    await page.locator('[data-testid="filter-status"]').press('Enter');
    await expect.poll(filtered(), { timeout: 30_000 }).toBe(fours.length);
    await expect.poll(() => query(page).get('status')).toBe('4xx');

    // Then least requests, on top (AND): a second step in the history.
    const busy = fours.filter((s) => s.requests >= 5);
    expect(busy.length).toBeGreaterThan(0);
    await page.locator('[data-testid="filter-min-requests"]').fill('5');
    await expect.poll(filtered(), { timeout: 30_000 }).toBe(busy.length);
    await expect.poll(() => query(page).get('min-requests')).toBe('5');
    expect(await readTotal(page), 'the total stays every stored session').toBe(sessions.length);

    // Sorted by requests, most first, from the column's header.
    await page.locator('[data-testid="sort-requests"]').click();
    await expect.poll(() => query(page).get('sort')).toBe('-requests');
    const most = Math.max(...busy.map((s) => s.requests));
    await expect.poll(async () => Number(await page.locator(ROWS).first().locator('[data-testid="session-requests"]').textContent())).toBe(most);
    const url = page.url();
    const shown = await ids(page);

    // The link in a new page of the same browser (same stored data): the same view.
    const other = await context.newPage();
    const otherErrors = watchErrors(other);
    await other.goto(url);
    await waitForTotal(other);
    await expect.poll(filtered(other), { timeout: 30_000 }).toBe(busy.length);
    await expect.poll(() => ids(other)).toEqual(shown);
    expect(await other.locator('[data-testid="filter-status"]').inputValue()).toBe('4xx');
    expect(await other.locator('[data-testid="sort-requests"]').locator('..').getAttribute('aria-sort')).toBe('descending');
    await other.close();
    expect(otherErrors).toEqual([]);

    // A reload: the same.
    await page.reload();
    await waitForTotal(page);
    await expect.poll(filtered(), { timeout: 30_000 }).toBe(busy.length);
    await expect.poll(() => ids(page)).toEqual(shown);

    // Back: the sort goes, then the least requests; forward brings it back.
    await page.goBack();
    await expect.poll(() => query(page).get('sort')).toBeNull();
    await page.goBack();
    await expect.poll(filtered(), { timeout: 30_000 }).toBe(fours.length);
    expect(query(page).get('min-requests')).toBeNull();
    expect(await page.locator('[data-testid="filter-min-requests"]').inputValue()).toBe('');
    await page.goForward();
    await expect.poll(filtered(), { timeout: 30_000 }).toBe(busy.length);

    // Keys: j/k move the keyboard row (its button focused), Enter opens it, / goes to the search.
    await page.locator('#sessions-heading').click();
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    const second = page.locator(`${ROWS}[data-row-index="1"]`);
    await expect.poll(() => second.getAttribute('class')).toContain('cursor');
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-row-index'))).toBe('1');
    const id = await second.getAttribute('data-session-id');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="session-detail"]').waitFor();
    expect(await second.locator('[data-testid="session-open"]').getAttribute('aria-expanded')).toBe('true');
    expect(id).toBeTruthy();
    await page.locator('[data-testid="detail-close"]').click();
    await page.locator('#sessions-heading').click();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('filter-endpoint');

    // Every session, scrolled to the last: few rows in the DOM, the last one the last session.
    await page.locator('[data-testid="filter-clear"]').click();
    await expect.poll(filtered(), { timeout: 30_000 }).toBe(sessions.length);
    const rows = page.locator(ROWS);
    expect(await rows.count()).toBeLessThan(80);
    await page.locator('[data-testid="sessions-scroll"]').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => rows.last().getAttribute('data-row-index'), { timeout: 30_000 }).toBe(String(sessions.length - 1));
    expect(await rows.count()).toBeLessThan(80);
    const lastBox = await rows.last().boundingBox();
    const scrollBox = await page.locator('[data-testid="sessions-scroll"]').boundingBox();
    expect(lastBox && scrollBox && lastBox.y + lastBox.height <= scrollBox.y + scrollBox.height + 1, 'the last row is in view').toBe(true);
  });
});
