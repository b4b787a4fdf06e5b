// A stored session's requests, read back from the request blocks (real core, fake-indexeddb).
import 'fake-indexeddb/auto';
import { coreService, fileSource } from '../../tests/helpers/service';
import { describe, expect, it } from 'vitest';
import { putRetention } from '../lib/storage/store';
import { generateLog } from '../../scripts/gen-log.js';
import { core } from '../../tests/helpers/core';

const service = () => coreService('svc-req');
const file = fileSource;

describe('session requests', () => {
  const text = generateLog({ lines: 6000, seed: 11 });
  const lines = text.trimEnd().split('\n');

  it('gives each session exactly its requests, by time, with the file and line they came from', async () => {
    const { service: s, db } = service();
    await putRetention(await db(), { days: 36500, anchor: 'data' });
    // two files, the later one first: a session may take requests from both
    const cut = 3000;
    const earlier = lines.slice(0, cut).join('\n') + '\n';
    const later = lines.slice(cut).join('\n') + '\n';
    expect((await s.importSources([file(later, 'later.log')])).ok).toBe(true);
    expect((await s.importSources([file(earlier, 'earlier.log')])).ok).toBe(true);
    const page = await s.listSessions(0, 10_000);
    let checked = 0;
    let seen = 0;
    for (const session of page.rows) {
      const r = await s.sessionRequests(session.id, 0, 100_000);
      expect(r.total, session.id).toBe(session.requests);
      expect(r.partial).toBe(false);
      seen += r.total;
      for (let k = 1; k < r.rows.length; k++) expect(r.rows[k].time).toBeGreaterThanOrEqual(r.rows[k - 1].time);
      expect(r.rows[0].time).toBe(session.start);
      expect(r.rows.at(-1)!.time).toBe(session.end);
      if (checked < 30) {
        for (const row of r.rows) {
          // the line it names holds its target and status
          const source = row.file === 'earlier.log' ? lines.slice(0, cut) : lines.slice(cut);
          const raw = source[row.line - 1];
          expect(raw, `${row.file}:${row.line}`).toContain(` ${row.target} `);
          expect(raw).toContain(`" ${row.status} `);
          expect(raw.startsWith(row.ip + ' ')).toBe(true);
          checked++;
        }
      }
    }
    expect(seen).toBe(lines.length);
  });

  it('filters by attacks, status class and endpoint, and pages', async () => {
    const { service: s, db } = service();
    await putRetention(await db(), { days: 36500, anchor: 'data' });
    expect((await s.importSources([file(text, 'all.log')])).ok).toBe(true);
    const { rows } = await s.listSessions(0, 1, {}, '-requests');
    const top = rows[0];
    const all = await s.sessionRequests(top.id, 0, 100_000);
    const fours = await s.sessionRequests(top.id, 0, 100_000, { statusClass: '4xx' });
    expect(fours.matched).toBe(top.status['4xx']);
    expect(fours.rows.every((r) => r.status >= 400 && r.status < 500)).toBe(true);
    const attacks = await s.sessionRequests(top.id, 0, 100_000, { attacksOnly: true });
    expect(attacks.rows.every((r) => r.attacks.length > 0)).toBe(true);
    expect(attacks.matched).toBe(all.rows.filter((r) => r.attacks.length > 0).length);
    const ep = all.rows[0].endpoint;
    const one = await s.sessionRequests(top.id, 0, 100_000, { endpoint: ep });
    expect(one.matched).toBe(all.rows.filter((r) => r.endpoint === ep).length);
    const second = await s.sessionRequests(top.id, 2, 3);
    expect(second.rows).toEqual(all.rows.slice(2, 5));
    expect(await s.sessionRequests('no-such-id', 0, 10)).toEqual({ total: 0, matched: 0, rows: [], partial: false, context: [] });
  });
});

describe('session requests: evidence filters', () => {
  it('lists the requests behind a label: given status codes, or requests for object ids', async () => {
    const { service: s, db } = service();
    await putRetention(await db(), { days: 36500, anchor: 'data' });
    const log = generateLog({ lines: 4000, seed: 12 });
    expect((await s.importSources([file(log, 'ev.log')])).ok).toBe(true);
    const { rows } = await s.listSessions(0, 1, {}, '-requests');
    const all = (await s.sessionRequests(rows[0].id, 0, 100_000)).rows;
    const auth = await s.sessionRequests(rows[0].id, 0, 100_000, { statuses: [401, 403] });
    expect(auth.rows).toEqual(all.filter((r) => r.status === 401 || r.status === 403));
    const ids = await s.sessionRequests(rows[0].id, 0, 100_000, { idsOnly: true });
    expect(ids.rows).toEqual(all.filter((r) => r.endpoint.includes('{')));
    expect(ids.matched).toBeGreaterThan(0);
  });
});

