// The page end to end: import a real log, try the sample, refuse bad files. The CLI is the
// oracle of the counts (same core, run in Node). Needs build/ (`npm run build`) and Chromium.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../../scripts/gen-log.js';
import { SAMPLE, SHARED, cliSessions, fileInput, launchBrowser, readTotal, startSite, waitForTotal, watchErrors } from './browser';

const REAL = path.join(SHARED, 'access/logparser/hackers-access.log');
const UPLOAD = existsSync(REAL) ? REAL : SAMPLE;
if (UPLOAD !== REAL) console.warn(`e2e: ${REAL} is missing, uploading ${SAMPLE} instead`);

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
      const error = page.locator('[data-testid="import-error"]', { hasText: name });
      await error.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await readTotal(page), `session total after ${name}`).toBe(before);
      // And still after the page had time to do anything else.
      await page.waitForTimeout(500);
      expect(await readTotal(page), `session total a moment after ${name}`).toBe(before);
    }
  });
});
