import { describe, expect, it } from 'vitest';
import type { Progress } from './core/types';
import { MIN_RATE_SPAN_MS, ProgressTracker, RATE_WINDOW_MS } from './progress';

const KB = 1000;
const files = [
  { name: 'a.log', size: 100 * KB },
  { name: 'b.log.gz', size: 50 * KB },
  { name: 'c.log', size: 250 * KB }
];
const TOTAL = 400 * KB;

function report(fileIndex: number, bytesRead: number, lines: number, bytesTotal = TOTAL): Progress {
  return { file: files[fileIndex]?.name ?? 'x', fileIndex, files: files.length, bytesRead, bytesTotal, lines };
}

describe('ProgressTracker', () => {
  it('before any report: nothing read, every file waiting but the first, no rate, no time left', () => {
    const f = new ProgressTracker(files, 0).figures();
    expect(f.started).toBe(false);
    expect(f.bytesRead).toBe(0);
    expect(f.bytesTotal).toBe(TOTAL);
    expect(f.files.map((x) => x.state)).toEqual(['current', 'waiting', 'waiting']);
    expect([f.bytesPerSecond, f.linesPerSecond, f.msLeft]).toEqual([null, null, null]);
    expect(f.allRead).toBe(false);
  });

  it('gives each file its bytes read of its size from the running total and the sizes before it', () => {
    const t = new ProgressTracker(files, 0);
    let f = t.add(report(0, 40 * KB, 400), 500);
    expect(f.files).toEqual([
      { name: 'a.log', size: 100 * KB, read: 40 * KB, state: 'current' },
      { name: 'b.log.gz', size: 50 * KB, read: 0, state: 'waiting' },
      { name: 'c.log', size: 250 * KB, read: 0, state: 'waiting' }
    ]);
    f = t.add(report(2, 190 * KB, 1900), 1000);
    expect(f.current).toBe(2);
    expect(f.files.map((x) => [x.read, x.state])).toEqual([
      [100 * KB, 'done'],
      [50 * KB, 'done'],
      [40 * KB, 'current']
    ]);
    expect(f.lines).toBe(1900);
  });

  it('measures lines/s and bytes/s over the last RATE_WINDOW_MS, and the time left at that pace', () => {
    const t = new ProgressTracker(files, 0);
    // A slow first second (head reading, format detection), then 100 KB and 1000 lines a second.
    t.add(report(0, 10 * KB, 100), 1000);
    let f = t.add(report(0, 60 * KB, 600), 1500);
    // From the start: 60 KB in 1.5 s.
    expect(f.bytesPerSecond).toBeCloseTo(40 * KB);
    for (let ms = 2000; ms <= 3500; ms += 500) f = t.add(report(0, 10 * KB + (ms - 1000) * 100, 100 + (ms - 1000)), ms);
    // The window (1.5 s .. 3.5 s) no longer holds the slow start: the recent pace only.
    expect(f.bytesRead).toBe(260 * KB);
    expect(f.bytesPerSecond).toBeCloseTo(100 * KB);
    expect(f.linesPerSecond).toBeCloseTo(1000);
    expect(f.msLeft).toBeCloseTo(((TOTAL - 260 * KB) / (100 * KB)) * 1000);
    expect(RATE_WINDOW_MS).toBe(2000);
  });

  it('gives no rate until the reports span MIN_RATE_SPAN_MS', () => {
    const t = new ProgressTracker(files, 1000);
    const f = t.add(report(0, 50 * KB, 500), 1000 + MIN_RATE_SPAN_MS - 1);
    expect([f.bytesPerSecond, f.linesPerSecond, f.msLeft]).toEqual([null, null, null]);
    expect(t.add(report(0, 60 * KB, 600), 1000 + MIN_RATE_SPAN_MS).linesPerSecond).toBeCloseTo((600 / MIN_RATE_SPAN_MS) * 1000);
  });

  it('gives no lines/s while bytes come in but the core has counted no line of them yet', () => {
    const t = new ProgressTracker(files, 0);
    let f = t.add(report(0, 4 * KB, 0), 1000);
    expect(f.bytesPerSecond).toBeCloseTo(4 * KB);
    expect(f.linesPerSecond).toBeNull();
    f = t.add(report(0, 8 * KB, 80), 2000);
    expect(f.linesPerSecond).toBeCloseTo(40);
  });

  it('follows a change of pace within the window', () => {
    const t = new ProgressTracker(files, 0);
    let f = t.add(report(0, 0, 0), 0);
    for (let ms = 100; ms <= 5000; ms += 100) f = t.add(report(0, ms * 10, ms), ms); // 10 KB/s
    expect(f.bytesPerSecond).toBeCloseTo(10 * KB);
    for (let ms = 5100; ms <= 7100; ms += 100) f = t.add(report(0, 50 * KB + (ms - 5000) * 100, ms), ms); // 100 KB/s
    expect(f.bytesPerSecond).toBeCloseTo(100 * KB);
  });

  it('once every byte is read: all files done, no time left', () => {
    const t = new ProgressTracker(files, 0);
    t.add(report(2, 300 * KB, 3000), 1000);
    const f = t.add(report(2, TOTAL, 4000), 1200);
    expect(f.allRead).toBe(true);
    expect(f.msLeft).toBe(0);
    expect(f.files.map((x) => [x.read, x.state])).toEqual([
      [100 * KB, 'done'],
      [50 * KB, 'done'],
      [250 * KB, 'done']
    ]);
  });

  it('a URL without Content-Length: bytes and lines and rates, but no total and no time left', () => {
    const t = new ProgressTracker([{ name: 'https://x/a.log', size: null }], 0);
    t.add({ file: 'https://x/a.log', fileIndex: 0, files: 1, bytesRead: 100 * KB, bytesTotal: 0, lines: 1000 }, 1000);
    const f = t.add({ file: 'https://x/a.log', fileIndex: 0, files: 1, bytesRead: 300 * KB, bytesTotal: 0, lines: 3000 }, 2000);
    expect(f.bytesTotal).toBeNull();
    expect(f.files[0]).toEqual({ name: 'https://x/a.log', size: null, read: 300 * KB, state: 'current' });
    expect(f.bytesPerSecond).toBeCloseTo(150 * KB);
    expect(f.msLeft).toBeNull();
    expect(f.allRead).toBe(false);
  });

  it('a URL with Content-Length: its size is what the worker’s total has beyond the known files', () => {
    const t = new ProgressTracker([{ name: 'a.log', size: 100 * KB }, { name: 'https://x/b.log', size: null }], 0);
    const f = t.add({ file: 'https://x/b.log', fileIndex: 1, files: 2, bytesRead: 150 * KB, bytesTotal: 300 * KB, lines: 10 }, 1000);
    expect(f.bytesTotal).toBe(300 * KB);
    expect(f.files.map((x) => [x.size, x.read, x.state])).toEqual([
      [100 * KB, 100 * KB, 'done'],
      [200 * KB, 50 * KB, 'current']
    ]);
    expect(f.msLeft).toBeCloseTo(1000);
  });

  it('a file after one of unknown size starts where the bytes stood when it began', () => {
    const t = new ProgressTracker([{ name: 'u1', size: null }, { name: 'u2', size: null }], 0);
    t.add({ file: 'u1', fileIndex: 0, files: 2, bytesRead: 70, bytesTotal: 0, lines: 1 }, 100);
    const f = t.add({ file: 'u2', fileIndex: 1, files: 2, bytesRead: 100, bytesTotal: 0, lines: 2 }, 200);
    expect(f.files.map((x) => [x.size, x.read, x.state])).toEqual([
      [null, 70, 'done'],
      [null, 30, 'current']
    ]);
    expect(f.bytesTotal).toBeNull();
  });
});
