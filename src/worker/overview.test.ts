import { describe, expect, it } from 'vitest';
import { emptyTraffic } from '../lib/core/traffic';
import { ATTACK_TYPES } from '../lib/core/types';
import type { EndpointDay } from '../lib/storage/store';
import { makeColumns } from '../test-data/factories/sessions';
import { BUCKET_SIZES, MAX_BUCKETS, bucketSize, computeOverview } from './overview';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const DAY0 = T0 / 86_400_000;
const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

/** 20 sessions, one a minute; requests per minute stored for their day (one 2xx per request at its session's start). */
function data(withTraffic = true) {
  const cols = makeColumns(20, T0);
  cols.attacks[3 * 7 + ATTACK_TYPES.indexOf('sqli')] = 2;
  cols.attacks[5 * 7 + ATTACK_TYPES.indexOf('scanner')] = 1;
  cols.attacks[5 * 7 + ATTACK_TYPES.indexOf('sqli')] = 1;
  cols.risk[5] = 90;
  const traffic = emptyTraffic();
  for (let i = 0; i < cols.count; i++) traffic[i * 6 + 1] += cols.requests[i];
  const days: EndpointDay[] = [{ day: DAY0, stats: [], ...(withTraffic ? { traffic } : {}) }];
  return { cols, days };
}

describe('bucketSize', () => {
  it('is the smallest width that gives at most MAX_BUCKETS buckets', () => {
    expect(bucketSize(T0, T0 + 10 * MIN)).toBe(MIN);
    expect(bucketSize(T0, T0 + 239 * MIN)).toBe(MIN);
    expect(bucketSize(T0, T0 + 300 * MIN)).toBe(5 * MIN);
    expect(bucketSize(T0, T0 + 7 * 86_400_000)).toBe(60 * MIN);
    expect(bucketSize(T0, T0 + 180 * 86_400_000)).toBe(1440 * MIN);
    const years = bucketSize(T0, T0 + 20 * 365 * 86_400_000);
    expect(years).toBeGreaterThan(BUCKET_SIZES.at(-1)!);
    expect((20 * 365 * 86_400_000) / years).toBeLessThanOrEqual(MAX_BUCKETS);
  });
});

describe('computeOverview', () => {
  it('counts sessions, requests, status and attacks over the whole data', () => {
    const { cols, days } = data();
    const o = computeOverview(cols, days);
    let requests = 0;
    for (let i = 0; i < cols.count; i++) requests += cols.requests[i];
    expect(o.windowed).toBe(false);
    expect([o.from, o.to]).toEqual([T0, T0 + 19 * MIN + 30_000]);
    expect(o.bucketMs).toBe(MIN);
    expect(o.times[0]).toBe(T0);
    expect(o.sessions).toEqual(new Array(20).fill(1));
    expect(o.requests).toEqual(Array.from(cols.requests));
    expect(sum(o.status['2xx'])).toBe(requests);
    expect(o.estimated).toBe(false);
    expect(o.totals).toMatchObject({ sessions: 20, requests, ips: 2, attackRequests: 4, attackedSessions: 2 });
    expect(o.attacks.find((a) => a.type === 'sqli')).toEqual({ type: 'sqli', requests: 3, sessions: 2 });
    // 30 requests each: the riskier first
    expect(o.topIps.map((a) => [a.ip, a.requests, a.risk])).toEqual([
      ['2001:db8::2', 30, 90],
      ['192.0.2.1', 30, 0]
    ]);
    expect(o.topIps[0].sessions + o.topIps[1].sessions).toBe(20);
    expect(o.topByRisk[0].id).toBe(cols.id[5]);
    expect(o.topByRequests).toHaveLength(10);
    expect(o.topByRequests.map((s) => s.requests)).toEqual([5, 5, 5, 5, 4, 4, 4, 4, 3, 3]);
    expect(o.topByRequests[0].id).toBe(cols.id[4]); // ties: the riskier, then the first seen
    expect(o.latency.overall).toBeNull();
  });

  it('places requests at their session’s start on days stored without requests per minute, and says so', () => {
    const { cols, days } = data(false);
    const o = computeOverview(cols, days);
    expect(o.estimated).toBe(true);
    expect(o.requests).toEqual(Array.from(cols.requests));
    expect(o.status['2xx']).toEqual(Array.from(cols.requests));
  });

  it('narrows to the sessions overlapping a window', () => {
    const { cols, days } = data();
    const o = computeOverview(cols, days, { from: T0 + 5 * MIN, to: T0 + 9 * MIN });
    // sessions 5..9 (session 4 ends at 4 min 30 s)
    expect(o.totals.sessions).toBe(5);
    expect(o.windowed).toBe(true);
    expect([o.from, o.to]).toEqual([T0 + 5 * MIN, T0 + 9 * MIN]);
    expect(sum(o.sessions)).toBe(5);
    expect(sum(o.requests)).toBe(cols.requests.slice(5, 10).reduce((a, b) => a + b, 0));
  });

  it('is empty without sessions, or with none in the window', () => {
    expect(computeOverview(null, []).times).toEqual([]);
    const { cols, days } = data();
    const o = computeOverview(cols, days, { from: T0 + 86_400_000, to: Infinity });
    expect(o.totals.sessions).toBe(0);
    expect(o.times).toEqual([]);
  });

  it('merges the endpoints’ latency sketches of the days in the window', () => {
    const { cols } = data();
    const stat = (endpoint: string, requests: number, sketch: Record<number, number>) =>
      ({ endpoint, method: 'GET', path: endpoint.slice(4), requests, sketch }) as unknown as EndpointDay['stats'][number];
    const days: EndpointDay[] = [
      { day: DAY0, stats: [stat('GET /a', 10, { 100: 10 }), stat('GET /b', 30, { 200: 30 })] },
      { day: DAY0 + 5, stats: [stat('GET /a', 1000, { 300: 1000 })] }
    ];
    const o = computeOverview(cols, days, { from: -Infinity, to: T0 + 86_400_000 });
    expect(o.latency.endpoints.map((e) => [e.endpoint, e.requests])).toEqual([
      ['GET /b', 30],
      ['GET /a', 10]
    ]);
    expect(o.latency.overall!.timed).toBe(40);
    expect(o.latency.overall!.p50).toBe(o.latency.endpoints[0].p50);
  });
});
