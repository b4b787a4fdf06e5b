// Which stored endpoints the endpoints view lists, and in what order (SPEC §5): filtered and sorted
// straight off the held list (one pass and one sort, whatever the number of endpoints), each sort
// computed once per held list and direction and kept, so paging and re-filtering do not sort again.
import { STATUS_CLASSES, type EndpointStats } from '../lib/core/types';
import { DEFAULT_ENDPOINT_SORT, cleanEndpointQuery, cleanEndpointSort, type EndpointQuery, type EndpointSort, type EndpointSortKey } from '../lib/endpoint-query';
import { wildcard } from '../lib/filters';
import { matchesTemplate } from './select';

const attackTotal = (e: EndpointStats) => {
  let n = 0;
  for (const k in e.attacks) n += e.attacks[k as keyof EndpointStats['attacks']];
  return n;
};

/** The value a column sorts by (null: no value, listed last both ways). */
const VALUE: Record<EndpointSortKey, (e: EndpointStats) => number | string | null> = {
  endpoint: (e) => e.path.toLowerCase(),
  method: (e) => e.method.toUpperCase(),
  requests: (e) => e.requests,
  sessions: (e) => e.sessions,
  // the status mix column: by share of errors (4xx and 5xx)
  errors: (e) => (e.requests ? (e.status['4xx'] + e.status['5xx']) / e.requests : 0),
  p50: (e) => e.p50,
  p95: (e) => e.p95,
  p99: (e) => e.p99,
  bytes: (e) => e.bytes,
  attacks: attackTotal,
  risk: (e) => e.risk,
  first: (e) => e.firstSeen,
  last: (e) => e.lastSeen
};

const sorted = new WeakMap<readonly EndpointStats[], Map<EndpointSort, Uint32Array>>();

/** Indices of `list` in the order asked for; ties by endpoint (A→Z) both ways. */
export function endpointOrder(list: readonly EndpointStats[], sort: EndpointSort = DEFAULT_ENDPOINT_SORT): Uint32Array {
  const s = cleanEndpointSort(sort);
  let cache = sorted.get(list);
  if (!cache) sorted.set(list, (cache = new Map()));
  let order = cache.get(s);
  if (order) return order;
  const desc = s.startsWith('-');
  const key = (desc ? s.slice(1) : s) as EndpointSortKey;
  const values = list.map(VALUE[key]);
  const idx = Array.from(list, (_, i) => i);
  const sign = desc ? -1 : 1;
  idx.sort((a, b) => {
    const x = values[a];
    const y = values[b];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * sign;
    }
    return list[a].endpoint < list[b].endpoint ? -1 : list[a].endpoint > list[b].endpoint ? 1 : 0;
  });
  order = Uint32Array.from(idx);
  cache.set(s, order);
  return order;
}

/** Indices of the endpoints that pass the query, in its order. */
export function selectEndpoints(list: readonly EndpointStats[], query?: EndpointQuery): Uint32Array {
  const q = cleanEndpointQuery(query);
  const order = endpointOrder(list, q.sort);
  const re = q.search ? wildcard(q.search) : null;
  const status = q.status ? (STATUS_CLASSES as readonly string[]).indexOf(q.status) : -1;
  const min = q.minRequests ?? 0;
  if (!re && !q.method && status < 0 && !q.attacked && min === 0) return order;
  const out = new Uint32Array(order.length);
  let n = 0;
  for (const i of order) {
    const e = list[i];
    if (e.requests < min) continue;
    if (q.method && e.method.toUpperCase() !== q.method) continue;
    if (status >= 0 && !(e.status[STATUS_CLASSES[status]] > 0)) continue;
    if (q.attacked && attackTotal(e) === 0) continue;
    if (re && !matchesTemplate(re, e.endpoint)) continue;
    out[n++] = i;
  }
  return out.subarray(0, n);
}
