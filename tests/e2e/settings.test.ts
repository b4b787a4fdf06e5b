// The settings view on a real log (SPEC §5 Settings, §7 privacy mode): changing the timeout or the
// keys re-groups the stored requests in the worker, with progress, into the sessions the CLI makes
// with those options; keys are reordered with the list's buttons; a cancelled re-grouping leaves
// everything as it was; privacy mode masks IPs in the list, the detail and the CSV, and survives a
// reload while filtering by IP still matches real addresses. Needs build/, Chromium and ../shared/data.
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsv } from '../../src/lib/csv';
import { SHARED, cliSessions, confirmImport, fileInput, readTotal, showTab, waitForTotal, type PageSession, usePage } from './browser';

/** 10,000 lines of real combined log over four days (SOURCES.md 1.1). */
const REAL = path.join(SHARED, 'access/elastic-examples/apache_logs');
const HAVE_DATA = existsSync(REAL);
if (!HAVE_DATA) console.warn(`e2e settings: ${REAL} is missing (no ../shared/data): the re-grouping tests are skipped`);

let site: PageSession['site'];
let context: BrowserContext;
let page: Page;
let errors: string[];
usePage((s) => ({ site, context, page, errors } = s), { acceptDownloads: true });

const current = () => page.locator('[data-testid="grouping-current"]').textContent();
const minutes = () => page.locator('[data-testid="grouping-current-minutes"]').textContent();
const keyTexts = () => page.locator('[data-testid="grouping-key-text"]').allTextContents();

async function importReal(): Promise<number> {
  await waitForTotal(page, -1);
  await fileInput(page).setInputFiles(REAL);
  await confirmImport(page);
  await page.locator('[data-testid="import-summary"]').waitFor({ state: 'visible', timeout: 90_000 });
  const expected = cliSessions(REAL);
  await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(expected);
  return expected;
}

/** Presses Apply and waits for the re-grouping's report; the sessions tab then counts `expected`. */
async function applyAndWait(expected: number): Promise<void> {
  await page.locator('[data-testid="grouping-apply"]').click();
  await page.locator('[data-testid="regroup-report"]').waitFor({ state: 'visible', timeout: 90_000 });
  expect(await page.locator('[data-testid="regroup-sessions"]').textContent()).toBe(expected.toLocaleString('en-US'));
  await showTab(page, 'sessions');
  await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(expected);
  await showTab(page, 'settings');
}

describe('settings: re-grouping the stored requests', () => {
  it.skipIf(!HAVE_DATA)('timeout, then keys, then their order: each gives the CLI\'s sessions; a cancel changes nothing', async () => {
    await importReal();
    await showTab(page, 'settings');

    // Another timeout: progress while the worker groups the stored requests again.
    await page.locator('[data-testid="grouping-minutes"]').fill('10');
    await page.locator('[data-testid="grouping-will-regroup"]').waitFor({ state: 'visible' });
    let sawProgress = false;
    const watch = page.locator('[data-testid="regroup-progress"]').waitFor({ state: 'visible', timeout: 30_000 }).then(() => (sawProgress = true), () => {});
    await applyAndWait(cliSessions(REAL, ['--inactivity', '10m']));
    await watch;
    expect(sawProgress, 'a progress bar while re-grouping').toBe(true);
    expect(await minutes()).toBe('10');

    // ip+ua → ip with the list: add "IP address", remove "ip+ua".
    expect(await keyTexts()).toEqual(['ip+ua']);
    await page.locator('[data-testid="grouping-add-kind"]').selectOption('ip');
    await page.locator('[data-testid="grouping-add"]').click();
    expect(await keyTexts()).toEqual(['ip+ua', 'ip']);
    await page.getByRole('button', { name: 'Remove ip+ua' }).click();
    expect(await keyTexts()).toEqual(['ip']);
    expect(await page.locator('[data-testid="grouping-keys"]').inputValue()).toBe('ip');
    await applyAndWait(cliSessions(REAL, ['--key', 'ip', '--inactivity', '10m']));
    expect(await current()).toBe('ip');
    await showTab(page, 'sessions');
    expect(await page.locator('[data-testid="session-key"]').first().textContent()).toBe('ip');
    await showTab(page, 'settings');

    // Reorder from the keyboard: add "user", move it up; focus stays on the key moved.
    await page.locator('[data-testid="grouping-add-kind"]').selectOption('user');
    await page.locator('[data-testid="grouping-add"]').click();
    expect(await keyTexts()).toEqual(['ip', 'user']);
    await page.getByRole('button', { name: 'Move user up' }).focus();
    await page.keyboard.press('Enter');
    expect(await keyTexts()).toEqual(['user', 'ip']);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Move user down');
    await applyAndWait(cliSessions(REAL, ['--key', 'user,ip', '--inactivity', '10m']));
    expect(await current()).toBe('user,ip');

    // Cancelled midway: the same log imported again on purpose three times (the same sessions, each
    // request four times), so the re-grouping reads four imports; cancelled once the first is read
    // back and staged, the stored sessions and the settings stay as they were.
    const before = cliSessions(REAL, ['--key', 'user,ip', '--inactivity', '10m']);
    for (let i = 0; i < 3; i++) {
      await fileInput(page).setInputFiles(REAL);
      await confirmImport(page);
      await expect.poll(() => page.locator('[data-testid="import-error"]').getAttribute('data-kind'), { timeout: 30_000 }).toBe('duplicate');
      await page.locator('[data-testid="import-again"]').click();
      await page.locator('[data-testid="import-summary"]').waitFor({ state: 'visible', timeout: 90_000 });
    }
    await showTab(page, 'sessions');
    await expect.poll(() => readTotal(page)).toBe(before);
    await showTab(page, 'settings');
    await page.locator('[data-testid="grouping-minutes"]').fill('45');
    await page.locator('[data-testid="grouping-apply"]').click();
    await expect.poll(() => page.locator('[data-testid="regroup-figures"]').textContent(), { timeout: 60_000, interval: 20 }).toMatch(/\(import [2-4] of 4\)/);
    await page.locator('[data-testid="regroup-cancel"]').click();
    await expect.poll(() => page.locator('[data-testid="settings-error"]').textContent(), { timeout: 30_000 }).toContain('cancelled');
    expect(await minutes()).toBe('10');
    expect(await current()).toBe('user,ip');
    await showTab(page, 'sessions');
    expect(await readTotal(page)).toBe(before);
    await page.reload();
    expect(await waitForTotal(page)).toBe(before);
  });
});

