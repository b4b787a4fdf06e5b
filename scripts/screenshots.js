#!/usr/bin/env node
// The README's screenshots, taken from the built app on a real log (`npm run screenshots`): imports
// ../shared/data/access/logparser/hackers-access.log (Apache-2.0, nielsbasjes/logparser; real bot
// traffic of a home web server) through the file input, in headless Chromium, and writes
// docs/screenshots/{sessions,session-detail,endpoints,overview,settings}.png. Needs build/ and
// Debian's Chromium. Checked by eye, then committed.
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './serve.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const LOG = path.join(ROOT, '../shared/data/access/logparser/hackers-access.log');
const OUT = path.join(ROOT, 'docs/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

async function main() {
  if (!existsSync(LOG)) throw new Error(`${LOG} is missing: the screenshots are of that log`);
  mkdirSync(OUT, { recursive: true });
  const site = await startServer(path.join(ROOT, 'build'), { port: 0, host: '127.0.0.1' });
  const profile = mkdtempSync(path.join(tmpdir(), 'sessionlens-shots-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 1000 }, colorScheme: 'light' });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const total = () => page.locator('[data-testid="session-total"]').textContent();
    await page.goto(site.url);
    await page.waitForFunction(() => document.querySelector('[data-testid="session-total"]')?.textContent?.trim() === '0');
    // the log is from 2015: keep every day of it
    await page.locator('[data-testid="tab-settings"]').click();
    const panel = page.locator('[data-testid="storage-panel"]');
    if (!(await panel.evaluate((d) => /** @type {HTMLDetailsElement} */ (d).open))) await panel.locator('summary').click();
    await page.locator('[data-testid="retention-days"]').fill('36500');
    await panel.locator('button[type="submit"]').click();
    await panel.locator('button[type="submit"]:disabled').waitFor();
    await page.locator('[data-testid="tab-sessions"]').click();
    await page.locator('input[type="file"]').first().setInputFiles(LOG);
    await page.locator('[data-testid="import-confirm"]').click({ timeout: 60_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="session-total"]')?.textContent) > 0, null, { timeout: 120_000 });
    console.log(`imported: ${await total()} sessions`);

    const shot = async (name, locator) => {
      await page.waitForTimeout(400); // charts and rows settle
      await (locator ?? page).screenshot({ path: path.join(OUT, `${name}.png`) });
      console.log(`wrote docs/screenshots/${name}.png`);
    };
    // Sessions, riskiest first, with the import's summary above.
    await page.locator('[data-testid="sort-risk"]').click();
    await page.locator('[data-testid="session-row"]').first().waitFor();
    await shot('sessions', page.locator('[data-testid="sessions-view"]'));
    // The riskiest session's detail.
    await page.locator('[data-testid="session-row"] [data-testid="session-open"]').first().click();
    await page.locator('[data-testid="timeline-chart"] canvas').first().waitFor();
    await shot('session-detail', page.locator('[data-testid="session-detail"]'));
    for (const tab of ['endpoints', 'overview', 'settings']) {
      await page.locator(`[data-testid="tab-${tab}"]`).click();
      await page.locator(`[data-testid="tab-${tab}"][aria-current="page"]`).waitFor();
      // the view only: from its tabs to the end of the page
      const nav = await page.locator('nav.tabs').boundingBox();
      const main = await page.locator('main').boundingBox();
      if (!nav || !main) throw new Error('no view to shoot');
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(OUT, `${tab}.png`), fullPage: true, clip: { x: main.x, y: nav.y, width: main.width, height: main.y + main.height - nav.y } });
      console.log(`wrote docs/screenshots/${tab}.png`);
    }
  } finally {
    await context.close();
    await site.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
