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
  const n = ips.length;
  // IPv4 compared as numbers: a sort key string per address made ~300 bytes of garbage each
  const v4 = new Float64Array(n);
  const keys = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    v4[i] = ipv4Number(ips[i]);
    if (v4[i] < 0) keys[i] = ipKey(ips[i]);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => {
    const x = v4[a], y = v4[b];
    if (x >= 0 || y >= 0) return x >= 0 && y >= 0 ? x - y : x >= 0 ? -1 : 1;
    return keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0;
  });
  const rank = new Uint32Array(n);
  for (let r = 0; r < n; r++) rank[order[r]] = r;
  return rank;
}

/** Four dot-separated groups of 1–3 digits as one number (base 1000, as their padded text sorts), or -1. */
function ipv4Number(ip: string): number {
  let value = 0, octet = 0, digits = 0, dots = 0;
  for (let k = 0; k < ip.length; k++) {
    const c = ip.charCodeAt(k);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return -1;
      octet = octet * 10 + (c - 48);
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 1000 + octet;
      dots++;
      digits = 0;
      octet = 0;
    } else return -1;
  }
  return digits > 0 && dots === 3 ? value * 1000 + octet : -1;
}

/** A string that sorts as the address does (IPv6 and anything else; IPv4 is ipv4Number's). */
function ipKey(ip: string): string {
  if (ip.includes(':')) {
    const [head, tail = ''] = ip.toLowerCase().split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = ip.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
    return '6' + groups.map((g) => g.padStart(4, '0')).join(':');
  }
  return '9' + ip;
}
