// Context parameters end to end (SPEC §5 Settings, issue 6): set in the settings, applied by the next
// import of a JSON log with a tenant header and a role cookie, shown as columns of a session's request
// table and its CSV — the clear one as its text (a hostile value as text), the hashed one as a hash,
// its value nowhere in the page or in IndexedDB. Needs build/ and Chromium; the fixture is ours.
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, confirmImport, fileInput, showTab, waitForTotal, type PageSession, usePage } from './browser';

const FIXTURE = path.join(ROOT, 'tests/fixtures/context-headers.jsonl');
const HOSTILE = '<img src=x onerror=alert(1)>globex';

let site: PageSession['site'];
let context: BrowserContext;
let page: Page;
let errors: string[];
usePage((s) => ({ site, context, page, errors } = s), { acceptDownloads: true });

/** Every string in every IndexedDB store of the page's database (typed arrays hold numbers only). */
function storedStrings(p: Page): Promise<string> {
  return p.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const req = indexedDB.open('sessionlens');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const names = [...db.objectStoreNames];
          const tx = db.transaction(names, 'readonly');
          const all = names.map((n) => tx.objectStore(n).getAll());
          tx.oncomplete = () => {
            const out: string[] = [];
            const walk = (v: unknown): void => {
              if (typeof v === 'string') out.push(v);
              else if (Array.isArray(v)) v.forEach(walk);
              else if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer)) Object.values(v).forEach(walk);
            };
            all.forEach((r) => walk(r.result));
            db.close();
            resolve(out.join('\n'));
          };
          tx.onerror = () => reject(tx.error);
        };
      })
  );
}

async function addParam(i: number, field: string, label: string, mode: 'hashed' | 'clear') {
  await page.locator('[data-testid="context-add"]').click();
  const row = page.locator('[data-testid="context-param"]').nth(i);
  await row.locator('[data-testid="context-field"]').fill(field);
  await row.locator('[data-testid="context-label"]').fill(label);
  await row.locator('[data-testid="context-mode"]').selectOption(mode);
}

/** Opens the session whose row shows `ip`, and returns its request table's context cells by row. */
async function openSession(ip: string): Promise<{ text: string; title: string | null }[][]> {
  const close = page.locator('[data-testid="detail-close"]');
  if (await close.isVisible()) await close.click();
  await page.locator('[data-testid="session-row"]', { hasText: ip }).locator('[data-testid="session-open"]').click();
  const rows = page.locator('[data-testid="session-detail"] [data-testid="request-row"]');
  await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(4);
  return rows.evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('[data-testid="context-cell"]')].map((td) => ({ text: td.textContent ?? '', title: td.getAttribute('title') })))
  );
}

describe('context parameters', () => {
  it('set in the settings, imported from a JSON log, shown per request in clear or as a hash, and in the CSV', async () => {
    await showTab(page, 'settings');
    await page.locator('[data-testid="context-settings"]').waitFor();
    await addParam(0, 'header:X-Tenant', 'Tenant', 'clear');
    await addParam(1, 'cookie:role', 'Role', 'hashed');
    await page.locator('[data-testid="context-apply"]').click();
    await page.locator('[data-testid="context-saved"]').waitFor({ timeout: 30_000 });
    // kept across a reload, canonical
    await page.reload();
    await showTab(page, 'settings');
    await expect.poll(() => page.locator('[data-testid="context-field"]').first().inputValue(), { timeout: 30_000 }).toBe('header:x-tenant');
    expect(await page.locator('[data-testid="context-mode"]').nth(1).inputValue()).toBe('hashed');

    await showTab(page, 'sessions');
    await fileInput(page).setInputFiles(FIXTURE);
    await confirmImport(page);
    expect(await waitForTotal(page, 0, 60_000)).toBe(2);

    const a = await openSession('203.0.113.10');
    const headings = await page.locator('[data-testid="session-detail"] [data-testid="context-heading"]').allTextContents();
    expect(headings.map((h) => h.trim())).toEqual(['Tenant', 'Role']);
    expect(a.map((r) => r[0].text)).toEqual(['acme-corp', 'acme-corp', 'acme-corp', 'acme-corp']);
    // the hashed one: the start of a 16-digit hash, the same for the same role
    for (const r of a) {
      expect(r[1].text).toMatch(/^[0-9a-f]{8}$/);
      expect(r[1].title).toMatch(new RegExp(`^hash ${r[1].text}[0-9a-f]{8}$`));
    }
    expect(new Set(a.map((r) => r[1].text)).size).toBe(1);

    // the CSV has both columns, the hash whole
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="requests-csv"]').click()]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n').map((l) => l.split(','));
    expect(csv[0].slice(-2)).toEqual(['Tenant', 'Role']);
    expect(csv.slice(1).map((l) => l.at(-2))).toEqual(['acme-corp', 'acme-corp', 'acme-corp', 'acme-corp']);
    for (const l of csv.slice(1)) expect(l.at(-1)).toBe(a[0][1].title!.slice(5));

    // a hostile value is text: no element made of it
    const b = await openSession('198.51.100.20');
    expect(b.map((r) => r[0].text)).toEqual([HOSTILE, HOSTILE, HOSTILE, HOSTILE]);
    expect(await page.locator('[data-testid="session-detail"] img').count()).toBe(0);
    expect(b[0][1].text).not.toBe(a[0][1].text);

    // the hashed role is nowhere: not in the page, not in the database; the clear tenant is stored
    expect(await page.content()).not.toContain('hunter2');
    const stored = await storedStrings(page);
    expect(stored).not.toContain('hunter2');
    expect(stored).toContain('acme-corp');
  });
});
