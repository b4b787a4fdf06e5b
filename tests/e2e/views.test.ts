// The endpoints view and the overview (SPEC §5, issue 6) on real logs, the CLI (same core, in Node)
// as the oracle: the endpoint table sorted and filtered is the CLI's `endpoints` sorted and filtered
// alike; the URL restores the view (a new page, back); a session count lists exactly that endpoint's
// sessions; the overview's totals and attack counts are the CLI's; the charts draw in both themes.
// Needs build/, Chromium and ../shared/data.
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SHARED, cli, confirmImport, fileInput, keepEverything, showTab, waitForTotal, watchErrors, type PageSession, usePage } from './browser';

/** Six months of a honeypot's traffic: 2,248 endpoints, most of them attacked, many methods. */
const HONEYNET = path.join(SHARED, 'access/honeynet-2004/honeynet-redhat71_httpd_access_log_2004-04-21_to_2004-10-11.log.gz');
/** Traefik JSON with durations: latency percentiles. */
const TRAEFIK = path.join(SHARED, 'access/crowdsec-hub/traefik_base-http-scenario.log');
for (const f of [HONEYNET, TRAEFIK]) if (!existsSync(f)) console.warn(`e2e views: ${f} is missing (no ../shared/data): its test is skipped`);

interface CliEndpoint {
  endpoint: string;
  method: string;
  path: string;
  requests: number;
  sessions: number;
  bytes: number;
  p99: number | null;
  status: Record<string, number>;
  attacks: Record<string, number>;
}
interface CliSummary {
  requests: number;
  sessions: number;
}

const ROWS = '[data-testid="endpoint-row"]';

let site: PageSession['site'];
let context: BrowserContext;
let page: Page;
let errors: string[];
usePage((s) => ({ site, context, page, errors } = s));

const endpointsOf = (file: string) =>
  cli(['endpoints', file])
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CliEndpoint);
const byName = (a: CliEndpoint, b: CliEndpoint) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0);
const shownEndpoints = (p: Page) => p.locator(ROWS).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-endpoint')));
const number = async (p: Page, testid: string) => Number(((await p.locator(`[data-testid="${testid}"]`).first().textContent()) ?? '').replace(/\D/g, ''));
const query = (p: Page) => new URL(p.url()).searchParams;

async function importLog(file: string): Promise<void> {
  await keepEverything(page); // logs of years ago: keep every day
  await fileInput(page).setInputFiles(file);
  await confirmImport(page);
  await waitForTotal(page, 0, 120_000);
}

/** Draws of every chart on the page, as images: they change with the theme's colours. */
const chartImages = (p: Page) => p.locator('[data-testid^="chart-"] canvas').evaluateAll((cs) => cs.map((c) => (c as HTMLCanvasElement).toDataURL()));

