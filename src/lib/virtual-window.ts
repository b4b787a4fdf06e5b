// Which rows of a virtualised table to draw (SPEC §5: a million rows scroll smoothly): rows of a
// fixed height, those in view and a few around in the DOM, between two spacers that stand for the
// others. Pure, so the sessions and the request tables share it and it is tested on its own.

/**
 * The tallest the scrolled content is made (px). Browsers cap an element's height (Chrome at about
 * 33 million px): above this, a scroll pixel stands for more than one row pixel.
 */
export const MAX_SCROLL_PX = 8_000_000;

export interface WindowInput {
  count: number;
  rowPx: number;
  /** The scroller's scrollTop, its height and its sticky header's (px). */
  scrollTop: number;
  viewport: number;
  head: number;
  /** Rows drawn above and below those in view. */
  overscan: number;
}

export interface RowWindow {
  /** Rows [from, to) are drawn. */
  from: number;
  to: number;
  firstVisible: number;
  /** Heights of the spacers above and below them (px). */
  topPx: number;
  bottomPx: number;
  /** Row pixels per scroll pixel (1 unless the rows are taller than MAX_SCROLL_PX). */
  ratio: number;
  /** Where the view's top is, in row pixels. */
  pos: number;
  /** The rows' area in view (px). */
  area: number;
}

export function rowWindow({ count, rowPx, scrollTop, viewport, head, overscan }: WindowInput): RowWindow {
  const rowsPx = count * rowPx;
  const scrollPx = Math.min(rowsPx, MAX_SCROLL_PX);
  const area = Math.max(rowPx, viewport - head);
  const ratio = scrollPx > area ? Math.max(1, (rowsPx - area) / (scrollPx - area)) : 1;
  const pos = Math.min(Math.max(0, rowsPx - area), scrollTop * ratio);
  const firstVisible = Math.floor(pos / rowPx);
  const from = Math.max(0, firstVisible - overscan);
  const to = Math.min(count, firstVisible + Math.ceil(area / rowPx) + 1 + overscan);
  const topPx = Math.max(0, scrollTop - (pos % rowPx) - (firstVisible - from) * rowPx);
  const bottomPx = Math.max(0, scrollPx - topPx - (to - from) * rowPx);
  return { from, to, firstVisible, topPx, bottomPx, ratio, pos, area };
}
