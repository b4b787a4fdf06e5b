import { describe, expect, it } from 'vitest';
import { combine, fromHex, mix64, moveValueKey, plainText, toHex, unmix64, valueKey } from './key-hash';

describe('key-hash', () => {
  it('unmix64 undoes mix64', () => {
    for (const x of [0n, 1n, 0xdeadbeefn, 0xffffffffffffffffn, 0x9e3779b97f4a7c15n]) expect(unmix64(mix64(x))).toBe(x);
  });

  it('moves a value key between positions as if hashed there', () => {
    const h = 0x0123456789abcdefn;
    expect(moveValueKey(valueKey(h, 0), 0, 3)).toBe(valueKey(h, 3));
    expect(moveValueKey(valueKey(h, 2), 2, 2)).toBe(valueKey(h, 2));
    expect(valueKey(h, 0)).not.toBe(valueKey(h, 1));
    expect(combine(1n, 2n)).not.toBe(combine(2n, 1n));
  });

  it('hex round trip keeps 16 digits', () => {
    expect(toHex(0xabn)).toBe('00000000000000ab');
    expect(fromHex('00000000000000ab')).toBe(0xabn);
  });

  it('plain text is what logs write unescaped', () => {
    expect(plainText('Mozilla/5.0 (X11; Linux)')).toBe(true);
    expect(plainText('say "hi"')).toBe(false);
    expect(plainText('a\\b')).toBe(false);
    expect(plainText('café')).toBe(false);
  });
});
