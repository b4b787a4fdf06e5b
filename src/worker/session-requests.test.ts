// A stored session's requests, read back from the request blocks (real core, fake-indexeddb).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { analyse, previewLogs } from '../lib/core/analyse';
import { putRetention, openStore } from '../lib/storage/store';
import { generateLog } from '../../scripts/gen-log.js';
import { core } from '../../tests/helpers/core';
import type { ImportSource } from './api';
import { SessionService } from './service';

let n = 0;
function service() {
  const name = `svc-req-${++n}`;
  const make = () =>
    new SessionService({
      analyse: async (sources, opts) => analyse(await core(), sources, opts),
      preview: async (sources, opts) => previewLogs(await core(), sources, opts),
      openStore: (onClose) => openStore(name, onClose)
    });
  return { service: make(), make, db: () => openStore(name) };
}
const file = (text: string, name: string): ImportSource => ({ kind: 'file', file: new File([text], name) });

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
