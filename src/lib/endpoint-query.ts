// The endpoints view's filter and sort (SPEC §5), as the worker applies them and as the URL holds
// them (`ep`, `ep-method`, `ep-status`, `ep-attacked`, `ep-min`, `ep-sort`): their own names, so the
// sessions list's filter and the endpoints view's live side by side in one link. Pure.
import { STATUS_CLASSES } from './core/types';

/** Columns of the endpoint table, each sortable both ways. */
export const ENDPOINT_SORT_KEYS = [
  'endpoint',
  'method',
  'requests',
  'sessions',
  'errors',
  'p50',
  'p95',
  'p99',
  'bytes',
  'attacks',
  'risk',
  'first',
  'last'
] as const;
export type EndpointSortKey = (typeof ENDPOINT_SORT_KEYS)[number];
/** A key ascending, or with a leading '-' descending. */
export type EndpointSort = EndpointSortKey | `-${EndpointSortKey}`;

export const DEFAULT_ENDPOINT_SORT: EndpointSort = '-requests';

/** Which endpoints to list. Empty or odd conditions are none. */
export interface EndpointQuery {
  /** The template searched: contains, case-insensitive, `*` any run; in double quotes, the whole path exactly. */
  search?: string;
  /** "GET", "POST", …: the method exactly. */
  method?: string;
  /** A status class ('1xx'..'5xx', 'other'): endpoints that answered at least once with it. */
  status?: string;
  /** Only endpoints with attack requests. */
  attacked?: boolean;
  /** At least this many requests. */
  minRequests?: number;
  sort?: EndpointSort;
}

/** The query with empty, odd or out-of-range conditions dropped; fields in a fixed order. */
export function cleanEndpointQuery(q: EndpointQuery | undefined): EndpointQuery {
  const out: EndpointQuery = {};
  const search = String(q?.search ?? '').trim();
  if (search) out.search = search;
  const method = String(q?.method ?? '').trim().toUpperCase();
  if (/^\S{1,32}$/.test(method)) out.method = method;
  const status = String(q?.status ?? '').trim().toLowerCase();
  if ((STATUS_CLASSES as readonly string[]).includes(status)) out.status = status;
  if (q?.attacked === true) out.attacked = true;
  const min = Number(q?.minRequests);
  if (Number.isFinite(min) && min > 1) out.minRequests = Math.ceil(min);
  const sort = cleanEndpointSort(q?.sort);
  if (sort !== DEFAULT_ENDPOINT_SORT) out.sort = sort;
  return out;
}

export function cleanEndpointSort(sort: string | null | undefined): EndpointSort {
  const s = String(sort ?? '');
  const key = s.startsWith('-') ? s.slice(1) : s;
  return (ENDPOINT_SORT_KEYS as readonly string[]).includes(key) ? (s as EndpointSort) : DEFAULT_ENDPOINT_SORT;
}

/** URL parameter of each condition. */
const PARAM = { search: 'ep', method: 'ep-method', status: 'ep-status', attacked: 'ep-attacked', minRequests: 'ep-min', sort: 'ep-sort' } as const;
export const ENDPOINT_PARAMS: string[] = Object.values(PARAM);

export function endpointQueryFromParams(q: URLSearchParams): EndpointQuery {
  const min = q.get(PARAM.minRequests);
  return cleanEndpointQuery({
    search: q.get(PARAM.search) ?? undefined,
    method: q.get(PARAM.method) ?? undefined,
    status: q.get(PARAM.status) ?? undefined,
    attacked: q.get(PARAM.attacked) === '1',
    minRequests: min === null ? undefined : Number(min),
    sort: (q.get(PARAM.sort) ?? undefined) as EndpointSort | undefined
  });
}

/** Sets the query's parameters on `q` (removing the others of the endpoint view). */
export function setEndpointParams(q: URLSearchParams, query: EndpointQuery | undefined): void {
  for (const p of ENDPOINT_PARAMS) q.delete(p);
  const c = cleanEndpointQuery(query);
  if (c.search) q.set(PARAM.search, c.search);
  if (c.method) q.set(PARAM.method, c.method);
  if (c.status) q.set(PARAM.status, c.status);
  if (c.attacked) q.set(PARAM.attacked, '1');
  if (c.minRequests !== undefined) q.set(PARAM.minRequests, String(c.minRequests));
  if (c.sort) q.set(PARAM.sort, c.sort);
}

/** A pattern that matches `text` exactly (the `"…"` form of a search). */
export function exactPattern(text: string): string {
  return `"${text}"`;
}

/** The endpoints view's query that shows exactly one endpoint ("GET /api/users/{int}"). */
export function endpointOnly(endpoint: string): EndpointQuery {
  const sp = endpoint.indexOf(' ');
  return sp > 0 ? { search: exactPattern(endpoint.slice(sp + 1)), method: endpoint.slice(0, sp) } : { search: exactPattern(endpoint) };
}

/**
 * The query (with `?`) of the endpoints view showing exactly one endpoint: for links from elsewhere
 * (a session's detail). Relative, so it works under any CDN subpath. To keep the rest of the page's
 * view (the sessions filter), use `app.queryWith({ tab: 'endpoints', session: undefined, endpoints: endpointOnly(e) })`.
 */
export function endpointViewQuery(endpoint: string): string {
  const q = new URLSearchParams({ tab: 'endpoints' });
  setEndpointParams(q, endpointOnly(endpoint));
  return `?${q}`;
}

/** The first direction of a column: most first for figures, A→Z and oldest first otherwise. */
export function firstEndpointDirection(key: EndpointSortKey): EndpointSort {
  return ['endpoint', 'method', 'first', 'last'].includes(key) ? key : `-${key}`;
}

/** The sort after a click on a column's header: its first direction, then the other. */
export function nextEndpointSort(current: EndpointSort, key: EndpointSortKey): EndpointSort {
  if (current === key) return `-${key}`;
  if (current === `-${key}`) return key;
  return firstEndpointDirection(key);
}
