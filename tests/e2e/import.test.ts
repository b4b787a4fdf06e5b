// The page end to end: preview and import a real log, try the sample, refuse bad files, give the
// format of a log no format fits, see a JSON log's fields. The CLI is the oracle of the counts (same
// core, run in Node). Needs build/ (`npm run build`) and Chromium.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../../scripts/gen-log.js';
import {
  SAMPLE,
  SHARED,
  cli,
  cliSessions,
  confirmImport,
  fileInput,
  keepEverything,
  launchBrowser,
  readTotal,
  startSite,
  waitForTotal,
  watchErrors
} from './browser';

const REAL = path.join(SHARED, 'access/logparser/hackers-access.log');
const UPLOAD = existsSync(REAL) ? REAL : SAMPLE;
if (UPLOAD !== REAL) console.warn(`e2e: ${REAL} is missing, uploading ${SAMPLE} instead`);

/** A log no known format fits, and the nginx log_format it was written with. */
const PROXY_LOG = path.join(SHARED, 'access/crowdsec-hub/nginx-proxy-manager-logs.log');
const PROXY_FORMAT =
  'nginx:[$time_local] $upstream_cache_status $upstream_status $status - $request_method $scheme $host "$request_uri" [Client $remote_addr] [Length $body_bytes_sent] [Gzip $gzip_ratio] [Sent-to $server] "$http_user_agent" "$http_referer"';
const CADDY_LOG = path.join(SHARED, 'access/formats/matomo/caddy_json.log');

const PREVIEW = '[data-testid="format-preview"]';
const IMPORT = '[data-testid="import-confirm"]';

let site: { url: string; close: () => Promise<void> };
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let tmp: string;

beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
  tmp = mkdtempSync(path.join(tmpdir(), 'sessionlens-e2e-'));
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// A new context per test: empty IndexedDB, no service worker, nothing left by another test.
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

describe('import', () => {
  it(`a log picked in the file input gives the CLI's session count, also after a reload (${path.basename(UPLOAD)})`, async () => {
    const expected = cliSessions(UPLOAD);
    expect(expected).toBeGreaterThan(0);
    await fileInput(page).setInputFiles(UPLOAD);
    await confirmImport(page);
    await waitForTotal(page);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(expected);

    await page.reload();
    await waitForTotal(page);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(expected);
  });

  it('"Try sample data" loads the bundled demo log', async () => {
    const expected = cliSessions(SAMPLE);
    expect(expected).toBeGreaterThan(0);
    await page.getByRole('button', { name: /Try sample data/ }).click();
    await waitForTotal(page);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(expected);
  });

  it('an empty file and a binary file are refused by name, and the stored sessions stay', async () => {
    await page.getByRole('button', { name: /Try sample data/ }).click();
    const before = await waitForTotal(page);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(cliSessions(SAMPLE));

    const empty = path.join(tmp, 'empty-access.log');
    writeFileSync(empty, '');
    const binary = path.join(tmp, 'holiday-photo.png');
    const rnd = mulberry32(5);
    const bytes = Buffer.alloc(64 * 1024, 0);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
    for (let i = 8; i < bytes.length; i++) if (rnd() < 0.7) bytes[i] = Math.floor(rnd() * 256);
    writeFileSync(binary, bytes);

    for (const file of [empty, binary]) {
      const name = path.basename(file);
      await fileInput(page).setInputFiles(file);
      await page.locator(PREVIEW).waitFor({ state: 'visible', timeout: 30_000 });
      if (file === binary) {
        // Refused in the preview already: it says why, and Import stays off.
        await page.locator('[data-testid="preview-error"]', { hasText: name }).waitFor({ timeout: 30_000 });
        await expect.poll(() => page.locator('[data-testid="preview-format"]').textContent()).toBe('cannot be read');
        expect(await page.locator(IMPORT).isDisabled()).toBe(true);
        await page.locator('[data-testid="import-discard"]').click();
        await page.locator(PREVIEW).waitFor({ state: 'detached' });
      } else {
        await confirmImport(page);
        const error = page.locator('[data-testid="import-error"]', { hasText: name });
        await error.waitFor({ state: 'visible', timeout: 30_000 });
      }
      expect(await readTotal(page), `session total after ${name}`).toBe(before);
      // And still after the page had time to do anything else.
      await page.waitForTimeout(500);
      expect(await readTotal(page), `session total a moment after ${name}`).toBe(before);
    }
  });
});

