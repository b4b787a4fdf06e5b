import { describe, expect, it } from 'vitest';
import { MAX_SCROLL_PX, rowWindow } from './virtual-window';

const base = { rowPx: 30, viewport: 330, head: 30, overscan: 5 };

describe('rowWindow', () => {
  it('draws the rows in view and the overscan, spacers making up the rest', () => {
    const w = rowWindow({ ...base, count: 1000, scrollTop: 3000 });
    expect(w.firstVisible).toBe(100);
    expect(w.from).toBe(95);
    expect(w.to).toBe(100 + 10 + 1 + 5);
    expect(w.topPx).toBe(95 * 30);
    expect(w.topPx + (w.to - w.from) * 30 + w.bottomPx).toBe(1000 * 30);
  });

  it('a short table: every row, no spacer', () => {
    const w = rowWindow({ ...base, count: 4, scrollTop: 0 });
    expect([w.from, w.to, w.topPx, w.bottomPx]).toEqual([0, 4, 0, 0]);
  });

  it('a million rows fit the browser’s height cap: the last rows are reached at the end of the scroll', () => {
    const count = 1_000_000;
    const end = MAX_SCROLL_PX - (base.viewport - base.head);
    const w = rowWindow({ ...base, count, scrollTop: end });
    expect(w.ratio).toBeGreaterThan(1);
    expect(w.to).toBe(count);
    expect(w.topPx + (w.to - w.from) * base.rowPx + w.bottomPx).toBeLessThanOrEqual(MAX_SCROLL_PX + base.rowPx);
  });
});
