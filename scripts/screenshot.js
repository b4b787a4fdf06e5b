#!/usr/bin/env node
// Screenshots of the built page for the README and for a look by eye:
//   node scripts/screenshot.js [--log FILE] [--out docs/screenshots] [--theme light|dark] [--attack TYPE]
// Serves build/, imports FILE (default: the bundled demo) through the file input and saves PNGs.
// With --attack, also filters the sessions by that attack type (or '*' for any), opens the first
// one and saves its detail (detail-THEME.png).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './serve.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const log = path.resolve(arg('log', path.join(root, 'static/sample/demo-access.log')));
const out = path.resolve(arg('out', path.join(root, 'docs/screenshots')));
const theme = arg('theme', 'light');
const attack = arg('attack', undefined);
mkdirSync(out, { recursive: true });

const site = await startServer(path.join(root, 'build'), { port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
});
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 }, colorScheme: theme === 'dark' ? 'dark' : 'light' });
  await page.goto(site.url);
  await page.locator('input[type=file]').setInputFiles(log);
  // The page first previews the format; the import goes on once Import is pressed.
  await page.locator('[data-testid="import-confirm"]').click({ timeout: 60_000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="session-total"]')?.textContent) > 0, null, { timeout: 60_000 });
  await page.waitForTimeout(300);
  const file = path.join(out, `start-${theme}.png`);
  await page.screenshot({ path: file, fullPage: false });
  console.log(file);
  if (attack) {
    await page.locator('[data-testid="filter-attack"]').selectOption(attack);
    await page.locator('[data-testid="sort-risk"]').check();
    await page.waitForTimeout(300);
    await page.locator('[data-testid="session-open"]').first().click();
    const detail = page.locator('[data-testid="session-detail"]');
    await detail.waitFor({ state: 'visible' });
    // The filters, the rows and the detail below them in one picture.
    await page.locator('[data-testid="session-filters"]').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(200);
    const shot = path.join(out, `detail-${theme}.png`);
    await page.screenshot({ path: shot, fullPage: false });
    await detail.screenshot({ path: path.join(out, `detail-panel-${theme}.png`) });
    console.log(shot);
  }
} finally {
  await browser.close();
  await site.close();
}
