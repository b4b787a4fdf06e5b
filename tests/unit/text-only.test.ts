// Log content is hostile (SPEC §7): the page shows it as text only. Svelte escapes every {expression};
// the ways around that are {@html}, the DOM's HTML sinks and string event-handler attributes, and this
// test fails when any of them appears in the page's sources (components, routes, state, worker,
// service worker, app.html). The end-to-end side is tests/e2e/privacy.test.ts.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // The CLI and the test fixtures never reach a page.
      if (['cli', 'test-data'].includes(entry.name)) continue;
      out.push(...sources(p));
    } else if (/\.(svelte|ts|js|html)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
      out.push(p);
    }
  }
  return out;
}

/** Markup from a string, in any spelling the page's code could use. */
const HTML_SINKS = [
  /\{@html\b/,
  /\.innerHTML\b/,
  /\.outerHTML\b/,
  /\binsertAdjacentHTML\b/,
  /\bdocument\.write(ln)?\b/,
  /\bcreateContextualFragment\b/,
  /\bDOMParser\b/,
  /\bsetHTMLUnsafe\b|\bparseHTMLUnsafe\b/,
  /\bsrcdoc\b/
];

/** An inline event handler: an on…="…" attribute written as a string (Svelte's onclick={…} is a listener). */
const INLINE_HANDLER = /<[a-z][^>]*\son[a-z]+\s*=\s*["']/i;

describe('log content is rendered as text only', () => {
  const files = sources(SRC);

  it('finds the page sources', () => {
    expect(files.some((f) => f.endsWith('.svelte'))).toBe(true);
    expect(files.some((f) => f.endsWith('app.html'))).toBe(true);
  });

  it('no source writes markup from a string ({@html}, innerHTML, insertAdjacentHTML, document.write, …)', () => {
    const found: string[] = [];
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/^\s*(\/\/|\*|<!--)/.test(line)) return; // comments may name them
        for (const sink of HTML_SINKS) if (sink.test(line)) found.push(`${path.relative(SRC, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('no inline event handler attribute in any markup', () => {
    const found: string[] = [];
    for (const file of files.filter((f) => /\.(svelte|html)$/.test(f))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(new RegExp(INLINE_HANDLER, 'gi'))) found.push(`${path.relative(SRC, file)}: ${m[0].slice(0, 80)}`);
    }
    expect(found).toEqual([]);
  });
});
