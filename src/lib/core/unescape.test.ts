import { describe, expect, it } from 'vitest';
import { plainText, valueText } from './unescape';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('plainText: a table decoded in one call only when every escaping reads it as written', () => {
  it('gives ASCII back whole, and equal to decoding it entry by entry in every escaping', () => {
    const text = '\u000010.0.0.1\u0003GET /api/{int}\u0001curl/8.4.0';
    expect(plainText(bytes(text))).toBe(text);
    for (const enc of [0, 1, 2, 3]) expect(valueText(enc, bytes('curl/8.4.0'))).toBe('curl/8.4.0');
  });

  it('refuses what some escaping would change: a backslash, a plus, a percent', () => {
    for (const s of ['a\\"b', 'Mozilla+5.0', 'q%20x']) {
      expect(plainText(bytes(s)), s).toBeNull();
      expect(new Set([0, 1, 2, 3].map((enc) => valueText(enc, bytes(s)))).size, s).toBeGreaterThan(1);
    }
  });

  it('refuses UTF-8 beyond ASCII (offsets would not be byte offsets) and invalid bytes', () => {
    expect(plainText(bytes('Zürich'))).toBeNull();
    expect(plainText(bytes('😀'))).toBeNull();
    expect(plainText(new Uint8Array([0x61, 0xff, 0x62]))).toBeNull();
    expect(plainText(new Uint8Array(0))).toBe('');
  });
});
