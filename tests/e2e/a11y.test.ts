// Accessibility basics of every view (issue 6: labels, focus order, both themes), with the sample
// imported and a session open: each control has a name a screen reader reads; each chart has a text
// label; headings do not skip levels; Tab reaches the controls in the order they are shown; the
// theme choice switches the colour scheme and is kept across a reload.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { showTab, waitForTotal, usePage } from './browser';

let page: Page;
let errors: string[];
usePage((s) => ({ page, errors } = s));

/** Visible controls without an accessible name, and charts without a label, described. */
function unnamed(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    };
    const nameOf = (el: HTMLElement): string => {
      const by = el.getAttribute('aria-labelledby');
      const labelled = by ? by.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ') : '';
      const labels = 'labels' in el ? [...((el as HTMLInputElement).labels ?? [])].map((l) => l.textContent ?? '').join(' ') : '';
      const own = el.tagName === 'BUTTON' || el.tagName === 'A' || el.tagName === 'SUMMARY' ? (el.textContent ?? '') : '';
      return [el.getAttribute('aria-label') ?? '', labelled, labels, own, el.getAttribute('title') ?? ''].join(' ').trim();
    };
    const bad: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('main input:not([type=hidden]), main select, main textarea, main button, main a[href], header select, nav a')) {
      if (visible(el) && !nameOf(el)) bad.push(el.outerHTML.slice(0, 120));
    }
    for (const el of document.querySelectorAll<HTMLElement>('[role="img"]')) if (!el.getAttribute('aria-label')) bad.push(`chart ${el.outerHTML.slice(0, 80)}`);
    return bad;
  });
}

/** Heading levels in document order: a level may go down any number, up by one only. */
function headingJumps(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const out: string[] = [];
    let last = 0;
    for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
      const level = Number(h.tagName[1]);
      if (last && level > last + 1) out.push(`${h.tagName} "${h.textContent?.trim().slice(0, 40)}" after h${last}`);
      last = level;
    }
    return out;
  });
}

describe('accessibility basics', () => {
  it('every view: named controls, labelled charts, headings in order; Tab follows the page', async () => {
    await waitForTotal(page, -1);
    await page.getByRole('button', { name: 'Try sample data' }).click();
    await waitForTotal(page);
    await page.locator('[data-testid="session-open"]').first().click();
    await page.locator('[data-testid="session-detail"]').waitFor();
    await page.locator('[data-testid="distributions"]').waitFor({ timeout: 30_000 });
    expect(await unnamed(page), 'sessions, with a session open').toEqual([]);
    expect(await headingJumps(page)).toEqual([]);
    for (const tab of ['endpoints', 'overview', 'settings'] as const) {
      await showTab(page, tab);
      await page.waitForTimeout(300);
      expect(await unnamed(page), tab).toEqual([]);
      expect(await headingJumps(page), tab).toEqual([]);
    }

    // the check itself: an input with no label is caught
    await page.evaluate(() => document.querySelector('main')!.append(Object.assign(document.createElement('input'), { id: 'probe-unnamed' })));
    expect((await unnamed(page)).join()).toContain('probe-unnamed');
    await page.evaluate(() => document.getElementById('probe-unnamed')!.remove());

    // Tab from the top reaches the view links in the order shown, then the view's own controls.
    await showTab(page, 'sessions');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const order: string[] = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
      if (id.startsWith('tab-')) order.push(id);
    }
    expect(order.slice(0, 4)).toEqual(['tab-sessions', 'tab-endpoints', 'tab-overview', 'tab-settings']);
  });

  it('the theme choice switches the colour scheme and is kept across a reload', async () => {
    await waitForTotal(page, -1);
    const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.locator('[data-testid="theme"]').selectOption('dark');
    const dark = await bg();
    await page.locator('[data-testid="theme"]').selectOption('light');
    const light = await bg();
    expect(dark).not.toBe(light);
    expect(light).toBe('rgb(255, 255, 255)');
    await page.locator('[data-testid="theme"]').selectOption('dark');
    await page.reload();
    await waitForTotal(page, -1);
    expect(await page.locator('[data-testid="theme"]').inputValue()).toBe('dark');
    expect(await bg()).toBe(dark);
  });
});
