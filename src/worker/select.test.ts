import { describe, expect, it } from 'vitest';
import { ATTACK_TYPES, LABELS, type AttackType, type LabelName } from '../lib/core/types';
import { makeColumns } from '../test-data/factories/sessions';
import { STATUS_CLASSES } from '../lib/core/types';
import { computeOrders } from '../lib/storage/orders';
import { ok as analysed, memorySource } from '../../tests/helpers/core';
import { generateLog } from '../../scripts/gen-log.js';
import type { SessionFilter, SessionSort } from './api';
import { ANY_ATTACK, checkFilter, newestEnd, selectSessions, selectionKey } from './select';

/** Six sessions with set attacks, labels and risk: what select reads, nothing else. */
function columns() {
  const cols = makeColumns(6);
  const set = (i: number, attacks: Partial<Record<AttackType, number>>, labels: LabelName[], risk: number) => {
    for (const [k, n] of Object.entries(attacks)) cols.attacks[i * 7 + ATTACK_TYPES.indexOf(k as AttackType)] = n;
    cols.labelBits[i] = labels.reduce((bits, l) => bits | (1 << LABELS.indexOf(l)), 0);
    cols.risk[i] = risk;
  };
  set(0, {}, [], 0);
  set(1, { traversal: 12, scanner: 3 }, ['security-crawler'], 65);
  set(2, {}, ['library-agent'], 5);
  set(3, { sqli: 1 }, ['library-agent'], 40);
  set(4, { traversal: 1 }, [], 30);
  set(5, { jndi: 2, traversal: 4 }, ['security-crawler', 'library-agent'], 100);
  return cols;
}

const rows = (r: Uint32Array | null) => (r ? Array.from(r) : null);

describe('selectSessions', () => {
  it('lets every session through in start order without a filter (null: nothing to pick)', () => {
    const cols = columns();
    expect(selectSessions(cols)).toBeNull();
    expect(selectSessions(cols, {})).toBeNull();
    expect(selectSessions(cols, { attack: '', label: '', minRisk: 0 }, 'start')).toBeNull();
  });

  it('filters by attack type: sessions with at least one request of it', () => {
    const cols = columns();
    expect(rows(selectSessions(cols, { attack: 'traversal' }))).toEqual([1, 4, 5]);
    expect(rows(selectSessions(cols, { attack: 'sqli' }))).toEqual([3]);
    expect(rows(selectSessions(cols, { attack: 'xss' }))).toEqual([]);
    expect(rows(selectSessions(cols, { attack: ANY_ATTACK }))).toEqual([1, 3, 4, 5]);
  });

  it('filters by label, by least risk, and by all conditions at once', () => {
    const cols = columns();
    expect(rows(selectSessions(cols, { label: 'library-agent' }))).toEqual([2, 3, 5]);
    expect(rows(selectSessions(cols, { label: 'security-crawler' }))).toEqual([1, 5]);
    expect(rows(selectSessions(cols, { label: 'brute-force' }))).toEqual([]);
    expect(rows(selectSessions(cols, { minRisk: 40 }))).toEqual([1, 3, 5]);
    expect(rows(selectSessions(cols, { minRisk: 100 }))).toEqual([5]);
    expect(rows(selectSessions(cols, { minRisk: 1 }))).toEqual([1, 2, 3, 4, 5]);
    expect(rows(selectSessions(cols, { attack: 'traversal', label: 'security-crawler', minRisk: 70 }))).toEqual([5]);
    expect(rows(selectSessions(cols, { attack: 'traversal', label: 'library-agent' }))).toEqual([5]);
  });

  it('sorts by risk, highest first ("-risk"), ties by start', () => {
    const cols = columns();
    cols.risk[4] = 65; // ties with session 1, which starts first
    expect(rows(selectSessions(cols, {}, '-risk'))).toEqual([5, 1, 4, 3, 2, 0]);
    expect(rows(selectSessions(cols, { attack: 'traversal' }, '-risk'))).toEqual([5, 1, 4]);
    expect(rows(selectSessions(cols, {}, 'risk'))).toEqual([0, 2, 3, 1, 4, 5]); // lowest first
  });

  it('matches nothing for an unknown attack type or label, and reads odd numbers as no condition', () => {
    const cols = columns();
    expect(rows(selectSessions(cols, { attack: 'bogus' }))).toEqual([]);
    expect(rows(selectSessions(cols, { label: 'bogus' }))).toEqual([]);
    expect(selectSessions(cols, { minRisk: NaN })).toBeNull();
    expect(selectSessions(cols, { minRisk: -5 })).toBeNull();
    expect(rows(selectSessions(cols, { minRisk: 101 }))).toEqual([]);
    expect(checkFilter({ minRisk: 39.2 }).minRisk).toBe(40);
    expect(checkFilter({ attack: ' traversal ' }).attack).toBe(ATTACK_TYPES.indexOf('traversal'));
  });
});