async function setTheme(p: Page, theme: 'light' | 'dark'): Promise<void> {
  await p.locator('[data-testid="theme"]').selectOption(theme);
  await expect.poll(() => p.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
}

describe('the endpoints view and the overview', () => {
  it.skipIf(!existsSync(HONEYNET))('honeynet: endpoints sorted and filtered as the CLI counts them, in the URL; a session count lists that endpoint’s sessions; the overview’s figures; charts in both themes', async () => {
    const all = endpointsOf(HONEYNET);
    const summary = JSON.parse(cli(['summary', HONEYNET])) as CliSummary;
    await importLog(HONEYNET);

    // By requests, most first (the CLI's order), a page of 50 at a time.
    await showTab(page, 'endpoints');
    await page.locator(ROWS).first().waitFor({ timeout: 30_000 });
    expect(await number(page, 'endpoint-total')).toBe(all.length);
    expect(await shownEndpoints(page)).toEqual(all.slice(0, 50).map((e) => e.endpoint));
    await page.locator('[data-testid="ep-next"]').click();
    await expect.poll(() => shownEndpoints(page)).toEqual(all.slice(50, 100).map((e) => e.endpoint));

    // Bytes: most first, then fewest first (ties by endpoint both ways).
    await page.locator('[data-testid="ep-sort-bytes"]').click();
    await expect.poll(() => query(page).get('ep-sort')).toBe('-bytes');
    const bytesDown = [...all].sort((a, b) => b.bytes - a.bytes || byName(a, b));
    await expect.poll(() => shownEndpoints(page)).toEqual(bytesDown.slice(0, 50).map((e) => e.endpoint));
    await page.locator('[data-testid="ep-sort-bytes"]').click();
    await expect.poll(() => query(page).get('ep-sort')).toBe('bytes');
    const bytesUp = [...all].sort((a, b) => a.bytes - b.bytes || byName(a, b));
    await expect.poll(() => shownEndpoints(page)).toEqual(bytesUp.slice(0, 50).map((e) => e.endpoint));
    expect(await page.locator('[data-testid="ep-sort-bytes"]').locator('..').getAttribute('aria-sort')).toBe('ascending');
    // Sessions, most first.
    await page.locator('[data-testid="ep-sort-sessions"]').click();
    const sessionsDown = [...all].sort((a, b) => b.sessions - a.sessions || byName(a, b));
    await expect.poll(() => shownEndpoints(page)).toEqual(sessionsDown.slice(0, 50).map((e) => e.endpoint));

    // Filters: a wildcard search, a method, attacked only, a status class, least requests.
    const re = /scripts.*\.exe/i;
    const wanted = sessionsDown.filter((e) => e.method === 'GET' && re.test(e.endpoint) && Object.keys(e.attacks).length > 0 && (e.status['4xx'] ?? 0) > 0 && e.requests >= 2);
    expect(wanted.length).toBeGreaterThan(1);
    await page.locator('[data-testid="ep-search"]').fill('scripts*.exe');
    await page.locator('[data-testid="ep-search"]').press('Enter');
    await page.locator('[data-testid="ep-method"]').selectOption('GET');
    await page.locator('[data-testid="ep-attacked"]').check();
    await page.locator('[data-testid="ep-status"]').selectOption('4xx');
    await page.locator('[data-testid="ep-min"]').fill('2');
    await expect.poll(() => number(page, 'ep-matched'), { timeout: 30_000 }).toBe(wanted.length);
    await expect.poll(() => shownEndpoints(page)).toEqual(wanted.slice(0, 50).map((e) => e.endpoint));
    await expect.poll(() => query(page).get('ep-min')).toBe('2');
    const q = query(page);
    expect([q.get('tab'), q.get('ep'), q.get('ep-method'), q.get('ep-attacked'), q.get('ep-status'), q.get('ep-sort')]).toEqual(['endpoints', 'scripts*.exe', 'GET', '1', '4xx', '-sessions']);

    // The link in a new page: the same view.
    const url = page.url();
    const other = await context.newPage();
    const otherErrors = watchErrors(other);
    await other.goto(url);
    await other.locator(ROWS).first().waitFor({ timeout: 60_000 });
    await expect.poll(() => shownEndpoints(other)).toEqual(wanted.slice(0, 50).map((e) => e.endpoint));
    expect(await other.locator('[data-testid="ep-search"]').inputValue()).toBe('scripts*.exe');
    expect(await other.locator('[data-testid="ep-attacked"]').isChecked()).toBe(true);
    await other.close();
    expect(otherErrors).toEqual([]);

    // Back: the least requests goes.
    await page.goBack();
    await expect.poll(() => query(page).get('ep-min')).toBeNull();
    const withoutMin = wanted.length + sessionsDown.filter((e) => e.method === 'GET' && re.test(e.endpoint) && Object.keys(e.attacks).length > 0 && (e.status['4xx'] ?? 0) > 0 && e.requests < 2).length;
    await expect.poll(() => number(page, 'ep-matched')).toBe(withoutMin);
    await page.goForward();
    await expect.poll(() => number(page, 'ep-matched')).toBe(wanted.length);

    // A session count: the sessions list filtered by exactly that endpoint (a template that others
    // contain, so "contains" would list more).
    const target = all.find((e) => e.sessions > 1 && all.some((o) => o !== e && o.method === e.method && o.path.startsWith(e.path) && o.path !== e.path))!;
    expect(target).toBeTruthy();
    await page.locator('[data-testid="ep-clear"]').click();
    await page.locator('[data-testid="ep-search"]').fill(`"${target.path}"`);
    await page.locator('[data-testid="ep-search"]').press('Enter');
    await page.locator('[data-testid="ep-method"]').selectOption(target.method);
    await expect.poll(() => shownEndpoints(page)).toEqual([target.endpoint]);
    await page.locator(`${ROWS} [data-testid="endpoint-sessions"]`).click();
    await page.locator('[data-testid="tab-sessions"][aria-current="page"]').waitFor();
    await expect.poll(() => number(page, 'filtered-total'), { timeout: 30_000 }).toBe(target.sessions);
    expect(query(page).get('endpoint')).toBe(`"${target.path}"`);
    expect(query(page).get('method')).toBe(target.method);
    // …and back to the endpoint
    await page.goBack();
    await expect.poll(() => shownEndpoints(page)).toEqual([target.endpoint]);

    // The overview: the CLI's totals and attack counts, every chart drawn, in both themes.
    await setTheme(page, 'light');
    await page.locator('[data-testid="filter-clear"]').count(); // (no sessions filter is set)
    await showTab(page, 'overview');
    await page.locator('[data-testid="overview-sessions"]').waitFor({ timeout: 30_000 });
    expect(await number(page, 'overview-sessions')).toBe(summary.sessions);
    expect(await number(page, 'overview-requests')).toBe(summary.requests);
    expect(await number(page, 'overview-endpoints')).toBe(all.length);
    const attacks: Record<string, number> = {};
    for (const e of all) for (const [t, n] of Object.entries(e.attacks)) attacks[t] = (attacks[t] ?? 0) + n;
    const shownAttacks = await page
      .locator('[data-testid="ov-attack"]')
      .evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-type'), Number(r.querySelector('[data-testid="ov-attack-count"]')?.textContent)] as const));
    expect(Object.fromEntries(shownAttacks.filter(([, n]) => n > 0))).toEqual(attacks);
    expect(await number(page, 'overview-attacks')).toBe(Object.values(attacks).reduce((a, b) => a + b, 0));
    // the requests over time add up to the total (the figures table beside the chart)
    const perBucket = await page.locator('[data-testid="ov-time-figures"] tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.children[2].textContent)));
    expect(perBucket.reduce((a, b) => a + b, 0)).toBe(summary.requests);
    expect(perBucket.length).toBeLessThanOrEqual(240);

    for (const id of ['chart-traffic', 'chart-status', 'chart-attacks']) await page.locator(`[data-testid="${id}"] canvas`).first().waitFor({ timeout: 10_000 });
    const light = await chartImages(page);
    expect(light.length).toBeGreaterThanOrEqual(3);
    await setTheme(page, 'dark');
    await expect.poll(async () => (await chartImages(page)).every((img, k) => img !== light[k]), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('[data-testid^="chart-"]').evaluateAll((cs) => cs.every((c) => c.getAttribute('role') === 'img' && !!c.getAttribute('aria-label')))).toBe(true);

    // A time window on the sessions filter narrows the overview to the sessions overlapping it.
    const sessions = cli(['sessions', HONEYNET])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { start: string; end: string });
    const from = Date.UTC(2004, 6, 1);
    const to = Date.UTC(2004, 6, 31, 23, 59, 59);
    const overlapping = sessions.filter((s) => Date.parse(s.end) >= from && Date.parse(s.start) <= to).length;
    await page.goto(`${site.url}?tab=overview&from=2004-07-01T00:00:00Z&to=2004-07-31T23:59:59Z`);
    await expect.poll(() => number(page, 'overview-sessions'), { timeout: 30_000 }).toBe(overlapping);
    expect(await page.locator('[data-testid="overview-window"]').textContent()).toContain('time window');
  });

  it.skipIf(!existsSync(TRAEFIK))('traefik JSON: latency percentiles, sorted by p99 as the CLI has them', async () => {
    const all = endpointsOf(TRAEFIK);
    await importLog(TRAEFIK);
    await showTab(page, 'endpoints');
    await page.locator(ROWS).first().waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="ep-sort-p99"]').click();
    const slowest = [...all].sort((a, b) => (b.p99 ?? -1) - (a.p99 ?? -1) || byName(a, b));
    await expect.poll(() => shownEndpoints(page)).toEqual(slowest.slice(0, 50).map((e) => e.endpoint));

    await showTab(page, 'overview');
    await page.locator('[data-testid="ov-latency-overall"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="chart-latency"] canvas').first().waitFor();
    const rows = await page.locator('[data-testid="ov-latency"] tbody tr').count();
    expect(rows).toBe(Math.min(10, all.filter((e) => e.p99 !== null).length));
    // its busiest endpoint's p99 as the CLI prints it (ms, as the table rounds it)
    const busiest = all.filter((e) => e.p99 !== null)[0];
    const cells = await page.locator('[data-testid="ov-latency"] tbody tr').first().locator('td').allTextContents();
    expect(cells[0]).toBe(String(busiest.requests));
    expect(Number(cells[3])).toBeCloseTo(busiest.p99!, 1);
  });
});
