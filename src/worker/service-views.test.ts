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
function realService() {
  const name = `svc-views-${++n}`;
  return new SessionService({
    analyse: async (sources, opts) => coreAnalyse(await core(), sources, opts),
    preview: async (sources, opts) => previewLogs(await core(), sources, opts),
    openStore: (onClose) => openStore(name, onClose)
  });
}

const TEXT = generateLog({ lines: 5000, seed: 7 });

async function imported() {
  const service = realService();
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
});
