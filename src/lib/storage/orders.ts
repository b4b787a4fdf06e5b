// The session orders the worker keeps beside the held session table (SPEC §4: by start, end,
// requests, IP, risk), computed once per write and stored, so a listing sorts by picking rows.
import type { SessionColumns } from '../core/types';

export type OrderName = 'byStart' | 'byEnd' | 'byRequests' | 'byIp' | 'byRisk';
export const ORDER_NAMES: OrderName[] = ['byStart', 'byEnd', 'byRequests', 'byIp', 'byRisk'];
export type Orders = Record<OrderName, Uint32Array>;
/** The columns the orders read. */
export type OrderColumns = Pick<SessionColumns, 'count' | 'id' | 'start' | 'end' | 'requests' | 'ip' | 'ips' | 'risk'>;

/**
 * Row indices of `cols` in each order. Ascending by start, end and IP; descending by requests and
 * risk (the interesting end first). Ties by start, then by id, so every order is total.
 */
export function computeOrders(cols: OrderColumns): Orders {
  const n = cols.count;
  const rows = () => {
    const r = new Uint32Array(n);
    for (let i = 0; i < n; i++) r[i] = i;
    return r;
  };
  const byStartTie = (a: number, b: number) => cols.start[a] - cols.start[b] || (cols.id[a] < cols.id[b] ? -1 : cols.id[a] > cols.id[b] ? 1 : 0);
  const byStart = rows().sort(byStartTie);
  // rank of each row by start: the tie-break of the other orders, compared as numbers
  const rank = new Uint32Array(n);
  for (let k = 0; k < n; k++) rank[byStart[k]] = k;
  const ipRank = ipRanks(cols.ips);
  return {
    byStart,
    byEnd: rows().sort((a, b) => cols.end[a] - cols.end[b] || rank[a] - rank[b]),
    byRequests: rows().sort((a, b) => cols.requests[b] - cols.requests[a] || rank[a] - rank[b]),
    byIp: rows().sort((a, b) => ipRank[cols.ip[a]] - ipRank[cols.ip[b]] || rank[a] - rank[b]),
    byRisk: rows().sort((a, b) => cols.risk[b] - cols.risk[a] || rank[a] - rank[b])
  };
}

/** Rank of each IP in address order: IPv4 numerically, then IPv6 by its groups, then anything else. */
export function ipRanks(ips: string[]): Uint32Array {
  const keyed = ips.map((ip, i) => ({ i, key: ipKey(ip) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rank = new Uint32Array(ips.length);
  keyed.forEach((k, r) => (rank[k.i] = r));
  return rank;
}

/** A string that sorts as the address does. */
function ipKey(ip: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) return '4' + v4.slice(1).map((o) => o.padStart(3, '0')).join('.');
  if (ip.includes(':')) {
    const [head, tail = ''] = ip.toLowerCase().split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = ip.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
    return '6' + groups.map((g) => g.padStart(4, '0')).join(':');
  }
  return '9' + ip;
}