/**
 * Six sessions a minute apart with sets of IPs, endpoints and hosts, users and status counts:
 *   0: 192.0.2.1                       GET /                          alice   2xx
 *   1: 2001:db8::2, 10.1.2.3           GET /api/users/{int}, POST /login  —   4xx (a 404)
 *   2: 10.1.2.3                        POST /login                    bob     4xx (a 401: no 404)
 *   3: ::ffff:198.51.100.7             GET /api/v2/orders/{int}       —       5xx
 *   4: 2001:db8:1::9                   GET /                          alice   2xx, 3xx
 *   5: 192.0.2.200                     DELETE /api/users/{int}        Bobby   other
 */
function rich() {
  const cols = makeColumns(6);
  cols.ips = ['192.0.2.1', '2001:db8::2', '10.1.2.3', '::ffff:198.51.100.7', '2001:db8:1::9', '192.0.2.200'];
  cols.endpoints = ['GET /', 'GET /api/users/{int}', 'POST /login', 'GET /api/v2/orders/{int}', 'DELETE /api/users/{int}'];
  cols.users = ['alice', 'bob', 'Bobby'];
  cols.hosts = ['api.example.com', 'www.example.org'];
  const sets = (lists: number[][]) => {
    const starts = new Uint32Array(lists.length + 1);
    lists.forEach((l, i) => (starts[i + 1] = starts[i] + l.length));
    return [Uint32Array.from(lists.flat()), starts] as const;
  };
  [cols.ipSet, cols.ipSetStart] = sets([[0], [1, 2], [2], [3], [4], [5]]);
  [cols.endpointSet, cols.endpointSetStart] = sets([[0], [1, 2], [2], [3], [0], [4]]);
  [cols.hostSet, cols.hostSetStart] = sets([[0], [0, 1], [], [1], [0], [1]]);
  cols.ip.set([0, 1, 2, 3, 4, 5]);
  cols.user.set([0, -1, 1, -1, 0, 2]);
  cols.status.fill(0);
  const status = (i: number, cls: string, n: number) => (cols.status[i * 6 + STATUS_CLASSES.indexOf(cls as never)] = n);
  status(0, '2xx', 1);
  status(1, '4xx', 2);
  cols.notFound[1] = 1;
  status(2, '4xx', 1);
  status(3, '5xx', 1);
  status(4, '2xx', 1);
  status(4, '3xx', 1);
  status(5, 'other', 1);
  cols.bytes.set([500, 100, 300, 0, 200, 400]);
  return cols;
}

const pick = (f: SessionFilter, sort?: SessionSort) => {
  const r = selectSessions(rich(), f, sort);
  return r ? Array.from(r) : [0, 1, 2, 3, 4, 5];
};

