// The sources of SPEC §1 beyond the file picker, and the progress of an import (issue 5): a folder
// chosen in the folder picker, pasted lines, a URL streamed by the worker from another origin, URLs that
// cannot be fetched, the progress figures of a large generated log, and Cancel in the middle of a
// streamed one. The CLI is the oracle of the counts. Needs build/ (`npm run build`) and Chromium.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateLog, writeLog } from '../../scripts/gen-log.js';
import { SAMPLE, cli, cliSessions, confirmImport, fileInput, launchBrowser, readTotal, startSite, waitForTotal, watchErrors } from './browser';

const PREVIEW = '[data-testid="format-preview"]';
const IMPORT = '[data-testid="import-confirm"]';
const PROGRESS = '[data-testid="import-progress"]';

let site: { url: string; close: () => Promise<void> };
let logs: LogServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let tmp: string;

/** A small generated log (plain file) and a larger one streamed slowly, both served by `logs`. */
let smallLog: string;
let slowLog: string;

/**
 * Another origin serving logs, as a user's log server would (127.0.0.1 on another port: the policy
 * allows http from this machine). `/cors/NAME` allows any page to read it; `/nocors/NAME` does not;
 * `/slow/NAME` allows it and sends it in 64 KiB pieces SLOW_PIECE_MS apart, recording whether the
 * reader hung up before the end.
 */
interface LogServer {
  origin: string;
  files: Map<string, string>;
  /** How each `/slow/NAME` response went, in order. */
  slow: ('sending' | 'sent' | 'hung up')[];
  close: () => Promise<void>;
}

const SLOW_PIECE_MS = 12;

async function startLogServer(): Promise<LogServer> {
  const files = new Map<string, string>();
  const slow: LogServer['slow'] = [];
  const server = http.createServer((req, res) => {
    const [, mode, name] = new URL(req.url ?? '/', 'http://x').pathname.split('/');
    const file = files.get(name);
    if (!file || !['cors', 'nocors', 'slow'].includes(mode)) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end('not found');
      return;
    }
    const body = readFileSync(file);
    const headers: Record<string, string> = { 'Content-Type': 'text/plain', 'Content-Length': String(body.length) };
    if (mode !== 'nocors') headers['Access-Control-Allow-Origin'] = '*';
    res.writeHead(200, headers);
    if (mode !== 'slow') {
      res.end(body);
      return;
    }
    const at = slow.push('sending') - 1;
    let offset = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      const piece = body.subarray(offset, offset + 65536);
      offset += piece.length;
      if (offset >= body.length) {
        clearInterval(timer);
        res.end(piece, () => (slow[at] = 'sent'));
      } else res.write(piece);
    }, SLOW_PIECE_MS);
    res.on('close', () => {
      clearInterval(timer);
      if (slow[at] === 'sending') slow[at] = 'hung up';
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    files,
    slow,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())))
  };
}

/** A port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function writeGenerated(file: string, lines: number, seed: number): Promise<string> {
  const out = createWriteStream(file);
  await writeLog({ lines, seed }, out);
  out.end();
  await finished(out);
  return file;
}

/** `sessionlens summary FILE…`: the CLI's summary of these files as one import. */
function cliSummary(files: string[]): { sessions: number; lines: number; requests: number } {
  return JSON.parse(cli(['summary', ...files]));
}

beforeAll(async () => {
  site = await startSite();
  logs = await startLogServer();
  browser = await launchBrowser();
  tmp = mkdtempSync(path.join(tmpdir(), 'sessionlens-e2e-sources-'));
  smallLog = await writeGenerated(path.join(tmp, 'small-access.log'), 3000, 21);
  // ~12 MB: at 64 KiB every SLOW_PIECE_MS it takes a few seconds to stream.
  slowLog = await writeGenerated(path.join(tmp, 'slow-access.log'), 50_000, 22);
  logs.files.set('access.log', smallLog);
  logs.files.set('slow.log', slowLog);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await logs?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// A new context per test: empty IndexedDB, nothing left by another test.
beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
  errors = watchErrors(page);
  await page.goto(site.url);
  await page.locator('[data-testid="session-total"], [data-testid="sessions-empty"]').first().waitFor({ timeout: 30_000 });
});

afterEach(async () => {
  await context?.close();
  expect(errors, 'console errors or uncaught exceptions in the page').toEqual([]);
});

/** The names of the files in the open preview, in order. */
async function previewNames(): Promise<string[]> {
  await page.locator(PREVIEW).waitFor({ state: 'visible', timeout: 30_000 });
  await page.locator('[data-testid="preview-file"]').first().waitFor({ timeout: 30_000 });
  return page.locator('[data-testid="preview-file"] h3').allTextContents();
}

/** The sample imported first, so that there are stored sessions a failure must leave alone. */
async function importSample(): Promise<number> {
  await page.getByRole('button', { name: /Try sample data/ }).click();
  const expected = cliSessions(SAMPLE);
  await waitForTotal(page);
  await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(expected);
  return expected;
}

