// Display formatting shared by the views. Times are shown in UTC, as the logs are read.

/** `2024-01-31 23:59:59` (UTC). */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** A span of time, compact: `0 s`, `45 s`, `3 min 20 s`, `2 h 05 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Time an operation took: `850 ms`, `1.24 s`. */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Bytes in binary units: `512 B`, `1.5 KiB`, `20.0 MiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** Status counts by class, the non-zero ones in order: `2xx 12 · 4xx 3`; `—` when there are none. */
export function formatStatusMix(status: Readonly<Record<string, number>>): string {
  const parts = Object.entries(status)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${c} ${n}`);
  return parts.length ? parts.join(' · ') : '—';
}

/** A latency in ms: `0.4`, `12`, `1530`; `—` when none was logged. */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  return ms < 10 ? String(Math.round(ms * 10) / 10) : String(Math.round(ms));
}