describe('selectSessions: SPEC §5 filters', () => {
  const T0 = Date.UTC(2024, 0, 1);
  const MIN = 60_000;

  it('time range: sessions overlapping [from, to]; either end open', () => {
    // session i runs T0 + i min .. T0 + i min + 30 s
    expect(pick({ from: T0 + 2 * MIN + 10_000, to: T0 + 3 * MIN })).toEqual([2, 3]);
    expect(pick({ from: T0 + 4 * MIN + 30_000 })).toEqual([4, 5]);
    expect(pick({ to: T0 + MIN - 1 })).toEqual([0]);
    expect(pick({ from: T0 + 10 * MIN })).toEqual([]);
    expect(pick({ from: NaN, to: undefined })).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('time presets: the last N ms before the newest stored end, not the clock', () => {
    const cols = rich();
    expect(newestEnd(cols)).toBe(T0 + 5 * MIN + 30_000);
    expect(pick({ last: 15 * MIN })).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pick({ last: 2 * MIN })).toEqual([3, 4, 5]);
    expect(pick({ last: 1 })).toEqual([5]);
    expect(pick({ last: 0 })).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('endpoint search: contains, case-insensitive, * for any run; any endpoint of the session', () => {
    expect(pick({ endpoint: '/api/users' })).toEqual([1, 5]);
    expect(pick({ endpoint: '/API/*/{int}' })).toEqual([1, 3, 5]);
    expect(pick({ endpoint: 'get /api/*orders' })).toEqual([3]);
    expect(pick({ endpoint: 'login' })).toEqual([1, 2]);
    expect(pick({ endpoint: '*' })).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pick({ endpoint: 'a.i' }), 'a dot is a dot, not any character').toEqual([]);
    expect(pick({ endpoint: '(' }), 'regex syntax is text').toEqual([]);
  });

  it('method: from the endpoint templates; with the endpoint search, one endpoint must match both', () => {
    expect(pick({ method: 'post' })).toEqual([1, 2]);
    expect(pick({ method: 'DELETE' })).toEqual([5]);
    expect(pick({ method: 'GET', endpoint: '/api/users' })).toEqual([1]);
    expect(pick({ method: 'POST', endpoint: '/api/users' })).toEqual([]);
    expect(pick({ method: 'PUT' })).toEqual([]);
  });

  it('IP: an address, a CIDR block (IPv4, IPv6, IPv4-mapped), or the start of an address; any IP of the session', () => {
    expect(pick({ ip: '10.1.2.3' })).toEqual([1, 2]);
    expect(pick({ ip: '192.0.2.0/24' })).toEqual([0, 5]);
    expect(pick({ ip: '192.0.2.128/25' })).toEqual([5]);
    expect(pick({ ip: '198.51.100.7' }), 'an IPv4-mapped IPv6 address is its IPv4 one').toEqual([3]);
    expect(pick({ ip: '2001:db8::/32' })).toEqual([1, 4]);
    expect(pick({ ip: '2001:db8::/48' })).toEqual([1]);
    expect(pick({ ip: '2001:0db8:0000:0000:0000:0000:0000:0002' })).toEqual([1]);
    expect(pick({ ip: '0.0.0.0/0' })).toEqual([0, 1, 2, 3, 5]);
    expect(pick({ ip: '192.0.' }), 'not an address: the start of one').toEqual([0, 5]);
    expect(pick({ ip: '10.0.0.0/33' }), 'a bad prefix length is text').toEqual([]);
  });

  it('user and host: contains, case-insensitive, wildcards', () => {
    expect(pick({ user: 'alice' })).toEqual([0, 4]);
    expect(pick({ user: 'BOB' })).toEqual([2, 5]);
    expect(pick({ user: 'b*y' })).toEqual([5]);
    expect(pick({ host: 'example.org' })).toEqual([1, 3, 5]);
    expect(pick({ host: 'API.*.com' })).toEqual([0, 1, 4]);
  });

  it('status: classes, 404 exactly (counted apart), other codes by their class; a bad token matches nothing', () => {
    expect(pick({ status: '4xx' })).toEqual([1, 2]);
    expect(pick({ status: '404' })).toEqual([1]);
    expect(pick({ status: '401' }), 'matched as 4xx').toEqual([1, 2]);
    expect(pick({ status: '3xx, 5xx' })).toEqual([3, 4]);
    expect(pick({ status: 'other' })).toEqual([5]);
    expect(pick({ status: '4xx,teapot' })).toEqual([]);
  });

  it('least requests, session id (exact or prefix, any case), and every condition at once (AND)', () => {
    // requests: 1 + i % 5 → 1, 2, 3, 4, 5, 1
    expect(pick({ minRequests: 4 })).toEqual([3, 4]);
    expect(pick({ minRequests: 1 })).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pick({ id: 'a000000000000003' })).toEqual([3]);
    expect(pick({ id: 'A00000000000000' })).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pick({ id: 'b' })).toEqual([]);
    expect(pick({ endpoint: '/api', ip: '2001:db8::/32', minRequests: 2 })).toEqual([1]);
    expect(pick({ user: 'alice', status: '3xx', last: 2 * MIN })).toEqual([4]);
  });

  it('selection keys ignore the order of the filter fields and differ with any condition or sort', () => {
    expect(selectionKey({ ip: 'a', user: 'b' }, 'start')).toBe(selectionKey({ user: 'b', ip: 'a' }, undefined));
    expect(selectionKey({ ip: 'a' }, 'start')).not.toBe(selectionKey({ ip: 'b' }, 'start'));
    expect(selectionKey({ ip: 'a' }, 'start')).not.toBe(selectionKey({ ip: 'a' }, '-start'));
  });
});

