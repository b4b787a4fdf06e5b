// Detection on the page (SPEC §3, §5; issue 7): real logs imported through the file input show each
// session's risk, attacks and labels; the filters by attack type, label and least risk run in the
// worker and count what passes; a session's detail gives its labels with their evidence, its attacks
// and its risk as the parts that add up to it. The CLI (same core, in Node) is the oracle of every
// count. Needs build/ (`npm run build`), Chromium and ../shared/data.
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import { parseCsv, REQUEST_COLUMNS } from '../../src/lib/csv';
import path from 'node:path';
import { SHARED, cli, confirmImport, requestTable, fileInput, keepEverything, readTotal, showTab, waitForTotal, type PageSession, usePage } from './browser';

const HONEYNET = path.join(SHARED, 'access/honeynet-2004/honeynet-redhat71_httpd_access_log_2004-04-21_to_2004-10-11.log.gz');
const HACKERS = path.join(SHARED, 'access/logparser/hackers-access.log');
for (const f of [HONEYNET, HACKERS]) if (!existsSync(f)) console.warn(`e2e detect: ${f} is missing (no ../shared/data): its test is skipped`);

/** A session as `sessionlens sessions` prints it. */
interface CliSession {
  ip: string;
  userAgent: string;
  start: string;
  requests: number;
  attacks: Record<string, number>;
  labels: string[];
  risk: number;
}

const sessionsOf = (file: string): CliSession[] =>
  cli(['sessions', file])
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CliSession);

const FILTERED = '[data-testid="filtered-total"]';
const ROWS = '[data-testid="session-row"]';
const DETAIL = '[data-testid="session-detail"]';

let site: PageSession['site'];
let context: BrowserContext;
let page: Page;
let errors: string[];
usePage((s) => ({ site, context, page, errors } = s));

async function importFile(file: string, expected: number): Promise<void> {
  // honeynet-2004 spans six months: keep them all
  await keepEverything(page);
  await fileInput(page).setInputFiles(file);
  await confirmImport(page);
  await waitForTotal(page, 0, 120_000);
  await expect.poll(() => readTotal(page), { timeout: 60_000 }).toBe(expected);
}

async function filtered(): Promise<number> {
  return Number(((await page.locator(FILTERED).textContent()) ?? '').replace(/\D/g, ''));
}

const text = async (l: Locator) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** The CLI's session a row shows: the same first IP, user agent and start (ids are salted per database). */
async function cliMatch(sessions: CliSession[], row: Locator): Promise<CliSession> {
  const ip = await text(row.locator('[data-testid="session-ip"]'));
  const ua = (await row.locator('[data-testid="session-ua"]').getAttribute('title')) ?? '';
  const start = (await text(row.locator('[data-testid="session-open"]'))).replace(' ', 'T');
  const found = sessions.filter((s) => s.ip === ip && s.userAgent === ua && s.start.startsWith(start));
  expect(found, `the CLI's session of ${ip} at ${start}`).toHaveLength(1);
  return found[0];
}

/** The detail's risk parts as [text, points], and the score it shows. */
async function riskShown(): Promise<{ risk: number; parts: [string, number][] }> {
  const risk = Number((await text(page.locator('[data-testid="detail-risk"] .n'))) || NaN);
  const parts = await page.locator('[data-testid="detail-risk-part"]').evaluateAll((items) =>
    items.map((li) => {
      const t = (li.textContent ?? '').replace(/\s+/g, ' ').trim();
      const m = /^(.*?)\s*\+(\d+)$/.exec(t);
      return [m?.[1] ?? t, Number(m?.[2] ?? NaN)] as [string, number];
    })
  );
  return { risk, parts };
}