describe('a folder', () => {
  it('chosen in the folder picker imports every file in it, hidden ones left out, as the same files imported together', async () => {
    const folder = path.join(tmp, 'server-logs');
    mkdirSync(path.join(folder, 'older'), { recursive: true });
    // One generated log cut in two at a line boundary: sessions cross the cut.
    const text = generateLog({ lines: 4000, seed: 31 });
    const cut = text.indexOf('\n', Math.floor(text.length / 2)) + 1;
    const part1 = path.join(folder, 'older', 'access.log.1');
    const part2 = path.join(folder, 'access.log');
    writeFileSync(part1, text.slice(0, cut));
    writeFileSync(part2, text.slice(cut));
    // What a Mac leaves in a folder: were it read, its preview would refuse it and block Import.
    writeFileSync(path.join(folder, '.DS_Store'), Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31, 0, 0, 0x10, 0]));
    const expected = cliSummary([part1, part2]).sessions;
    expect(expected).toBeGreaterThan(0);
    expect(expected, 'the halves alone would count more: the test sees whether both were imported as one').toBeLessThan(
      cliSessions(part1) + cliSessions(part2)
    );

    await page.locator('[data-testid="folder-input"]').setInputFiles(folder);
    expect(await previewNames()).toEqual(['server-logs/access.log', 'server-logs/older/access.log.1']);
    await page.locator(IMPORT).click();
    await waitForTotal(page);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(expected);
    expect(await page.locator('[data-testid="summary-files"]').textContent()).toBe('2');
  });

  it('with hidden files only says there is nothing to import', async () => {
    const folder = path.join(tmp, 'mac-junk');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, '.DS_Store'), 'x');
    await page.locator('[data-testid="folder-input"]').setInputFiles(folder);
    await expect.poll(() => page.locator('[data-testid="drop-problem"]').textContent()).toContain('only hidden files');
    expect(await page.locator(PREVIEW).count()).toBe(0);
  });
});

describe('pasted text', () => {
  it('is previewed as pasted.log and imported like the same lines in a file', async () => {
    const text = generateLog({ lines: 400, seed: 41 });
    const file = path.join(tmp, 'pasted-copy.log');
    writeFileSync(file, text);
    const expected = cliSessions(file);

    const button = page.locator('[data-testid="paste-preview"]');
    expect(await button.isDisabled(), 'nothing pasted, nothing to preview').toBe(true);
    await page.getByLabel('Paste log lines').fill(text);
    await button.click();
    expect(await previewNames()).toEqual(['pasted.log']);
    await expect.poll(() => page.locator('[data-testid="preview-format"]').textContent(), { timeout: 30_000 }).toBe('combined');
    await page.locator(IMPORT).click();
    await waitForTotal(page);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(expected);
    expect(Number(await page.locator('[data-testid="summary-lines"]').textContent())).toBe(400);
  });
});

describe('a URL', () => {
  it('from another origin that allows it (CORS) is previewed, then streamed and imported by the worker', async () => {
    const url = `${logs.origin}/cors/access.log`;
    await page.getByLabel('Stream from URL').fill(`${url}?token=not-shown`);
    await page.locator('[data-testid="url-preview"]').click();
    expect(await previewNames(), 'named without its query').toEqual([url]);
    await expect.poll(() => page.locator('[data-testid="preview-format"]').textContent(), { timeout: 30_000 }).toBe('combined');
    await page.locator(IMPORT).click();
    await waitForTotal(page);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(cliSessions(smallLog));
    expect(Number(await page.locator('[data-testid="summary-lines"]').textContent())).toBe(3000);
  });

  it('that cannot be fetched says so naming the URL, and the stored sessions stay', async () => {
    const before = await importSample();
    const expectedErrors: RegExp[] = [];
    const why = 'the server did not allow this page to read it (CORS) or could not be reached.';

    // Nothing listens there; then a server that does not allow this page to read its answer.
    const dead = `http://127.0.0.1:${await closedPort()}/access.log`;
    const refused = `${logs.origin}/nocors/access.log`;
    for (const url of [dead, refused]) {
      await page.getByLabel('Stream from URL').fill(url);
      await page.locator('[data-testid="url-preview"]').click();
      const error = page.locator('[data-testid="preview-error"]');
      await error.waitFor({ timeout: 30_000 });
      expect(await error.textContent()).toBe(`Could not fetch ${url}: ${why}`);
      expect(await page.locator(IMPORT).isDisabled()).toBe(true);
      await page.locator('[data-testid="import-discard"]').click();
      await page.locator(PREVIEW).waitFor({ state: 'detached' });
      // Chromium reports both on the console; the page cannot silence it.
      expectedErrors.push(url === dead ? /ERR_CONNECTION_REFUSED/ : /blocked by CORS policy/);
    }

    // Plain http across the network is refused by the form, before anything is asked for.
    await page.getByLabel('Stream from URL').fill('http://logs.example.com/access.log');
    await page.locator('[data-testid="url-preview"]').click();
    expect(await page.locator('[data-testid="url-error"]').textContent()).toContain('plain http on another host');
    expect(await page.locator(PREVIEW).count()).toBe(0);

    expect(await readTotal(page)).toBe(before);
    await page.waitForTimeout(300);
    expect(await readTotal(page)).toBe(before);
    const unexpected = errors.filter((e) => !expectedErrors.some((re) => re.test(e)));
    expect(unexpected).toEqual([]);
    errors.length = 0;
  });
});

