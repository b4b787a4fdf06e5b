import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { isDisposable, markDisposable } from '../lib/core/columns';
import { concatSessions, dayOf, DAY_MS } from '../lib/core/session-rows';
import { sessionAt } from '../lib/core/sessions';
import type { SessionColumns } from '../lib/core/types';
import { DEFAULT_GROUPING } from '../lib/grouping';
import { computeOrders } from '../lib/storage/orders';
import { beginImport, commitImport, loadHeld, openStore, pruneBefore, type Stored } from '../lib/storage/store';
import { makeColumns, makeSummary } from '../test-data/factories/sessions';
import { emptyTraffic } from '../lib/core/traffic';
import { PART_SESSIONS, planCommit } from './commit';

const DAY0 = dayOf(Date.UTC(2024, 0, 1));
let n = 0;

/** `count` sessions of as many keys, ending on `day` a millisecond apart. */
function oneDay(count: number, day = DAY0, idPrefix = 'a'): SessionColumns {
  const cols = makeColumns(count, day * DAY_MS, idPrefix);
  for (let i = 0; i < count; i++) {
    cols.start[i] = day * DAY_MS + i;
    cols.end[i] = day * DAY_MS + i + 1;
    cols.keyHash[i] = cols.id[i];
  }
  return cols;
}

const stored = (sessions: SessionColumns | null = null): Stored => ({
  sessions,
  endpointDays: new Map(),
  settings: DEFAULT_GROUPING,
  retention: { days: 30, anchor: 'data' },
  ledger: []
});

/** Sessions as objects: every one, or every `step`-th and the last. */
const rows = (cols: SessionColumns | null, step = 1) => {
  if (!cols) return [];
  const out = [];
  for (let i = 0; i < cols.count; i += step) out.push(sessionAt(cols, i));
  if (cols.count > 0 && (cols.count - 1) % step) out.push(sessionAt(cols, cols.count - 1));
  return out;
};

describe('planCommit', () => {
  it('writes a day of many sessions as parts, keyed day + k/1024, which a load puts back together', async () => {
    const sessions = concatSessions([oneDay(10, DAY0 - 1, 'b'), oneDay(2 * PART_SESSIONS + 5)]); // 3 parts of 21,847
    const plan = planCommit(stored(), { sessions: structuredClone(sessions), endpointDays: new Map() }, 0);
    const days = [...plan.sessionDays];
    expect(days.map((d) => d.day)).toEqual([DAY0 - 1, DAY0, DAY0 + 1 / 1024, DAY0 + 2 / 1024]);
    expect(days.map((d) => d.count)).toEqual([10, 21847, 21847, 21847]);
    expect(Math.max(...days.map((d) => d.count))).toBeLessThanOrEqual(PART_SESSIONS);

    const db = await openStore(`commit-${++n}`);
    const id = await beginImport(db, []);
    const { plan: done, generation } = await commitImport(db, id, { files: [], summary: makeSummary(sessions), ms: 1 }, () => plan);
    const table = done.table();
    const loaded = await loadHeld(db);
    expect(loaded.generation).toBe(generation);
    expect(rows(table, 97)).toEqual(rows(loaded.sessions, 97));
    expect(table!.id).toEqual(loaded.sessions!.id);
    expect(loaded.orders).toEqual(done.orders);
    expect(computeOrders(table!)).toEqual(done.orders);
    // the days before a cut go whole, their parts with them
    await pruneBefore(db, DAY0 + 1);
    expect((await db.getAll('sessionDays')).length).toBe(0);
  });

  it('gives, after the commit, the held table a load would give (and a load reuses it for that generation)', async () => {
    const sessions = concatSessions([oneDay(40, DAY0 - 2, 'c'), oneDay(30, DAY0)]);
    const db = await openStore(`commit-${++n}`);
    const id = await beginImport(db, []);
    const { plan, generation } = await commitImport(db, id, { files: [], summary: makeSummary(sessions), ms: 1 }, (s) =>
      planCommit(s, { sessions: structuredClone(sessions), endpointDays: new Map() }, 0)
    );
    const table = plan.table();
    const read = await loadHeld(db);
    expect(rows(table)).toEqual(rows(read.sessions));
    expect(table!.baseline).toEqual(read.sessions!.baseline);
    const reused = await loadHeld(db, { generation, sessions: table, orders: plan.orders });
    expect(reused.sessions).toBe(table);
    expect(reused.orders).toBe(plan.orders);
    // another generation since: read from the store
    const stale = await loadHeld(db, { generation: generation - 1, sessions: table, orders: plan.orders });
    expect(stale.sessions).not.toBe(table);
  });

  it("cuts a disposable table into the day blocks in its place, and leaves anyone else's alone", () => {
    const make = () => concatSessions([oneDay(25, DAY0 - 1), oneDay(20, DAY0, 'd')]);
    const kept = make();
    const given = markDisposable(make());
    expect(isDisposable(given)).toBe(true);
    const a = planCommit(stored(), { sessions: kept, endpointDays: new Map() }, 0);
    const b = planCommit(stored(), { sessions: given, endpointDays: new Map() }, 0);
    expect([...b.sessionDays]).toEqual([...a.sessionDays]);
    expect(b.orders).toEqual(a.orders);
    expect(rows(b.table())).toEqual(rows(a.table()));
    expect(rows(kept)).toEqual(rows(make()));
    expect(given.start.length).toBe(0);
  });

  it('merges with what is stored, and then lets the import go if it was given away', () => {
    const before = oneDay(12, DAY0 - 1, 'e');
    const fresh = markDisposable(oneDay(8, DAY0, 'f'));
    const plan = planCommit(stored(before), { sessions: fresh, endpointDays: new Map() }, 0);
    expect([...plan.sessionDays].map((d) => [d.day, d.count])).toEqual([
      [DAY0 - 1, 12],
      [DAY0, 8]
    ]);
    expect(fresh.requests.length).toBe(0);
    expect(rows(before)).toEqual(rows(oneDay(12, DAY0 - 1, 'e')));
  });

  it('adds the import’s requests per minute to its days, and leaves a day stored without them without', () => {
    const traffic = (n: number) => {
      const t = emptyTraffic();
      t[1] = n;
      return t;
    };
    const s: Stored = {
      ...stored(),
      endpointDays: new Map([
        [DAY0, []],
        [DAY0 + 1, []]
      ]),
      traffic: new Map([[DAY0, traffic(3)]])
    };
    const fresh = { sessions: oneDay(1, DAY0 + 2), endpointDays: new Map([DAY0, DAY0 + 1, DAY0 + 2].map((d) => [d, new Map()])), traffic: new Map([DAY0, DAY0 + 1, DAY0 + 2].map((d) => [d, traffic(2)])) };
    const plan = planCommit(s, fresh, 0);
    const byDay = new Map(plan.endpointDays.map((d) => [d.day, d.traffic?.[1]]));
    expect([byDay.get(DAY0), byDay.get(DAY0 + 1), byDay.get(DAY0 + 2)]).toEqual([5, undefined, 2]);
  });
});