describe('settings: privacy mode', () => {
  it.skipIf(!HAVE_DATA)('masks IPs in the list, the detail and the CSV, survives a reload, and filters still match real addresses', async () => {
    await importReal();
    const firstIp = (await page.locator('[data-testid="session-ip"]').first().textContent())!;
    expect(firstIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    await showTab(page, 'settings');
    await page.locator('[data-testid="privacy-mask"]').check();
    await showTab(page, 'sessions');
    const ips = () => page.locator('[data-testid="session-ip"]').allTextContents();
    await expect.poll(async () => (await ips()).every((ip) => /^\d+\.\d+\.x\.x$/.test(ip))).toBe(true);
    const [a, b] = firstIp.split('.');
    expect((await ips())[0]).toBe(`${a}.${b}.x.x`);

    // the detail and its CSV
    await page.locator('[data-testid="session-open"]').first().click();
    await page.locator('[data-testid="session-detail"]').waitFor();
    expect(await page.locator('[data-testid="detail-ip"]').textContent()).toMatch(new RegExp(`^${a}\\.${b}\\.x\\.x`));
    await page.locator('[data-testid="request-row"]').first().waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="requests-csv"]').click()]);
    const csv = parseCsv(readFileSync((await download.path())!, 'utf8'));
    const ipCol = csv[0].indexOf('ip');
    expect(csv.length).toBeGreaterThan(1);
    for (const row of csv.slice(1)) expect(row[ipCol]).toBe(`${a}.${b}.x.x`);
    await page.locator('[data-testid="detail-close"]').click();

    // filtering by a real address still finds its sessions
    await page.locator('[data-testid="filter-ip"]').fill(firstIp);
    await page.locator('[data-testid="filter-ip"]').press('Enter');
    await expect.poll(async () => (await ips()).length > 0 && (await ips()).every((ip) => ip === `${a}.${b}.x.x`), { timeout: 30_000 }).toBe(true);

    // kept across a reload
    await page.reload();
    await waitForTotal(page);
    await expect.poll(async () => (await ips()).length > 0 && (await ips()).every((ip) => /^\d+\.\d+\.x\.x$/.test(ip))).toBe(true);
    await showTab(page, 'settings');
    expect(await page.locator('[data-testid="privacy-mask"]').isChecked()).toBe(true);
    await page.locator('[data-testid="privacy-mask"]').uncheck();
    await showTab(page, 'sessions');
    await expect.poll(async () => (await ips()).includes(firstIp)).toBe(true);
  });
});
