// The sessions list's filter and sort as a URL query (SPEC §5: "filter state lives in the URL"), so
// a copied link reopens the same view and back/forward restore the previous one. Pure: the page
// writes and reads the URL; this only translates.
import type { SessionFilter, SessionSort } from '../worker/api';
import { ENDPOINT_PARAMS, cleanEndpointQuery, endpointQueryFromParams, setEndpointParams, type EndpointQuery } from './endpoint-query';
import { SORT_KEYS, TIME_PRESETS, type SortKey } from './filters';
import { cleanOnly } from './request-only';

/** The page's views (SPEC §5), one shown at a time; 'sessions' is the plain page. */
export const TABS = ['sessions', 'endpoints', 'overview', 'settings'] as const;
export type Tab = (typeof TABS)[number];

export interface View {
  filter: SessionFilter;
  sort: SessionSort;
  /** The view shown (absent: sessions). */
  tab?: Tab;
  /** The id of the session whose detail is open (absent: none). */
  session?: string;
  /** Which of the open session's requests are shown (request-only.ts; absent: all). */
  only?: string;
  /** The endpoints view's filter and sort (absent: none, by requests); `ep…` parameters. */
  endpoints?: EndpointQuery;
}

export const DEFAULT_SORT: SessionSort = 'start';

/** URL parameter of each text condition (the filter's field of the same meaning). */
const TEXT_PARAMS = ['attack', 'label', 'endpoint', 'method', 'ip', 'user', 'host', 'status', 'id'] as const;
type TextField = (typeof TEXT_PARAMS)[number];

/** Every parameter this module owns; any other (e.g. `store=none`) is left as it is. */
export const VIEW_PARAMS = [...TEXT_PARAMS, 'from', 'to', 'last', 'min-requests', 'min-risk', 'sort', 'tab', 'session', 'only', ...ENDPOINT_PARAMS];

/** The filter with empty, odd or out-of-range conditions dropped: plain data, fields in a fixed order. */
export function cleanFilter(f: SessionFilter): SessionFilter {
  const out: SessionFilter = {};
  for (const k of TEXT_PARAMS) {
    const v = String(f[k] ?? '').trim();
    if (v) out[k] = k === 'method' ? v.toUpperCase() : v;
  }
  const from = Number(f.from);
  const to = Number(f.to);
  const last = Number(f.last);
  if (f.last !== undefined && Number.isFinite(last) && last > 0) out.last = last;
  else {
    if (f.from !== undefined && f.from !== null && Number.isFinite(from)) out.from = from;
    if (f.to !== undefined && f.to !== null && Number.isFinite(to)) out.to = to;
  }
  const reqs = Number(f.minRequests);
  if (Number.isFinite(reqs) && reqs > 1) out.minRequests = Math.ceil(reqs);
  const risk = Number(f.minRisk);
  if (Number.isFinite(risk) && risk > 0) out.minRisk = Math.min(100, Math.ceil(risk));
  return out;
}

export function cleanSort(sort: string | null | undefined): SessionSort {
  const s = String(sort ?? '');
  const key = s.startsWith('-') ? s.slice(1) : s;
  return (SORT_KEYS as readonly string[]).includes(key) ? (s as SessionSort) : DEFAULT_SORT;
}

