// CSV export that is safe to open in a spreadsheet (SPEC §7): log content is hostile, and a cell that
// starts with =, +, -, @, tab or carriage return is a formula to Excel, LibreOffice and Sheets. Such a
// cell gets a leading apostrophe (shown as text, not evaluated); every cell is quoted when it needs to
// be (RFC 4180).
import type { RequestRow } from '../worker/api';
import { displayIp } from './privacy';
import type { ContextParam } from './core/context';

const FORMULA = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  // numbers we wrote are numbers; anything else that looks like a formula is neutralised
  if (typeof value !== 'number' && FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: (string | number | null | undefined)[]): string {
  return cells.map(csvCell).join(',');
}

export const REQUEST_COLUMNS = ['time', 'method', 'target', 'endpoint', 'status', 'bytes', 'duration_ms', 'ip', 'user_agent', 'referrer', 'host', 'user', 'attacks', 'file', 'line'];

/**
 * A session's requests as CSV: a header line, then one line per request (CRLF, as RFC 4180). The
 * context parameters (RequestPage.context) follow the fixed columns, headed by their labels; a hashed
 * one holds its hash. With `maskIps` (privacy mode) the addresses are written as the page shows them
 * (privacy.ts).
 */
export function requestsCsv(rows: RequestRow[], context: readonly ContextParam[] = [], { maskIps = false } = {}): string {
  const lines = [csvLine([...REQUEST_COLUMNS, ...context.map((p) => p.label)])];
  for (const r of rows) {
    lines.push(
      csvLine([
        new Date(r.time).toISOString(),
        r.method,
        r.target,
        r.endpoint,
        r.status,
        r.bytes,
        r.durationMs,
        displayIp(r.ip, maskIps),
        r.userAgent,
        r.referrer,
        r.host,
        r.user,
        r.attacks.join(' '),
        r.file,
        r.line,
        ...context.map((_, j) => r.context?.[j] ?? null)
      ])
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** Reads CSV written by requestsCsv back into cells (for tests and checks). */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      out.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    out.push(row);
  }
  return out;
}
