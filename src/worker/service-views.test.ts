// The endpoints view's and the overview's queries through the service, over the real core: what
// they show must add up to what the core found (the CLI's figures).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { analyse as coreAnalyse, previewLogs } from '../lib/core/analyse';
import { ATTACK_TYPES, STATUS_CLASSES } from '../lib/core/types';
import { openStore } from '../lib/storage/store';
import { core, memorySource, ok as analysed } from '../../tests/helpers/core';
import { generateLog } from '../../scripts/gen-log.js';
import { SessionService } from './service';

let n = 0;
function realService(name = `svc-views-${++n}`) {
  return new SessionService({
    analyse: async (sources, opts) => coreAnalyse(await core(), sources, opts),
    preview: async (sources, opts) => previewLogs(await core(), sources, opts),
    openStore: (onClose) => openStore(name, onClose)
  });
}

// ~5 hours from 22:00 UTC: two days
const TEXT = generateLog({ lines: 5000, seed: 7, start: '2024-03-03T22:00:00Z' });

async function imported(name?: string) {
  const service = realService(name);
  const res = await service.importSources([{ kind: 'file', file: new File([TEXT], 'gen.log') }]);
  if (!res.ok) throw new Error(res.error.message);
  const expected = await analysed([memorySource('gen.log', TEXT)]);
  return { service, expected };
}

describe('SessionService: endpoints view and overview (real core)', () => {
  it('lists the endpoints as the core counts them, filtered and sorted in the worker', async () => {
    const { service, expected } = await imported();
    const page = await service.listEndpoints(0, 1e9);
    expect(page.total).toBe(expected.endpoints.length);
    expect(page.matched).toBe(expected.endpoints.length);
    expect(page.rows.map((r) => [r.endpoint, r.requests, r.sessions])).toEqual(expected.endpoints.map((e) => [e.endpoint, e.requests, e.sessions]));
    expect(page.rows[0]).not.toHaveProperty('sketch');

    const posts = await service.listEndpoints(0, 5, { method: 'POST', sort: 'bytes' });
    const allPosts = expected.endpoints.filter((e) => e.method === 'POST').sort((a, b) => a.bytes - b.bytes || (a.endpoint < b.endpoint ? -1 : 1));
    expect(posts.matched).toBe(allPosts.length);
    expect(posts.rows.map((r) => r.endpoint)).toEqual(allPosts.slice(0, 5).map((e) => e.endpoint));
    const next = await service.listEndpoints(5, 5, { method: 'POST', sort: 'bytes' });
    expect(next.rows.map((r) => r.endpoint)).toEqual(allPosts.slice(5, 10).map((e) => e.endpoint));

    const one = expected.endpoints.find((e) => e.path.includes('{'))!;
    const exact = await service.listEndpoints(0, 10, { search: `"${one.path}"`, method: one.method });
    expect(exact.rows.map((r) => r.endpoint)).toEqual([one.endpoint]);
    // and the sessions list filtered by it holds exactly its sessions
    const sessions = await service.listSessions(0, 0, { endpoint: `"${one.path}"`, method: one.method });
    expect(sessions.matched).toBe(one.sessions);
  });

  it('sums the overview to the core’s totals, its requests over time from the stored minutes', async () => {
    const { service, expected } = await imported();
    const o = await service.overview();
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    expect(o.totals.sessions).toBe(expected.summary.sessions);
    expect(o.totals.requests).toBe(expected.summary.requests);
    expect(o.estimated).toBe(false);
    expect(sum(o.sessions)).toBe(expected.summary.sessions);
    expect(sum(o.requests)).toBe(expected.summary.requests);
    for (const c of STATUS_CLASSES) expect(sum(o.status[c]), c).toBe(expected.endpoints.reduce((s, e) => s + e.status[c], 0));
    expect(o.times.length).toBe(o.requests.length);
    expect(o.times.length).toBeLessThanOrEqual(240);
    for (const t of ATTACK_TYPES) {
      const row = o.attacks.find((a) => a.type === t)!;
      expect(row.requests, t).toBe(expected.endpoints.reduce((s, e) => s + e.attacks[t], 0));
    }
    expect(o.totals.endpoints).toBe(expected.endpoints.length);
    expect(o.topByRequests[0].requests).toBe(Math.max(...Array.from(expected.sessions.requests)));
    expect(o.topIps.length).toBeGreaterThan(0);
    expect(await service.overview()).toBe(o); // kept for the same data and window

    // a window: only the sessions that overlap it
    const mid = o.from + (o.to - o.from) / 2;
    const w = await service.overview({ from: mid, attack: 'sqli' });
    let overlapping = 0;
    for (let i = 0; i < expected.sessions.count; i++) if (expected.sessions.end[i] >= mid) overlapping++;
    expect(w.windowed).toBe(true);
    expect(w.totals.sessions).toBe(overlapping);
    expect(w.from).toBe(mid);
  });

  it('counts the requests per minute of days stored before they were counted, once, at start-up upkeep', async () => {
    const name = `svc-views-${++n}`;
    const { expected } = await imported(name);
    // as an older version stored them: endpoint figures without requests per minute
    const db = await openStore(name);
    const days = await db.getAll('endpointDays');
    expect(days.every((d) => d.traffic instanceof Uint32Array)).toBe(true);
    for (const d of days) await db.put('endpointDays', { day: d.day, stats: d.stats });
    // and one day with more requests than its blocks hold (imported before requests were kept)
    const odd = days[0];
    await db.put('endpointDays', { day: odd.day, stats: odd.stats.map((e, k) => (k === 0 ? { ...e, requests: e.requests + 1 } : e)) });
    db.close();

    const service = realService(name);
    expect((await service.overview()).estimated).toBe(true);
    await service.maintain();
    const o = await service.overview();
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    const oddRequests = odd.stats.reduce((s2, e) => s2 + e.requests, 0);
    expect(days.length).toBe(2);
    expect(o.estimated).toBe(true); // the odd day's

    const after = await (await openStore(name)).getAll('endpointDays');
    expect(after.map((d) => (d.day === odd.day ? d.traffic : d.traffic instanceof Uint32Array))).toEqual(after.map((d) => (d.day === odd.day ? null : true)));
    // the filled days' minutes add up to their requests
    const filled = after.filter((d) => d.traffic).reduce((s2, d) => s2 + d.traffic!.reduce((a, b) => a + b, 0), 0);
    expect(filled).toBe(expected.summary.requests - oddRequests);
    expect(filled).toBeGreaterThan(0);
    // once: a second upkeep reads nothing again (the odd day stays null)
    await service.maintain();
    expect((await (await openStore(name)).getAll('endpointDays')).map((d) => d.traffic === null)).toEqual(after.map((d) => d.traffic === null));
    // the filled day's buckets hold exactly its counted minutes (the odd day's are estimated)
    const next = after.find((d) => d.traffic)!;
    const inDay = o.times.map((t, k) => (Math.floor(t / 86_400_000) === next.day ? o.requests[k] : 0));
    expect(o.bucketMs).toBeLessThan(86_400_000);
    expect(sum(inDay)).toBe(next.traffic!.reduce((a, b) => a + b, 0));
  });
});