describe('detection on the page', () => {
  it.skipIf(!existsSync(HONEYNET))('honeynet-2004: filter by "traversal", open a session, see its attacks, labels with evidence and risk by parts', async () => {
    const cliRows = sessionsOf(HONEYNET);
    const traversal = cliRows.filter((s) => (s.attacks.traversal ?? 0) > 0);
    expect(traversal.length).toBeGreaterThan(0);
    await importFile(HONEYNET, cliRows.length);
    expect(await filtered(), 'no filter: every stored session').toBe(cliRows.length);

    await page.locator('[data-testid="filter-attack"]').selectOption('traversal');
    await expect.poll(filtered, { timeout: 30_000 }).toBe(traversal.length);
    expect(await readTotal(page), 'the total stays all stored sessions').toBe(cliRows.length);
    const rows = page.locator(ROWS);
    // The list is virtualised: the rows in view (and a few around) are in the DOM.
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(Math.min(10, traversal.length));
    expect(await rows.count()).toBeLessThanOrEqual(Math.min(100, traversal.length));
    // Every listed row is an attack row: marked in text (not colour alone) and tinted.
    for (const i of [0, 1, (await rows.count()) - 1]) {
      const row = rows.nth(i);
      expect(await text(row.locator('[data-testid="session-attacks"]'))).toMatch(/⚠\s*Attacks: .*traversal \d+/);
      expect(await row.getAttribute('class')).toContain('attacked');
    }

    // The first row is the first traversal session by start, as the CLI has it.
    const first = rows.first();
    const want = await cliMatch(cliRows, first);
    expect(want.start).toBe(traversal[0].start);
    expect(Number(await text(first.locator('[data-testid="session-risk"] .n')))).toBe(want.risk);
    expect(want.risk).toBeGreaterThan(0);
    expect(await first.locator('[data-testid="session-labels"] li').allTextContents()).toEqual(want.labels);

    await first.locator('[data-testid="session-open"]').click();
    const detail = page.locator(DETAIL);
    await detail.waitFor({ state: 'visible' });
    expect(await first.locator('[data-testid="session-open"]').getAttribute('aria-expanded')).toBe('true');
    expect(await text(detail)).toContain(want.ip);
    // Attacks by type with their counts, as the CLI counts them.
    const attacks = await page.locator('[data-testid="detail-attack"]').allTextContents();
    expect(attacks.length).toBe(Object.keys(want.attacks).length);
    for (const [k, n] of Object.entries(want.attacks)) {
      expect(attacks.some((a) => a.startsWith(`${k} —`) && a.includes(`${n} of ${want.requests} requests`)), `${k} ${n}`).toBe(true);
    }
    // Labels with their evidence sentence.
    const labels = await page.locator('[data-testid="detail-label"]').allTextContents();
    expect(labels.map((l) => l.split(' — ')[0].trim())).toEqual(want.labels);
    for (const l of labels) expect(l, 'evidence after the label').toMatch(/: \S.*/);
    // The risk, and the parts that add up to it (capped at 100).
    const { risk, parts } = await riskShown();
    expect(risk).toBe(want.risk);
    expect(parts.length).toBeGreaterThan(0);
    expect(parts.some(([p]) => /traversal request/.test(p)), JSON.stringify(parts)).toBe(true);
    expect(Math.min(100, parts.reduce((s, [, n]) => s + n, 0))).toBe(risk);

    // Its requests, each with file and line; the attack ones marked, as many as the CLI counts.
    const count = () => text(page.locator('[data-testid="requests-count"]'));
    await expect.poll(count, { timeout: 30_000 }).toBe(`${want.requests} of ${want.requests}`);
    expect((await requestTable(page)).length).toBe(want.requests);
    const attacked = Object.values(want.attacks).reduce((a, b) => Math.max(a, b), 0);
    await page.locator('[data-testid="requests-show"]').selectOption('attacks');
    await expect.poll(async () => Number((await count()).split(' ')[0]), { timeout: 30_000 }).toBeLessThan(want.requests + 1);
    const shown = await requestTable(page);
    expect(shown.length).toBeGreaterThanOrEqual(attacked);
    expect(await count()).toBe(`${shown.length} of ${want.requests}`);
    for (const r of shown) {
      expect(r.attacked).toBe(true);
      expect(r.attacks).not.toBe('');
      expect(r.cells.at(-1)).toMatch(/honeynet-redhat71_httpd_access_log[^:]*:\d+/);
    }
    expect(shown.filter((r) => r.attacks.split(' ').includes('traversal')).length).toBe(want.attacks.traversal);
    // The CSV holds the shown rows, cell for cell where it matters.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="requests-csv"]').click()]);
    const csv = parseCsv(readFileSync((await download.path())!, 'utf8'));
    expect(csv[0]).toEqual(REQUEST_COLUMNS);
    expect(csv.slice(1).map((c) => `${c[REQUEST_COLUMNS.indexOf('file')]}:${c[REQUEST_COLUMNS.indexOf('line')]}`)).toEqual(shown.map((r) => r.cells.at(-1)));
    await page.locator('[data-testid="requests-show"]').selectOption('all');

    // Highest risk first: the first row has the greatest risk among the traversal sessions.
    await page.locator('[data-testid="sort-risk"]').click(); // first click: highest first
    const top = Math.max(...traversal.map((s) => s.risk));
    await expect.poll(async () => Number(await text(rows.first().locator('[data-testid="session-risk"] .n')))).toBe(top);
    expect(await filtered()).toBe(traversal.length);
    expect(await page.locator(DETAIL).isVisible(), 'the open detail stays while the list is re-sorted').toBe(true);

    // Closing gives the focus back to the row's button.
    await page.locator('[data-testid="detail-close"]').click();
    await page.locator(DETAIL).waitFor({ state: 'detached' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('session-open');

    // The endpoints view shows attacks and risk too.
    await showTab(page, 'endpoints');
    const attackedEndpoint = page.locator('[data-testid="endpoint-row"]', { hasText: 'traversal' }).first();
    await attackedEndpoint.waitFor();
    expect(Number(await text(attackedEndpoint.locator('[data-testid="endpoint-risk"] .n')))).toBeGreaterThan(0);
    await showTab(page, 'sessions');

    // A label's requests: its button shows them in the request table.
    const forced = cliRows.filter((s) => s.labels.includes('forced-browsing')).length;
    expect(forced, 'honeynet-2004 has forced-browsing sessions').toBeGreaterThan(0);
    await page.locator('[data-testid="filter-attack"]').selectOption('');
    await page.locator('[data-testid="filter-label"]').selectOption('forced-browsing');
    await expect.poll(filtered, { timeout: 30_000 }).toBe(forced);
    await rows.first().locator('[data-testid="session-open"]').click();
    const fb = page.locator('[data-testid="detail-label"]', { hasText: 'forced-browsing' });
    await fb.locator('[data-testid="label-evidence"]').click();
    expect(await page.locator('[data-testid="requests-show"]').inputValue()).toBe('404');
    // as many as the evidence sentence counts ("N of M requests not found")
    const notFound = Number(/(\d+) of \d+ requests not found/.exec(await text(fb))?.[1] ?? NaN);
    await expect.poll(() => text(page.locator('[data-testid="requests-count"]')), { timeout: 30_000 }).toMatch(new RegExp(`^${notFound} of `));
    const notFoundRows = await requestTable(page);
    expect(notFoundRows.length).toBe(notFound);
    expect(new Set(notFoundRows.map((r) => r.status))).toEqual(new Set(['404']));

  });

  it.skipIf(!existsSync(HACKERS))('hackers-access.log: the label and least-risk filters count what the CLI labels', async () => {
    const cliRows = sessionsOf(HACKERS);
    const counts = new Map<string, number>();
    for (const s of cliRows) for (const l of s.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    // The label the CLI gives most sessions of this file (scraping, when this was written).
    const [label, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [];
    expect(label, 'the CLI labels some session of hackers-access.log').toBeDefined();
    await importFile(HACKERS, cliRows.length);

    await page.locator('[data-testid="filter-label"]').selectOption(label);
    await expect.poll(filtered, { timeout: 30_000 }).toBe(n);
    const rows = page.locator(ROWS);
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(Math.min(10, n));
    expect(await rows.count()).toBeLessThanOrEqual(Math.min(100, n));
    for (const chips of await rows.locator('[data-testid="session-labels"]').allTextContents()) expect(chips).toContain(label);

    await rows.first().locator('[data-testid="session-open"]').click();
    const evidence = page.locator('[data-testid="detail-label"]', { hasText: label });
    await evidence.waitFor();
    // The evidence is the numbers behind the label.
    expect(await text(evidence)).toMatch(new RegExp(`^${label} — .+: .*\\d`));
    const { risk, parts } = await riskShown();
    expect(Math.min(100, parts.reduce((s, [, p]) => s + p, 0))).toBe(risk);

    // Least risk, with the label cleared; then every filter cleared shows all again.
    await page.locator('[data-testid="filter-label"]').selectOption('');
    await page.locator('[data-testid="filter-min-risk"]').fill('1');
    await expect.poll(filtered, { timeout: 30_000 }).toBe(cliRows.filter((s) => s.risk >= 1).length);
    await page.locator('[data-testid="filter-clear"]').click();
    await expect.poll(filtered, { timeout: 30_000 }).toBe(cliRows.length);
    expect(await readTotal(page)).toBe(cliRows.length);

    // A label no session of this file has: none pass, and the page says so.
    const absent = ['brute-force', 'enumeration', 'error-burst'].find((l) => !counts.has(l));
    if (absent) {
      await page.locator('[data-testid="filter-label"]').selectOption(absent);
      await expect.poll(filtered, { timeout: 30_000 }).toBe(0);
      await page.locator('[data-testid="sessions-none-match"]').waitFor();
    }
  });
});