describe('progress', () => {
  it('of a large generated log in two files: bytes, lines, lines/s and MiB/s, each file read in turn, then the CLI’s count', async () => {
    const a = await writeGenerated(path.join(tmp, 'big-1.log'), 250_000, 51);
    const b = await writeGenerated(path.join(tmp, 'big-2.log'), 250_000, 52);
    const expected = cliSummary([a, b]);

    await fileInput(page).setInputFiles([a, b]);
    await confirmImport(page);
    await page.locator(PROGRESS).waitFor({ state: 'visible', timeout: 30_000 });
    // Watched from inside the page, every frame, for what a reader sees go by.
    const seen = await page.evaluate(
      () =>
        new Promise<{ lineRate: number; byteRate: number; states: string[]; rateText: string; bytesText: string }>((resolve) => {
          const out = { lineRate: 0, byteRate: 0, states: [] as string[], rateText: '', bytesText: '' };
          const look = () => {
            const root = document.querySelector('[data-testid="import-progress"]');
            if (!root) return resolve(out);
            const num = (id: string) => Number(root.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-value') || 0);
            if (num('progress-lines-rate') > out.lineRate) {
              out.lineRate = num('progress-lines-rate');
              out.rateText = root.querySelector('[data-testid="progress-lines-rate"]')?.textContent ?? '';
            }
            out.byteRate = Math.max(out.byteRate, num('progress-bytes-rate'));
            const states = [...root.querySelectorAll('[data-testid="progress-file"]')].map((li) => li.getAttribute('data-state')).join(',');
            if (out.states.at(-1) !== states) out.states.push(states);
            if (num('progress-bytes') > 0) out.bytesText = root.querySelector('[data-testid="progress-bytes"]')?.textContent ?? '';
            requestAnimationFrame(look);
          };
          look();
        })
    );
    expect(seen.lineRate, 'lines/s shown while importing').toBeGreaterThan(0);
    expect(seen.rateText).toMatch(/^[\d,]+ lines\/s$/);
    expect(seen.byteRate).toBeGreaterThan(0);
    expect(seen.bytesText).toMatch(/\sof \d+\.\d MiB \(\d+ %\)/);
    // The first file was read before the second, and the second was waiting meanwhile.
    expect(seen.states).toContain('current,waiting');
    expect(seen.states).toContain('done,current');
    expect(seen.states.indexOf('current,waiting')).toBeLessThan(seen.states.indexOf('done,current'));

    await waitForTotal(page);
    await expect.poll(() => readTotal(page), { timeout: 30_000 }).toBe(expected.sessions);
    expect(Number(await page.locator('[data-testid="summary-lines"]').textContent())).toBe(expected.lines);
  });

  it('of a URL streamed slowly shows the time left, and Cancel stops it there: the reading ends, nothing is stored', async () => {
    const before = await importSample();
    const url = `${logs.origin}/slow/slow.log`;
    await page.getByLabel('Stream from URL').fill(url);
    await page.locator('[data-testid="url-preview"]').click();
    await confirmImport(page);
    await page.locator(PROGRESS).waitFor({ state: 'visible', timeout: 30_000 });
    // Content-Length is known: a total, a rate, and so a time left.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="progress-time-left"]')?.getAttribute('data-value') || 0) > 0, null, {
      timeout: 30_000
    });
    expect(await page.locator('[data-testid="progress-time-left"]').textContent()).toMatch(/^(about \d|under a second)/);
    expect(Number(await page.locator('[data-testid="progress-bytes"]').getAttribute('data-total'))).toBe(readFileSync(slowLog).length);
    expect(await page.locator('[data-testid="progress-file"]').getAttribute('data-state')).toBe('current');

    await page.locator('[data-testid="import-cancel"]').click();
    const error = page.locator('[data-testid="import-error"]');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.getAttribute('data-kind')).toBe('cancelled');
    expect(await page.locator(PROGRESS).count()).toBe(0);
    // The preview's fetch and the import's: the import's hung up before the end.
    await expect.poll(() => logs.slow.at(-1), { timeout: 10_000 }).toBe('hung up');
    expect(await readTotal(page)).toBe(before);
    await page.waitForTimeout(300);
    expect(await readTotal(page)).toBe(before);
  });
});
