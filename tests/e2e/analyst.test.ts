// An analyst's path through the explorer (issue 6), on honeynet-2004's real attack traffic: import →
// filter by attack type → open a session → its distributions and timeline → show only 4xx → copy
// its link → open the link in a new page and see the same view → download the CSV and check its rows
// against the table; then an actor's sessions one after another. The CLI (same core, in Node) is the
// oracle of the counts. Needs build/, Chromium and ../shared/data.
import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsv, REQUEST_COLUMNS } from '../../src/lib/csv';
import { SHARED, cli, confirmImport, requestTable, fileInput, keepEverything, waitForTotal, watchErrors, usePage } from './browser';

const HONEYNET = path.join(SHARED, 'access/honeynet-2004/honeynet-redhat71_httpd_access_log_2004-04-21_to_2004-10-11.log.gz');
const HAVE = existsSync(HONEYNET);
if (!HAVE) console.warn(`e2e analyst: ${HONEYNET} is missing (no ../shared/data): its tests are skipped`);

interface CliSession {
  id: string;
  keyHash: string;
  ip: string;
  start: string;
  requests: number;
  status: Record<string, number>;
  attacks: Record<string, number>;
}

let context: BrowserContext;
let page: Page;
let errors: string[];
let cliRows: CliSession[] = [];

beforeAll(() => {
  if (HAVE)
    cliRows = cli(['sessions', HONEYNET])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as CliSession);
});
usePage((s) => ({ context, page, errors } = s), { acceptDownloads: true, permissions: ['clipboard-read', 'clipboard-write'] });

async function importHoneynet(p: Page): Promise<void> {
  await waitForTotal(p, -1);
  await keepEverything(p); // six months of 2004
  await fileInput(p).setInputFiles(HONEYNET);
  await confirmImport(p);
  await expect.poll(() => waitForTotal(p), { timeout: 60_000 }).toBe(cliRows.length);
}

const text = async (p: Page, sel: string) => ((await p.locator(sel).first().textContent()) ?? '').trim();
const count = (p: Page) => text(p, '[data-testid="requests-count"]');

/** The request table's rows as "time|target|status". */
const tableRows = async (p: Page) => (await requestTable(p)).map((r) => `${r.cells[0]}|${r.cells[2]}|${r.cells[3]}`);

/** A CSV cell as logged: csv.ts puts a ' before a leading = + - @ tab or CR (formula neutralisation). */
const asLogged = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

