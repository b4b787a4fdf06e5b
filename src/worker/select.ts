// Which stored sessions a filter lets through, and in what order: read straight off the columns, so
// a million sessions are filtered without building a row object each. Text conditions (endpoint,
// method, IP, user, host) are compiled once per query into a boolean per entry of the string table
// they search; a session then passes if any entry of its set does.
import { ATTACK_TYPES, LABELS, STATUS_CLASSES, type SessionColumns } from '../lib/core/types';
import { ANY_ATTACK } from '../lib/detection';
import { ipMatcher, parseStatus, wildcard, type SortKey, type StatusCondition } from '../lib/filters';
import { ipRanks, type OrderName, type Orders } from '../lib/storage/orders';
import type { SessionFilter, SessionSort } from './api';

export { ANY_ATTACK };

/** The filter as the service applies it to one table: empty strings and non-numbers are "no condition". */
export interface CheckedFilter {
  /** Index into ATTACK_TYPES, -1 for any attack type, -2 for no condition, -3 for an unknown type (nothing matches). */
  attack: number;
  /** Bit of the label in labelBits, 0 for no condition, -1 for an unknown label (nothing matches). */
  labelBit: number;
  /** Least risk, 0..101 (0: no condition; above 100: nothing matches). */
  minRisk: number;
  /** Sessions overlapping [from, to] (±Infinity: open). */
  from: number;
  to: number;
  minRequests: number;
  /** Per entry of `endpoints`, `ips`, `users`, `hosts`: 1 when it matches; null for no condition. */
  endpoints: Uint8Array | null;
  ips: Uint8Array | null;
  users: Uint8Array | null;
  hosts: Uint8Array | null;
  status: StatusCondition | null;
  /** Lower-case id prefix, '' for no condition. */
  id: string;
}

const NO_TABLES = { count: 0, end: new Float64Array(0), endpoints: [], ips: [], users: [], hosts: [] } as unknown as SessionColumns;

export function checkFilter(filter: SessionFilter | undefined, cols: SessionColumns = NO_TABLES): CheckedFilter {
  const text = (v: unknown) => String(v ?? '').trim();
  const attackName = text(filter?.attack);
  const labelName = text(filter?.label);
  let attack = -2;
  if (attackName === ANY_ATTACK) attack = -1;
  else if (attackName !== '') {
    const i = (ATTACK_TYPES as readonly string[]).indexOf(attackName);
    attack = i >= 0 ? i : -3;
  }
  let labelBit = 0;
  if (labelName !== '') {
    const i = (LABELS as readonly string[]).indexOf(labelName);
    labelBit = i >= 0 ? 1 << i : -1;
  }
  const risk = Number(filter?.minRisk);
  const minRisk = Number.isFinite(risk) && risk > 0 ? Math.min(101, Math.ceil(risk)) : 0;
  const reqs = Number(filter?.minRequests);
  const minRequests = Number.isFinite(reqs) && reqs > 1 ? Math.ceil(reqs) : 0;

  let from = finite(filter?.from) ?? -Infinity;
  const to = finite(filter?.to) ?? Infinity;
  const last = finite(filter?.last);
  if (last !== null && last > 0) from = Math.max(from, newestEnd(cols) - last);

  const endpointRe = wildcard(text(filter?.endpoint));
  const method = text(filter?.method).toUpperCase();
  const endpoints =
    endpointRe || method
      ? table(cols.endpoints, (e) => (!method || e.slice(0, e.indexOf(' ')).toUpperCase() === method) && (!endpointRe || matchesTemplate(endpointRe, e)))
      : null;
  const ip = ipMatcher(text(filter?.ip));
  const userRe = wildcard(text(filter?.user));
  const hostRe = wildcard(text(filter?.host));
  return {
    attack,
    labelBit,
    minRisk,
    from,
    to,
    minRequests,
    endpoints,
    ips: ip ? table(cols.ips, ip) : null,
    users: userRe ? table(cols.users, (u) => userRe.test(u)) : null,
    hosts: hostRe ? table(cols.hosts, (h) => hostRe.test(h)) : null,
    status: parseStatus(text(filter?.status)),
    id: text(filter?.id).toLowerCase()
  };
}

/** A pattern matches "METHOD /path" or the path alone (so that a whole-text `"/path"` can match). */
export function matchesTemplate(re: RegExp, endpoint: string): boolean {
  return re.test(endpoint) || re.test(endpoint.slice(endpoint.indexOf(' ') + 1));
}

function finite(v: unknown): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** One byte per table entry: does it match? */
function table(entries: string[], test: (s: string) => boolean): Uint8Array {
  const out = new Uint8Array(entries.length);
  for (let k = 0; k < entries.length; k++) if (test(entries[k])) out[k] = 1;
  return out;
}

