// Colour contrast of the page's text in both themes (issue 6: accessible in light and dark), read
// from app.css's light-dark() pairs: WCAG 2 AA wants 4.5:1 for text, 3:1 for large text and marks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../app.css', import.meta.url), 'utf8');
const pairs = new Map<string, [string, string]>();
for (const m of css.matchAll(/(--[\w-]+):\s*light-dark\((#[0-9a-f]{6}),\s*(#[0-9a-f]{6})\)/gi)) pairs.set(m[1], [m[2], m[3]]);

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** Text colour, background, least ratio. */
const CASES: [string, string, number][] = [
  ['--fg', '--bg', 4.5],
  ['--fg', '--panel', 4.5],
  ['--muted', '--bg', 4.5],
  ['--muted', '--panel', 4.5],
  ['--accent', '--bg', 4.5],
  ['--accent', '--panel', 4.5],
  ['--accent-fg', '--accent', 4.5],
  ['--error-fg', '--error-bg', 4.5],
  ['--fg', '--attack-bg', 4.5],
  ['--attack-mark', '--bg', 3],
  ['--risk-high', '--bg', 3],
  ['--risk-medium', '--bg', 3],
  ['--risk-low', '--bg', 3],
  ['--status-2xx', '--bg', 3],
  ['--status-3xx', '--bg', 3],
  ['--status-4xx', '--bg', 3],
  ['--status-5xx', '--bg', 3]
];

describe('colour contrast (WCAG 2 AA) in both themes', () => {
  it('reads the colour pairs', () => expect(pairs.size).toBeGreaterThan(15));
  for (const [fg, bg, least] of CASES) {
    for (const [theme, k] of [['light', 0], ['dark', 1]] as const) {
      it(`${fg} on ${bg}, ${theme}: at least ${least}:1`, () => {
        const a = pairs.get(fg)?.[k];
        const b = pairs.get(bg)?.[k];
        expect(a && b, `${fg} and ${bg} are light-dark() pairs in app.css`).toBeTruthy();
        expect(contrast(a!, b!)).toBeGreaterThanOrEqual(least);
      });
    }
  }
});
