// The figures of a running import as the progress panel words them. Rates are rounded to what a
// reader can take in while they change ten times a second.
import { formatBytes, formatDuration } from './format';

/** A count with thousands separators: `1,234,567` (the same on every machine). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return Math.round(n).toLocaleString('en-US');
}

/** Lines a second: `12,300 lines/s`; `—` while unknown. */
export function formatLineRate(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond) || perSecond < 0) return '—';
  // Three significant digits: a rate is an estimate.
  const rounded = perSecond >= 1000 ? Number(perSecond.toPrecision(3)) : Math.round(perSecond);
  return `${formatCount(rounded)} lines/s`;
}

/** Bytes a second in the page's binary units: `12.5 MiB/s`; `—` while unknown. */
export function formatByteRate(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond) || perSecond < 0) return '—';
  return `${formatBytes(Math.round(perSecond))}/s`;
}

/** `about 3 min 20 s`, `under a second`; `unknown` when no total or no rate is known yet. */
export function formatTimeLeft(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return 'unknown';
  if (ms < 1000) return 'under a second';
  return `about ${formatDuration(ms)}`;
}

/** `40 %` of a known total, whole percents, never 100 % before the end. */
export function formatShare(read: number, total: number | null): string {
  if (total === null || !(total > 0)) return '';
  const share = Math.min(1, Math.max(0, read / total));
  return `${share < 1 ? Math.min(99, Math.floor(share * 100)) : 100} %`;
}