/** True when the filter lets every session through. */
export function isOpen(f: CheckedFilter): boolean {
  return (
    f.attack === -2 &&
    f.labelBit === 0 &&
    f.minRisk === 0 &&
    f.from === -Infinity &&
    f.to === Infinity &&
    f.minRequests === 0 &&
    !f.endpoints &&
    !f.ips &&
    !f.users &&
    !f.hosts &&
    !f.status &&
    f.id === ''
  );
}

/** Does any entry of session i's set match? */
function anyIn(set: Uint32Array, starts: Uint32Array, i: number, match: Uint8Array): boolean {
  for (let k = starts[i], end = starts[i + 1]; k < end; k++) if (match[set[k]]) return true;
  return false;
}

/** Does session i pass the filter? */
export function passes(cols: SessionColumns, i: number, f: CheckedFilter): boolean {
  if (f.attack === -3 || f.labelBit === -1) return false;
  if (f.minRisk > 0 && cols.risk[i] < f.minRisk) return false;
  if (f.labelBit > 0 && (cols.labelBits[i] & f.labelBit) === 0) return false;
  if (cols.end[i] < f.from || cols.start[i] > f.to) return false;
  if (cols.requests[i] < f.minRequests) return false;
  if (f.id && !cols.id[i].startsWith(f.id)) return false;
  if (f.users && (cols.user[i] < 0 || !f.users[cols.user[i]])) return false;
  if (f.status && !statusPasses(cols, i, f.status)) return false;
  if (f.ips && !anyIn(cols.ipSet, cols.ipSetStart, i, f.ips)) return false;
  if (f.endpoints && !anyIn(cols.endpointSet, cols.endpointSetStart, i, f.endpoints)) return false;
  if (f.hosts && !anyIn(cols.hostSet, cols.hostSetStart, i, f.hosts)) return false;
  if (f.attack >= 0) return cols.attacks[i * ATTACK_TYPES.length + f.attack] > 0;
  if (f.attack === -1) return attackTotal(cols, i) > 0;
  return true;
}

function statusPasses(cols: SessionColumns, i: number, s: StatusCondition): boolean {
  if (s.invalid.length) return false;
  if (s.notFound && cols.notFound[i] > 0) return true;
  for (const c of s.classes) if (cols.status[i * STATUS_CLASSES.length + c] > 0) return true;
  return false;
}

function attackTotal(cols: SessionColumns, i: number): number {
  let n = 0;
  for (let j = 0; j < ATTACK_TYPES.length; j++) n += cols.attacks[i * ATTACK_TYPES.length + j];
  return n;
}

/** A key that identifies a query's selection (same key, same rows, on the same table). */
export function selectionKey(filter: SessionFilter | undefined, sort: SessionSort | undefined): string {
  const f = filter ?? {};
  const keys = Object.keys(f).sort() as (keyof SessionFilter)[];
  return JSON.stringify([keys.map((k) => [k, f[k]]), sort ?? 'start']);
}

/**
 * The stored order each sort key reads, and the direction it is stored in (true: highest first).
 * The other keys are sorted here, once per table and direction.
 */
export const ORDER_OF: Partial<Record<SortKey, [OrderName, boolean]>> = {
  start: ['byStart', false],
  end: ['byEnd', false],
  requests: ['byRequests', true],
  ip: ['byIp', false],
  risk: ['byRisk', true]
};

/** Orders computed or reversed for a table, by sort: made on first use, dropped with the table. */
const sortCache = new WeakMap<SessionColumns, Map<string, Uint32Array>>();
const newestCache = new WeakMap<SessionColumns, number>();

/** The latest end of any session (the anchor of the time presets); -Infinity when none. */
export function newestEnd(cols: SessionColumns): number {
  let n = newestCache.get(cols);
  if (n === undefined) {
    n = -Infinity;
    for (let i = 0; i < cols.count; i++) if (cols.end[i] > n) n = cols.end[i];
    if (cols.count > 0) newestCache.set(cols, n);
  }
  return n;
}

/** Reads "-risk" as ['risk', true]; anything unknown as start, ascending. */
export function parseSort(sort: SessionSort | string | undefined): [SortKey, boolean] {
  const s = String(sort ?? 'start');
  const desc = s.startsWith('-');
  const key = (desc ? s.slice(1) : s) as SortKey;
  return KEY_OF[key] || ORDER_OF[key] ? [key, desc] : ['start', false];
}

