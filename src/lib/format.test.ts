import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatElapsed, formatMs, formatStatusMix, formatTime } from './format';

describe('format', () => {
  it('shows times in UTC to the second', () => {
    expect(formatTime(Date.UTC(2024, 0, 31, 23, 59, 59, 999))).toBe('2024-01-31 23:59:59');
    expect(formatTime(NaN)).toBe('—');
  });

  it('shows durations compactly', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(200_000)).toBe('3 min 20 s');
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2 h 05 min');
    expect(formatDuration(-1)).toBe('—');
  });

  it('shows elapsed time and bytes', () => {
    expect(formatElapsed(850.4)).toBe('850 ms');
    expect(formatElapsed(1240)).toBe('1.24 s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20.0 MiB');
  });

  it('shows a status mix by class, zero classes left out', () => {
    expect(formatStatusMix({ '1xx': 0, '2xx': 12, '3xx': 0, '4xx': 3, '5xx': 0, other: 1 })).toBe('2xx 12 · 4xx 3 · other 1');
    expect(formatStatusMix({ '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 })).toBe('—');
  });

  it('shows latencies in ms', () => {
    expect(formatMs(null)).toBe('—');
    expect(formatMs(0.44)).toBe('0.4');
    expect(formatMs(12.6)).toBe('13');
    expect(formatMs(1530)).toBe('1530');
  });
});