describe('selectSessions: sorts on every column', () => {
  it('ascending and descending; rows without a value (no user, no host) last either way; ties by start', () => {
    expect(pick({}, '-start')).toEqual([5, 4, 3, 2, 1, 0]);
    expect(pick({}, 'bytes')).toEqual([3, 1, 4, 2, 5, 0]);
    expect(pick({}, '-bytes')).toEqual([0, 5, 2, 4, 1, 3]);
    expect(pick({}, 'requests')).toEqual([0, 5, 1, 2, 3, 4]);
    expect(pick({}, '-requests')).toEqual([4, 3, 2, 1, 0, 5]);
    expect(pick({}, 'user')).toEqual([0, 4, 2, 5, 1, 3]);
    expect(pick({}, '-user')).toEqual([5, 2, 0, 4, 1, 3]);
    expect(pick({}, 'hosts')).toEqual([0, 1, 4, 3, 5, 2]);
    expect(pick({}, 'ip')).toEqual([2, 0, 5, 3, 1, 4]);
    expect(pick({}, 'ua')).toEqual([0, 2, 4, 1, 3, 5]);
    expect(pick({ user: 'b' }, '-user')).toEqual([5, 2]);
    expect(pick({}, 'bogus' as SessionSort), 'an unknown sort is by start').toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('reads the stored orders where they exist (walked backwards for the other direction) and sorts the rest once per table', () => {
    const cols = rich();
    cols.risk.set([10, 50, 50, 0, 90, 10]);
    const orders = computeOrders(cols);
    expect(selectSessions(cols, {}, '-risk', orders)).toBe(orders.byRisk);
    expect(Array.from(selectSessions(cols, {}, 'risk', orders)!)).toEqual([3, 5, 0, 2, 1, 4]);
    expect(Array.from(selectSessions(cols, { minRequests: 2 }, '-risk', orders)!)).toEqual([4, 1, 2, 3]);
    expect(selectSessions(cols, {}, 'start', orders)).toBe(orders.byStart);
    const byDuration = selectSessions(cols, {}, '-bytes', orders);
    expect(selectSessions(cols, {}, '-bytes', orders), 'cached for the table').toBe(byDuration);
    expect(selectSessions(rich(), {}, '-bytes', computeOrders(rich()))).not.toBe(byDuration);
  });
});

describe('selectSessions on the real core', () => {
  it('every filter lists what an oracle over the decoded sets lists, in the order asked for', async () => {
    const { sessions: cols } = await analysed([memorySource('gen.log', generateLog({ lines: 4000, seed: 5 }))]);
    const orders = computeOrders(cols);
    const set = (s: Uint32Array, st: Uint32Array, i: number, t: string[]) => Array.from(s.subarray(st[i], st[i + 1]), (k) => t[k]);
    const all = Array.from({ length: cols.count }, (_, i) => i);
    const eps = (i: number) => set(cols.endpointSet, cols.endpointSetStart, i, cols.endpoints);
    const someEndpoint = cols.endpoints.find((e) => e.includes('{int}'))!;
    const path = someEndpoint.split(' ')[1].split('/').slice(0, 2).join('/');
    const someIp = cols.ips[cols.ip[7]];
    const cases: [SessionFilter, (i: number) => boolean][] = [
      [{ endpoint: `${path}/*{INT}` }, (i) => eps(i).some((e) => e.toLowerCase().includes(path.toLowerCase()) && /\{int\}/.test(e))],
      [{ method: 'POST' }, (i) => eps(i).some((e) => e.startsWith('POST '))],
      [{ ip: someIp }, (i) => set(cols.ipSet, cols.ipSetStart, i, cols.ips).includes(someIp)],
      [{ status: '5xx' }, (i) => cols.status[i * 6 + 4] > 0],
      [{ status: '404' }, (i) => cols.notFound[i] > 0],
      [{ minRequests: 10 }, (i) => cols.requests[i] >= 10],
      [{ last: 3_600_000 }, (i) => cols.end[i] >= newestEnd(cols) - 3_600_000]
    ];
    for (const [f, want] of cases) {
      const expected = all.filter(want);
      expect(expected.length, JSON.stringify(f)).toBeGreaterThan(0);
      expect(expected.length, JSON.stringify(f)).toBeLessThan(cols.count);
      const got = selectSessions(cols, f, 'start', orders)!;
      expect([...got].sort((a, b) => a - b), JSON.stringify(f)).toEqual(expected);
      const desc = selectSessions(cols, f, '-duration', orders)!;
      const d = (i: number) => cols.end[i] - cols.start[i];
      for (let k = 1; k < desc.length; k++) expect(d(desc[k - 1])).toBeGreaterThanOrEqual(d(desc[k]));
    }
  });
});

describe('radixOrder', () => {
  it('orders as a comparator sort does, ties by index, on random keys with negatives, zeros and Infinity', async () => {
    const { radixOrder } = await import('./select');
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (const n of [0, 1, 2, 17, 5000]) {
      const keys = Float64Array.from({ length: n }, () => {
        const r = rnd();
        if (r < 0.05) return Infinity;
        if (r < 0.1) return 0;
        if (r < 0.3) return Math.floor(rnd() * 10); // many ties
        if (r < 0.5) return -rnd() * 1e6;
        return rnd() * 1e15;
      });
      const want = Array.from({ length: n }, (_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
      expect([...radixOrder(Float64Array.from(keys))]).toEqual(want);
    }
  });
});