describe('session profile: distributions, timeline, the actor’s sessions', () => {
  it('counts what the request table lists, and each "show only" of a share lists exactly its count', async () => {
    const { service: s, db } = service();
    await putRetention(await db(), { days: 36500, anchor: 'data' });
    // ip grouping: an actor has several sessions over the day, and requests of several user agents
    expect((await s.saveSettings({ keys: 'ip', inactivityMs: 5 * 60_000 })).ok).toBe(true);
    const log = generateLog({ lines: 6000, seed: 13 });
    expect((await s.importSources([file(log, 'p.log')])).ok).toBe(true);
    const sessions = (await s.listSessions(0, 100_000)).rows;
    const top = [...sessions].sort((a, b) => b.requests - a.requests)[0];
    const all = (await s.sessionRequests(top.id, 0, 100_000)).rows;
    const p = (await s.sessionProfile(top.id))!;
    expect(p.requests).toBe(all.length);
    expect([...p.timeline.time]).toEqual(all.map((r) => r.time));
    expect([...p.timeline.status]).toEqual(all.map((r) => r.status));
    const byValue = (pick: (r: (typeof all)[number]) => string[]) => {
      const m = new Map<string, number>();
      for (const r of all) for (const v of pick(r)) m.set(v, (m.get(v) ?? 0) + 1);
      return m;
    };
    const expected = {
      ips: byValue((r) => [r.ip]),
      methods: byValue((r) => [r.method]),
      statuses: byValue((r) => [String(r.status)]),
      endpoints: byValue((r) => [r.endpoint]),
      attacks: byValue((r) => r.attacks)
    };
    for (const [name, m] of Object.entries(expected)) {
      const d = p.distributions[name as keyof typeof expected];
      expect(d.distinct, name).toBe(m.size);
      for (const share of d.top) expect(share.count, `${name} ${share.value}`).toBe(m.get(share.value));
      expect(d.top.reduce((t, e) => t + e.count, 0) + d.other).toBe([...m.values()].reduce((a, b) => a + b, 0));
      for (let k = 1; k < d.top.length; k++) expect(d.top[k].count).toBeLessThanOrEqual(d.top[k - 1].count);
    }
    // "show only" a share: the worker's filter lists as many requests as the share counts
    const method = p.distributions.methods.top[0];
    expect((await s.sessionRequests(top.id, 0, 100_000, { method: method.value })).matched).toBe(method.count);
    const ip = p.distributions.ips.top[0];
    expect((await s.sessionRequests(top.id, 0, 100_000, { ip: ip.value })).matched).toBe(ip.count);
    const status = p.distributions.statuses.top.at(-1)!;
    expect((await s.sessionRequests(top.id, 0, 100_000, { statuses: [Number(status.value)] })).matched).toBe(status.count);
    expect((await s.sessionRequests(top.id, 0, 100_000, { attack: 'no-such-type' })).matched).toBe(0);
    const attacked = sessions.find((x) => Object.keys(x.attacks).length > 0);
    if (attacked) {
      const ap = (await s.sessionProfile(attacked.id))!;
      const type = ap.distributions.attacks.top[0];
      expect((await s.sessionRequests(attacked.id, 0, 100_000, { attack: type.value })).matched).toBe(type.count);
    }

    // the actor's sessions: every session of the same ip, by start, each pointing to its neighbours
    const actors = new Map<string, typeof sessions>();
    for (const x of sessions) actors.set(x.keyHash, [...(actors.get(x.keyHash) ?? []), x]);
    const mine = [...actors.values()].sort((a, b) => b.length - a.length)[0].sort((a, b) => a.start - b.start);
    expect(mine.length, 'some actor comes back after a pause').toBeGreaterThan(1);
    for (const [i, x] of mine.entries()) {
      const { actor } = (await s.sessionProfile(x.id))!;
      expect(actor).toEqual({ index: i, count: mine.length, prev: mine[i - 1]?.id ?? null, next: mine[i + 1]?.id ?? null });
    }
    expect(await s.sessionProfile('no-such-id')).toBeNull();
  });
});
