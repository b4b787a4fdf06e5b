// A brute-force reference for parsing combined/common lines and cutting sessions (SPEC §1, §2).
// Written to be obviously right, not fast: one regular expression per line, a Map of arrays,
// a sort. It shares no code with the core (src/lib/core, assembly/) on purpose.

export interface RefRequest {
  ip: string;
  /** The remote user as logged: `-` when there is none. */
  user: string;
  /** UTC milliseconds. */
  time: number;
  /** Unescaped. `''` for a `common` line (no user-agent field). */
  userAgent: string;
}

export interface RefSession {
  ip: string;
  userAgent: string;
  /** The first remote user other than `-` in the session (in time order), else null. */
  user: string | null;
  start: number;
  end: number;
  requests: number;
}

export const DEFAULT_INACTIVITY_MS = 30 * 60 * 1000;

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11
};

// A quoted field: anything but a bare quote; a backslash escapes the next character (Apache `\"`).
// Combined lines may carry extra quoted fields after the user agent (nginx's "$http_x_forwarded_for").
const Q = String.raw`"((?:[^"\\]|\\.)*)"`;
const LINE = new RegExp(
  String.raw`^(\S+) (\S+) (\S+) \[(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\] ` +
    Q +
    String.raw` (\d{3}) (\d+|-)` +
    String.raw`(?: ${Q} ${Q}(?: ${Q})*)?` +
    String.raw`[ \t]*$`
);

/**
 * Parse one `combined` (or `common`) line. Returns null for anything else, including a line with
 * an unterminated quoted field. The user agent is unescaped: Apache `\"` and `\\`, nginx and
 * Apache `\xHH`; the bytes are then read as UTF-8 (invalid sequences become U+FFFD).
 */
export function parseCombined(line: string): RefRequest | null {
  if (line.endsWith('\r')) line = line.slice(0, -1);
  const m = LINE.exec(line);
  if (!m) return null;
  const [, ip, , user, dd, mon, yyyy, hh, mi, ss, sign, oh, om] = m;
  const month = MONTHS[mon];
  const day = Number(dd);
  const hour = Number(hh);
  const minute = Number(mi);
  const second = Number(ss);
  const offH = Number(oh);
  const offM = Number(om);
  if (month === undefined || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  if (offH > 23 || offM > 59) return null;
  const year = Number(yyyy);
  // Reject dates that do not exist (31 Feb) instead of letting Date.UTC roll them over.
  const probe = new Date(Date.UTC(year, month, day));
  if (probe.getUTCDate() !== day) return null;
  const local = Date.UTC(year, month, day, hour, minute, second);
  const offset = (sign === '-' ? -1 : 1) * (offH * 60 + offM) * 60_000;
  const uaField = m[17];
  return {
    ip,
    user,
    time: local - offset,
    userAgent: uaField === undefined ? '' : unescapeField(uaField)
  };
}

/** Undo the server's escaping of a quoted field. */
export function unescapeField(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      const n = s[i + 1];
      if (n === '"' || n === '\\') {
        bytes.push(n.charCodeAt(0));
        i++;
        continue;
      }
      if (n === 'x' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 2, i + 4))) {
        bytes.push(parseInt(s.slice(i + 2, i + 4), 16));
        i += 3;
        continue;
      }
    }
    // Any other character, as UTF-8 (a surrogate pair as one code point).
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    for (const b of enc.encode(ch)) bytes.push(b);
    i += ch.length - 1;
  }
  return new TextDecoder('utf-8').decode(new Uint8Array(bytes));
}

/**
 * SPEC §2 with the default key `ip+ua`, literally: group by ip + NUL + user agent; in each group
 * sort by time (stable); a gap strictly greater than the timeout starts a new session, an equal
 * gap does not. Sessions are returned sorted by (start, ip, userAgent).
 */
export function sessionize(requests: readonly RefRequest[], inactivityMs = DEFAULT_INACTIVITY_MS): RefSession[] {
  const groups = new Map<string, RefRequest[]>();
  for (const r of requests) {
    const key = r.ip + '\u0000' + r.userAgent;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  const out: RefSession[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.time - b.time); // Array.prototype.sort is stable
    let cur: RefSession | null = null;
    let prev = -Infinity;
    for (const r of g) {
      if (cur === null || r.time - prev > inactivityMs) {
        cur = { ip: r.ip, userAgent: r.userAgent, user: null, start: r.time, end: r.time, requests: 0 };
        out.push(cur);
      }
      cur.end = r.time;
      cur.requests++;
      if (cur.user === null && r.user !== '-') cur.user = r.user;
      prev = r.time;
    }
  }
  out.sort((a, b) => a.start - b.start || cmp(a.ip, b.ip) || cmp(a.userAgent, b.userAgent));
  return out;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface RefParse {
  /** Every newline-separated record; an unterminated last line counts. */
  lines: number;
  blank: number;
  requests: RefRequest[];
  /** 1-based line numbers and text of the lines that are neither blank nor parsed. */
  malformed: { line: number; text: string }[];
}

/** Parse a whole log given as text or bytes (bytes are read as UTF-8 with replacement). */
export function parseLog(input: string | Uint8Array): RefParse {
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  const parts = text.split('\n');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  const res: RefParse = { lines: parts.length, blank: 0, requests: [], malformed: [] };
  parts.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      res.blank++;
      return;
    }
    const r = parseCombined(line);
    if (r) res.requests.push(r);
    else res.malformed.push({ line: i + 1, text: line });
  });
  return res;
}
