// The columns of the import preview: the fields every format has, the optional ones some rows carry,
// and named fields (headers, cookies, format variables) up to a cap. Values are plain strings.
import type { ParsedRequest } from './core/types';

export interface PreviewColumn {
  key: string;
  label: string;
  /** Right-aligned digits. */
  numeric?: boolean;
  /** Long free text, cut to one line with the whole value in a tooltip. */
  wide?: boolean;
  value: (r: ParsedRequest) => string;
}

/** Named fields shown at most; the rest are counted. */
export const MAX_FIELD_COLUMNS = 6;

const text = (v: string | null | undefined): string => (v === null || v === undefined || v === '' ? '—' : v);
const num = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : String(v));

/** `2024-01-31 23:59:59` (UTC), with milliseconds when the log has them. */
export function previewTime(iso: string | null): string {
  if (!iso) return '—';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(iso);
  if (!m) return iso;
  const frac = m[3] && !/^\.0+$/.test(m[3]) ? m[3] : '';
  return `${m[1]} ${m[2]}${frac}`;
}

/** Milliseconds, at most three decimals. */
export function previewMs(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  return String(Math.round(v * 1000) / 1000);
}

const column = (key: string, label: string, value: PreviewColumn['value'], more: Partial<PreviewColumn> = {}) => ({ key, label, value, ...more });

/** In order; the optional ones (`has`) only when a row has a value. */
const COLUMNS: (PreviewColumn & { has?: (r: ParsedRequest) => boolean })[] = [
  column('line', 'Line', (r) => String(r.line), { numeric: true }),
  column('time', 'Time (UTC)', (r) => previewTime(r.time)),
  column('ip', 'IP', (r) => text(r.ip)),
  { ...column('user', 'User', (r) => text(r.user)), has: (r) => !!r.user },
  { ...column('host', 'Host', (r) => text(r.host)), has: (r) => !!r.host },
  column('method', 'Method', (r) => text(r.method)),
  column('path', 'Path', (r) => text(r.path), { wide: true }),
  column('query', 'Query', (r) => text(r.query), { wide: true }),
  column('status', 'Status', (r) => (r.status > 0 ? String(r.status) : '—'), { numeric: true }),
  column('bytes', 'Bytes', (r) => num(r.bytes), { numeric: true }),
  column('duration', 'Duration ms', (r) => previewMs(r.durationMs), { numeric: true }),
  column('ua', 'User agent', (r) => text(r.userAgent), { wide: true }),
  { ...column('referer', 'Referrer', (r) => text(r.referer), { wide: true }), has: (r) => !!r.referer }
];

/** Header names whose values are credentials: never shown in clear (SPEC §2). */
const SECRET_HEADER = /auth|cookie|token|key|secret|session|password|jwt/i;

/** Is a named field a credential (a cookie, or a header that carries a token)? */
export function isSecretField(label: string): boolean {
  const lower = label.toLowerCase();
  return lower.startsWith('cookie:') || (lower.startsWith('header:') && SECRET_HEADER.test(lower.slice(7)));
}

/** A credential shown by its length only. */
export function maskSecret(value: string): string {
  return value === '' ? '—' : `hidden (${value.length} characters)`;
}

/** The columns for these rows, and how many named fields did not fit. */
export function previewColumns(rows: ParsedRequest[], maxFields = MAX_FIELD_COLUMNS): { columns: PreviewColumn[]; hiddenFields: number } {
  const columns: PreviewColumn[] = [];
  for (const { has, ...c } of COLUMNS) if (!has || rows.some(has)) columns.push(c);
  const labels: string[] = [];
  for (const r of rows) for (const label of Object.keys(r.fields)) if (!labels.includes(label)) labels.push(label);
  for (const label of labels.slice(0, maxFields)) {
    const secret = isSecretField(label);
    columns.push({
      key: `field:${label}`,
      label,
      wide: true,
      value: (r) => {
        const v = r.fields[label];
        if (v === undefined) return '—';
        return secret ? maskSecret(v) : text(v);
      }
    });
  }
  return { columns, hiddenFields: Math.max(0, labels.length - maxFields) };
}
