import { describe, expect, it } from 'vitest';
import { formatByteRate, formatCount, formatLineRate, formatShare, formatTimeLeft } from './progress-text';

describe('progress text', () => {
  it('counts with separators', () => {
    expect(formatCount(1234567.4)).toBe('1,234,567');
    expect(formatCount(0)).toBe('0');
    expect(formatCount(NaN)).toBe('—');
  });

  it('rates to three significant digits, unknown as a dash', () => {
    expect(formatLineRate(123_456.7)).toBe('123,000 lines/s');
    expect(formatLineRate(987.6)).toBe('988 lines/s');
    expect(formatLineRate(null)).toBe('—');
    expect(formatByteRate(12.5 * 1024 * 1024)).toBe('12.5 MiB/s');
    expect(formatByteRate(500)).toBe('500 B/s');
    expect(formatByteRate(null)).toBe('—');
  });

  it('time left, roughly, or unknown', () => {
    expect(formatTimeLeft(200_000)).toBe('about 3 min 20 s');
    expect(formatTimeLeft(400)).toBe('under a second');
    expect(formatTimeLeft(null)).toBe('unknown');
  });

  it('a share of a known total, 100 % only at the end', () => {
    expect(formatShare(40, 100)).toBe('40 %');
    expect(formatShare(999, 1000)).toBe('99 %');
    expect(formatShare(1000, 1000)).toBe('100 %');
    expect(formatShare(5, null)).toBe('');
    expect(formatShare(5, 0)).toBe('');
  });
});