/** "2024-01-01T10:00:00Z": a time in the URL, UTC, to the second. */
export function isoSecond(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A time from the URL: ISO 8601 (UTC when no offset is given) or epoch ms; NaN when neither. */
export function parseTime(text: string): number {
  const t = text.trim();
  if (/^\d{10,}$/.test(t)) return Number(t);
  if (!/^\d{4}-\d\d-\d\d/.test(t)) return NaN;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(t) || !t.includes('T') ? t : `${t}Z`;
  return Date.parse(/T/.test(zoned) ? zoned : `${zoned}T00:00:00Z`);
}

/** Name of a preset window in ms, or null. */
export function presetOf(ms: number | undefined): string | null {
  return Object.entries(TIME_PRESETS).find(([, v]) => v === ms)?.[0] ?? null;
}

/** The view a query describes; anything it cannot read is left out. */
export function viewFromQuery(search: string | URLSearchParams): View {
  const q = typeof search === 'string' ? new URLSearchParams(search) : search;
  const f: SessionFilter = {};
  for (const k of TEXT_PARAMS) {
    const v = q.get(k);
    if (v) f[k as TextField] = v;
  }
  const last = q.get('last');
  if (last && TIME_PRESETS[last]) f.last = TIME_PRESETS[last];
  for (const k of ['from', 'to'] as const) {
    const v = q.get(k);
    if (v) f[k] = parseTime(v);
  }
  const num = (name: string) => (q.get(name) === null ? undefined : Number(q.get(name)));
  f.minRequests = num('min-requests');
  f.minRisk = num('min-risk');
  const view: View = { filter: cleanFilter(f), sort: cleanSort(q.get('sort')) };
  const tab = cleanTab(q.get('tab'));
  if (tab !== 'sessions') view.tab = tab;
  const session = cleanSessionId(q.get('session'));
  if (session) view.session = session;
  const only = session ? cleanOnly(q.get('only')) : undefined;
  if (only) view.only = only;
  const endpoints = endpointQueryFromParams(q);
  if (Object.keys(endpoints).length) view.endpoints = endpoints;
  return view;
}

export function cleanTab(tab: string | null | undefined): Tab {
  return (TABS as readonly string[]).includes(String(tab)) ? (tab as Tab) : 'sessions';
}

/** A session id from a URL: hex digits (ids are hashes), else nothing. */
export function cleanSessionId(id: string | null | undefined): string | undefined {
  const t = String(id ?? '').trim().toLowerCase();
  return /^[0-9a-f]{1,64}$/.test(t) ? t : undefined;
}

/**
 * The query of `view`, keeping the parameters of `base` this module does not own. Empty conditions
 * and the default sort are left out, so the plain page has a plain URL.
 */
export function queryOfView(view: View, base: string | URLSearchParams = ''): string {
  const q = new URLSearchParams(base);
  for (const k of VIEW_PARAMS) q.delete(k);
  const f = cleanFilter(view.filter);
  for (const k of TEXT_PARAMS) if (f[k]) q.set(k, f[k]!);
  if (f.last !== undefined) {
    const name = presetOf(f.last);
    if (name) q.set('last', name);
  }
  if (f.from !== undefined) q.set('from', isoSecond(f.from));
  if (f.to !== undefined) q.set('to', isoSecond(f.to));
  if (f.minRequests !== undefined) q.set('min-requests', String(f.minRequests));
  if (f.minRisk !== undefined) q.set('min-risk', String(f.minRisk));
  const sort = cleanSort(view.sort);
  if (sort !== DEFAULT_SORT) q.set('sort', sort);
  const tab = cleanTab(view.tab);
  if (tab !== 'sessions') q.set('tab', tab);
  const session = cleanSessionId(view.session);
  if (session) q.set('session', session);
  const only = session ? cleanOnly(view.only) : undefined;
  if (only) q.set('only', only);
  const endpoints = cleanEndpointQuery(view.endpoints);
  if (Object.keys(endpoints).length) setEndpointParams(q, endpoints);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** `base` (a page's query) with its view replaced by that of `query` (from `queryOfView`). */
export function withView(base: string, query: string): string {
  return queryOfView(viewFromQuery(query), base);
}

/** Same filter, sort, tab, open session and endpoint query? */
export function sameView(a: View, b: View): boolean {
  return queryOfView(a) === queryOfView(b);
}

/** The first direction of a column: the interesting end first for counts and risk, A→Z and oldest first otherwise. */
export function firstDirection(key: SortKey): SessionSort {
  return ['requests', 'attacks', 'risk', 'bytes', 'duration', 'endpoints', 'labels'].includes(key) ? `-${key}` : key;
}

/** The sort after a click on a column's header: its first direction, then the other. */
export function nextSort(current: SessionSort, key: SortKey): SessionSort {
  if (current === key) return `-${key}`;
  if (current === `-${key}`) return key;
  return firstDirection(key);
}