/**
 * Row indices of the whole table in the order asked for. Null for rows as they are (start order,
 * which is how the table is kept). Stored orders are used as they are or walked backwards.
 */
export function orderOf(cols: SessionColumns, sort: SessionSort | undefined, orders?: Orders | null): Uint32Array | null {
  const [key, desc] = parseSort(sort);
  if (key === 'start' && !desc && !orders) return null;
  const stored = ORDER_OF[key];
  if (orders && stored && desc === stored[1]) return orders[stored[0]];
  let cache = sortCache.get(cols);
  if (!cache) sortCache.set(cols, (cache = new Map()));
  const name = `${desc ? '-' : ''}${key}`;
  let out = cache.get(name);
  if (!out) {
    out = orders && stored ? orders[stored[0]].slice().reverse() : sortByKey(cols, KEY_OF[key] ?? KEY_OF.start!, desc);
    cache.set(name, out);
  }
  return out;
}

/** A number per row to sort by (NaN: no value, listed last both ways). */
type KeyFn = (cols: SessionColumns) => Float64Array;

const perRow = (cols: SessionColumns, f: (i: number) => number) => Float64Array.from({ length: cols.count }, (_, i) => f(i));

/** Rank of each entry of a string table, case-insensitive. */
function textRanks(entries: string[]): Uint32Array {
  const idx = entries.map((_, k) => k);
  const lower = entries.map((e) => e.toLowerCase());
  idx.sort((a, b) => (lower[a] < lower[b] ? -1 : lower[a] > lower[b] ? 1 : a - b));
  const rank = new Uint32Array(entries.length);
  idx.forEach((k, r) => (rank[k] = r));
  return rank;
}

const KEY_OF: Partial<Record<SortKey, KeyFn>> = {
  start: (c) => perRow(c, (i) => c.start[i]),
  end: (c) => perRow(c, (i) => c.end[i]),
  duration: (c) => perRow(c, (i) => c.end[i] - c.start[i]),
  requests: (c) => perRow(c, (i) => c.requests[i]),
  attacks: (c) => perRow(c, (i) => attackTotal(c, i)),
  user: (c) => {
    const rank = textRanks(c.users);
    return perRow(c, (i) => (c.user[i] < 0 ? NaN : rank[c.user[i]]));
  },
  ip: (c) => {
    const rank = ipRanks(c.ips);
    return perRow(c, (i) => rank[c.ip[i]]);
  },
  ua: (c) => {
    const rank = textRanks(c.userAgents);
    return perRow(c, (i) => rank[c.userAgent[i]]);
  },
  hosts: (c) => {
    const rank = textRanks(c.hosts);
    return perRow(c, (i) => (c.hostSetStart[i + 1] > c.hostSetStart[i] ? rank[c.hostSet[c.hostSetStart[i]]] : NaN));
  },
  endpoints: (c) => perRow(c, (i) => c.distinctEndpoints[i]),
  labels: (c) =>
    perRow(c, (i) => {
      let n = 0;
      for (let b = c.labelBits[i]; b; b &= b - 1) n++;
      return n;
    }),
  risk: (c) => perRow(c, (i) => c.risk[i]),
  bytes: (c) => perRow(c, (i) => c.bytes[i])
};

/** Rows by key, ascending or descending; rows without a value last; ties by row (start order). */
function sortByKey(cols: SessionColumns, keyFn: KeyFn, desc: boolean): Uint32Array {
  const k = keyFn(cols);
  const sign = desc ? -1 : 1;
  for (let i = 0; i < k.length; i++) k[i] = Number.isNaN(k[i]) ? Infinity : sign * k[i];
  const rows = new Uint32Array(cols.count);
  for (let i = 0; i < rows.length; i++) rows[i] = i;
  return rows.sort((a, b) => k[a] - k[b] || a - b);
}

/**
 * The rows of the sessions that pass the filter, in the order asked for. With `orders` (the stored
 * orders of the held table) the sorts they cover read them; other sorts are computed once per table.
 * Null when that is every row in the table's own (start) order: nothing to select, nothing to sort.
 */
export function selectSessions(cols: SessionColumns, filter?: SessionFilter, sort: SessionSort = 'start', orders?: Orders | null): Uint32Array | null {
  const f = checkFilter(filter, cols);
  const order = orderOf(cols, sort, orders);
  if (isOpen(f)) return order;
  const picked = new Uint32Array(order ? order.length : cols.count);
  let n = 0;
  if (order) {
    for (const i of order) if (passes(cols, i, f)) picked[n++] = i;
  } else {
    for (let i = 0; i < cols.count; i++) if (passes(cols, i, f)) picked[n++] = i;
  }
  return picked.subarray(0, n);
}