describe('an analyst’s path', () => {
  it.skipIf(!HAVE)('filter by attack → open a session → show only 4xx → copy the link → the same view in a new page → CSV rows as the table’s', async () => {
    const traversal = cliRows.filter((s) => (s.attacks.traversal ?? 0) > 0);
    const big = [...traversal].sort((a, b) => b.requests - a.requests)[0];
    expect(big.requests, 'the scan of 68.49.152.86').toBeGreaterThan(2000);
    await importHoneynet(page);

    await page.locator('[data-testid="filter-attack"]').selectOption('traversal');
    await expect.poll(() => text(page, '[data-testid="sessions-matched"]'), { timeout: 30_000 }).toBe(String(traversal.length));
    await page.locator('[data-testid="sort-requests"]').click(); // most requests first
    const first = page.locator('[data-testid="session-row"]').first();
    await expect.poll(() => first.locator('[data-testid="session-requests"]').textContent()).toBe(String(big.requests));
    await first.locator('[data-testid="session-open"]').click();
    const detail = page.locator('[data-testid="session-detail"]');
    await detail.waitFor();
    const id = await text(page, '[data-testid="detail-id"]');
    expect(new URL(page.url()).searchParams.get('session')).toBe(id);

    // Its distributions count its requests; the timeline is drawn.
    await page.locator('[data-testid="distributions"]').waitFor();
    const statusRows = await page.locator('[data-testid="dist-statuses"] [data-testid="dist-row"]').allInnerTexts();
    const fours = statusRows.filter((r) => /^4\d\d\s/.test(r)).reduce((t, r) => t + Number(r.split(/\s+/)[1]), 0);
    expect(fours, 'the 4xx codes listed add up to the session’s 4xx').toBe(big.status['4xx']);
    expect(await page.locator('[data-testid="timeline-chart"] canvas').count()).toBeGreaterThan(0);
    expect(await count(page)).toBe(`${big.requests} of ${big.requests}`);

    // Show only 4xx: a step in the URL; the table counts them.
    await page.locator('[data-testid="requests-show"]').selectOption('4xx');
    await expect.poll(() => count(page)).toBe(`${big.status['4xx']} of ${big.requests}`);
    expect(new URL(page.url()).searchParams.get('only')).toBe('4xx');
    const shown = await tableRows(page);
    expect(shown.length, 'every 4xx request is reached by scrolling the virtualised table').toBe(big.status['4xx']);
    expect(shown.every((r) => /\|4\d\d$/.test(r))).toBe(true);
    expect(await page.locator('[data-testid="request-row"]').count(), 'only the rows in view are in the DOM').toBeLessThan(200);

    // Copy its link, open it in a new page: the same session, the same requests shown.
    await page.locator('[data-testid="copy-link"]').click();
    await expect.poll(() => text(page, '[data-testid="copied"]')).toBe('Link copied');
    const copiedLink = await page.evaluate(() => navigator.clipboard.readText());
    expect(new URL(copiedLink).searchParams.get('session')).toBe(id);
    const other = await context.newPage();
    errors.push(...watchErrors(other));
    await other.goto(copiedLink);
    await other.locator('[data-testid="session-detail"]').waitFor({ timeout: 30_000 });
    expect(await text(other, '[data-testid="detail-id"]')).toBe(id);
    await expect.poll(() => count(other), { timeout: 30_000 }).toBe(`${big.status['4xx']} of ${big.requests}`);
    expect(await other.locator('[data-testid="requests-show"]').inputValue()).toBe('4xx');
    expect(await text(other, '[data-testid="sessions-matched"]'), 'the list’s filter came with the link').toBe(String(traversal.length));
    expect(await tableRows(other)).toEqual(shown);
    await other.close();

    // The CSV: a header and the same requests as the table, in its order.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="requests-csv"]').click()]);
    expect(download.suggestedFilename()).toBe(`session-${id}-4xx.csv`);
    const csv = parseCsv(readFileSync((await download.path())!, 'utf8'));
    expect(csv[0]).toEqual(REQUEST_COLUMNS);
    const col = (name: string) => REQUEST_COLUMNS.indexOf(name);
    // the table shows times to the second, "YYYY-MM-DD HH:MM:SS"; the CSV in ISO 8601
    const fromCsv = csv.slice(1).map((c) => `${c[col('time')].slice(0, 19).replace('T', ' ')}|${asLogged(c[col('target')])}|${c[col('status')]}`);
    expect(fromCsv).toEqual(shown);

    // A value picked in a distribution: show only one method, counted as its share.
    const method = page.locator('[data-testid="dist-methods"] [data-testid="dist-row"]').first();
    const share = Number((await method.locator('td').first().textContent())?.trim());
    await method.locator('[data-testid="dist-only"]').click();
    await expect.poll(() => count(page)).toBe(`${share} of ${big.requests}`);
    expect(new URL(page.url()).searchParams.get('only')).toMatch(/^method:/);
    // back: 4xx again
    await page.goBack();
    await expect.poll(() => count(page)).toBe(`${big.status['4xx']} of ${big.requests}`);

    // An endpoint of the session, in the endpoints view: its own figures.
    const link = page.locator('[data-testid="dist-endpoints"] [data-testid="dist-endpoint-link"]').first();
    const endpoint = (await link.textContent())!.trim();
    await link.click();
    await page.locator('[data-testid="tab-endpoints"][aria-current="page"]').waitFor();
    await expect.poll(() => page.locator('[data-testid="endpoint-row"]').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator('[data-testid="endpoint-row"]').first().textContent()).toContain(endpoint.slice(endpoint.indexOf(' ') + 1));
  });

  it.skipIf(!HAVE)('an actor’s sessions, one after another: previous and next by start, each a step in the URL', async () => {
    const byActor = new Map<string, CliSession[]>();
    for (const s of cliRows) byActor.set(s.keyHash, [...(byActor.get(s.keyHash) ?? []), s]);
    const mine = [...byActor.values()].sort((a, b) => b.length - a.length)[0].sort((a, b) => a.start.localeCompare(b.start));
    expect(mine.length).toBeGreaterThan(10);
    await importHoneynet(page);
    await page.locator('[data-testid="filter-ip"]').fill(mine[0].ip);
    await expect.poll(async () => Number(await text(page, '[data-testid="sessions-matched"]')), { timeout: 30_000 }).toBeGreaterThanOrEqual(mine.length);
    // the actor's first session, by its start (another actor shares the address)
    const at = (iso: string) => iso.slice(0, 19).replace('T', ' ');
    await page.locator('[data-testid="session-row"]', { hasText: at(mine[0].start) }).first().locator('[data-testid="session-open"]').click();
    await expect.poll(() => text(page, '[data-testid="actor-position"]')).toMatch(new RegExp(`^Session 1 of ${mine.length} `));
    expect(await page.locator('[data-testid="actor-prev"]').isDisabled()).toBe(true);
    const firstId = await text(page, '[data-testid="detail-id"]');
    await page.locator('[data-testid="actor-next"]').click();
    await expect.poll(() => text(page, '[data-testid="actor-position"]')).toMatch(new RegExp(`^Session 2 of ${mine.length} `));
    const secondId = await text(page, '[data-testid="detail-id"]');
    expect(secondId).not.toBe(firstId);
    expect(new URL(page.url()).searchParams.get('session')).toBe(secondId);
    // its start is the second of the actor's
    expect(await page.locator('[data-testid="session-detail"] dd').nth(4).textContent()).toBe(at(mine[1].start));
    await page.goBack();
    await expect.poll(() => text(page, '[data-testid="detail-id"]')).toBe(firstId);
    // copy id
    await page.locator('[data-testid="copy-id"]').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(firstId);
  });
});