describe('format preview', () => {
  it.skipIf(!existsSync(PROXY_LOG))('a log no format fits waits for its nginx format string, then imports with it', async () => {
    const expected = cliSessions(PROXY_LOG, ['--format', PROXY_FORMAT]);
    expect(expected).toBeGreaterThan(0);
    const verbose = JSON.parse(cli(['summary', '--verbose', '--format', PROXY_FORMAT, PROXY_LOG])) as {
      malformed: number;
      malformedSamples: { file: string; line: number }[];
    };
    expect(verbose.malformed).toBeGreaterThan(0);

    // its requests span more than the 7 days kept by default
    await keepEverything(page);
    await fileInput(page).setInputFiles(PROXY_LOG);
    const format = page.locator('[data-testid="preview-format"]');
    await expect.poll(() => format.textContent(), { timeout: 30_000 }).toBe('not recognised');
    await expect.poll(() => page.locator(PREVIEW).textContent()).toContain('format not recognised');
    expect(await page.locator(IMPORT).isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="preview-row"]').count()).toBe(0);

    await page.locator('[data-testid="format-string"]').fill(PROXY_FORMAT);
    await expect.poll(() => format.textContent(), { timeout: 30_000 }).toBe(PROXY_FORMAT);
    await expect.poll(() => page.locator('[data-testid="preview-row"]').count()).toBeGreaterThan(0);
    const first = JSON.parse(cli(['preview', '--limit', '1', '--format', PROXY_FORMAT, PROXY_LOG]).split('\n')[0]) as { path: string };
    expect(await page.locator('[data-testid="preview-row"]').first().textContent()).toContain(first.path);
    expect(await readTotal(page), 'nothing imported before Import is pressed').toBe(0);

    await page.locator(IMPORT).click();
    await waitForTotal(page);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(expected);
    expect(await page.locator('[data-testid="summary-format"]').textContent()).toBe(PROXY_FORMAT);
    expect(Number(await page.locator('[data-testid="summary-malformed"]').textContent())).toBe(verbose.malformed);
    // The malformed lines, each with its file and line number, as the CLI keeps them.
    const samples = page.locator('[data-testid="malformed-sample"]');
    expect(await samples.count()).toBe(Math.min(20, verbose.malformedSamples.length));
    for (const [i, s] of verbose.malformedSamples.slice(0, 3).entries()) {
      expect(await samples.nth(i).textContent()).toContain(`${path.basename(s.file)}:${s.line}`);
    }
  });

  it.skipIf(!existsSync(CADDY_LOG))('a JSON log previews as json:caddy with its paths in columns', async () => {
    const parsed = cli(['preview', CADDY_LOG])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { format: string; path: string; status: number });
    expect(parsed.length).toBeGreaterThan(0);

    await fileInput(page).setInputFiles(CADDY_LOG);
    const format = page.locator('[data-testid="preview-format"]');
    await expect.poll(() => format.textContent(), { timeout: 30_000 }).toBe('json:caddy');
    expect(parsed[0].format).toBe('json:caddy');
    const rows = page.locator('[data-testid="preview-row"]');
    await expect.poll(() => rows.count()).toBe(Math.min(10, parsed.length));
    const headers = await page.locator(`${PREVIEW} th`).allTextContents();
    const pathColumn = headers.indexOf('Path');
    expect(pathColumn).toBeGreaterThan(0);
    for (const [i, r] of parsed.slice(0, 10).entries()) {
      expect(await rows.nth(i).locator('td').nth(pathColumn).textContent()).toBe(r.path);
      expect(await rows.nth(i).locator('td').nth(headers.indexOf('Status')).textContent()).toBe(String(r.status));
    }

    await page.locator(IMPORT).click();
    await waitForTotal(page);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(cliSessions(CADDY_LOG));
    expect(await page.locator('[data-testid="summary-format"]').textContent()).toBe('json:caddy');
  });
});
