// The text conditions of the sessions list (SPEC §5) as the worker applies them and the page words
// them: wildcards, IP or CIDR, status codes, time presets. Pure: no DOM, no worker, no storage.

/**
 * A text search: case-insensitive, "contains", `*` matching any run of characters
 * ("/api/*\/orders" finds "GET /api/v2/orders/{int}"); in double quotes, the whole text must match,
 * case and all (`"/api/users/{int}"` is that path and no longer one). Null for an empty pattern (no condition).
 */
export function wildcard(pattern: string): RegExp | null {
  let p = pattern.trim();
  // "…" in double quotes: the whole text, not a part of it (a link to one endpoint, say)
  const whole = p.length > 2 && p.startsWith('"') && p.endsWith('"');
  if (whole) p = p.slice(1, -1);
  if (p === '' || (!whole && /^\*+$/.test(p))) return null;
  const body = p
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return whole ? new RegExp(`^(?:${body})$`) : new RegExp(body, 'i');
}

/** An address as bytes: 4 for IPv4, 16 for IPv6 (IPv4-mapped IPv6 read as IPv4). Null when not one. */
/** A dotted-quad IPv4 address as an unsigned 32-bit integer, or -1 when `s` is not exactly one. */
export function ipv4Int(s: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else return -1;
  }
  return dots === 3 && digits > 0 ? value * 256 + part : -1;
}

export function ipBytes(text: string): Uint8Array | null {
  const s = text.trim().toLowerCase().replace(/^\[|\]$/g, '');
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const b = v4.slice(1).map(Number);
    return b.every((n) => n <= 255) ? Uint8Array.from(b) : null;
  }
  if (!s.includes(':') || !/^[0-9a-f:.]+$/.test(s)) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let k = 0; k < parts.length; k++) {
      const g = parts[k];
      if (k === parts.length - 1 && g.includes('.')) {
        const tail = ipBytes(g);
        if (!tail || tail.length !== 4) return null;
        out.push((tail[0] << 8) | tail[1], (tail[2] << 8) | tail[3]);
      } else if (/^[0-9a-f]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<number>(Math.max(0, missing)).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, k) => ((bytes[2 * k] = g >> 8), (bytes[2 * k + 1] = g & 255)));
  // ::ffff:a.b.c.d is an IPv4 client seen through an IPv6 socket
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return bytes.slice(12);
  return bytes;
}

/**
 * An IP filter: an address, a CIDR block ("10.0.0.0/8", "2001:db8::/32"), or — when the text is
 * neither — the start of an address as written ("10.0.", "2001:db8:"). Null for empty text.
 */
export type IpMatcher = (ip: string) => boolean;

export function ipMatcher(text: string): IpMatcher | null {
  const s = text.trim().toLowerCase();
  if (s === '') return null;
  const slash = s.lastIndexOf('/');
  const addr = ipBytes(slash >= 0 ? s.slice(0, slash) : s);
  const bits = slash >= 0 ? Number(s.slice(slash + 1)) : addr ? addr.length * 8 : NaN;
  if (addr && Number.isInteger(bits) && bits >= 0 && bits <= addr.length * 8 && (slash < 0 || /^\d+$/.test(s.slice(slash + 1)))) {
    if (addr.length === 4) {
      // IPv4, the common case, on a million addresses: read as an integer, no string or array made
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      const net = (((addr[0] << 24) | (addr[1] << 16) | (addr[2] << 8) | addr[3]) & mask) >>> 0;
      return (ip) => {
        let v = ipv4Int(ip);
        if (v < 0 && ip.includes(':')) {
          const b = ipBytes(ip); // an IPv4-mapped IPv6 address is its IPv4 one
          if (b?.length === 4) v = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
        }
        return v >= 0 && ((v & mask) >>> 0) === net;
      };
    }
    return (ip) => {
      if (!ip.includes(':')) return false; // IPv4 never matches an IPv6 block
      const b = ipBytes(ip);
      if (!b || b.length !== addr.length) return false;
      const whole = bits >> 3;
      for (let k = 0; k < whole; k++) if (b[k] !== addr[k]) return false;
      const rest = bits & 7;
      if (rest === 0) return true;
      const mask = (0xff << (8 - rest)) & 0xff;
      return (b[whole] & mask) === (addr[whole] & mask);
    };
  }
  return (ip) => ip.toLowerCase().startsWith(s);
}

/** Status classes as the session columns count them (STATUS_CLASSES order). */
const CLASS_NAMES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'];

/**
 * A status condition: sessions with at least one answer in any of `classes` (indices into
 * STATUS_CLASSES) or, with `notFound`, at least one 404. Sessions count answers per class only, and
 * 404s apart: any other exact code is matched by its class (`approximate` lists those codes).
 */
export interface StatusCondition {
  classes: number[];
  notFound: boolean;
  approximate: string[];
  /** Tokens that are neither a code nor a class: the condition then matches nothing. */
  invalid: string[];
}

export function parseStatus(text: string): StatusCondition | null {
  const tokens = text.trim().toLowerCase().split(/[\s,]+/).filter(Boolean);
  if (tokens.length === 0) return null;
  const out: StatusCondition = { classes: [], notFound: false, approximate: [], invalid: [] };
  for (const t of tokens) {
    const cls = CLASS_NAMES.indexOf(t);
    if (cls >= 0) out.classes.push(cls);
    else if (t === '404') out.notFound = true;
    else if (/^[1-5]\d\d$/.test(t)) {
      out.classes.push(Number(t[0]) - 1);
      out.approximate.push(t);
    } else out.invalid.push(t);
  }
  out.classes = [...new Set(out.classes)].sort();
  return out;
}

/** What the status filter does with the text typed, for the user; null when it matches exactly. */
export function statusNote(text: string): string | null {
  const c = parseStatus(text);
  if (!c) return null;
  if (c.invalid.length) return `Not a status code or class: ${c.invalid.join(', ')} (use e.g. 404, 4xx, 5xx).`;
  if (c.approximate.length) {
    const classes = [...new Set(c.approximate.map((t) => `${t[0]}xx`))].join(', ');
    return `Sessions keep their answers counted by class (and 404s apart): ${c.approximate.join(', ')} is matched as ${classes}.`;
  }
  return null;
}

/** What the sessions list can be sorted by: every column of the table. */
export const SORT_KEYS = ['start', 'end', 'duration', 'requests', 'attacks', 'user', 'ip', 'ua', 'hosts', 'endpoints', 'labels', 'risk', 'bytes'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** The time presets (SPEC §5), in ms, by their name in the URL. */
export const TIME_PRESETS: Record<string, number> = {
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '6h': 6 * 60 * 60_000,
  '24h': 24 * 60 * 60_000,
  '7d': 7 * 24 * 60 * 60_000
};

export const PRESET_LABELS: Record<string, string> = { '15m': '15 min', '1h': '1 h', '6h': '6 h', '24h': '24 h', '7d': '7 days' };
