import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { splitByEndDay, dayOf, DAY_MS } from '../core/session-rows';
import type { EndpointStats, SessionColumns } from '../core/types';
import { DEFAULT_GROUPING } from '../grouping';
import { makeColumns, makeSummary } from '../../test-data/factories/sessions';
import { makeRequests } from '../../test-data/factories/requests';
import { V1_SALT, makeV1Store } from '../../test-data/factories/v1-store';
import { V2_SALT, makeV2Store } from '../../test-data/factories/v2-store';
import { computeOrders } from './orders';
import {
  DB_NAME,
  beginImport,
  clearData,
  commitImport,
  discardImport,
  discardPending,
  eachRequestBlock,
  getRetention,
  getSalt,
  getSettings,
  listImports,
  loadHeld,
  openStore,
  pruneBefore,
  putRequestBlocks,
  putRetention,
  putSettings,
  saltWords,
  type CommitPlan,
  type Stored,
  type Store
} from './store';

let n = 0;
/** A fresh database per test: fake-indexeddb keeps them all in one process-wide factory. */
const fresh = (): Promise<Store> => openStore(`test-${++n}`);

const DAY0 = dayOf(Date.UTC(2024, 0, 1));
const files = [{ name: 'access.log', size: 1234, fingerprint: 'f'.repeat(64) }];

const endpoint = (name: string, requests: number, day = DAY0): EndpointStats => ({
  endpoint: name,
  method: name.split(' ')[0],
  path: name.split(' ')[1],
  requests,
  sessions: 0,
  status: { '1xx': 0, '2xx': requests, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 },
  bytes: 10 * requests,
  p50: null,
  p95: null,
  p99: null,
  firstSeen: new Date(day * DAY_MS).toISOString(),
  lastSeen: new Date(day * DAY_MS + 60_000).toISOString(),
  sketch: { 12: requests },
  attacks: { sqli: 0, xss: 0, traversal: 0, cmdi: 0, jndi: 0, 'file-inclusion': 0, scanner: 0 },
  risk: 0
});

/** A plan that stores `sessions` whole (days by last request), with endpoint records per day. */
function storeAll(sessions: SessionColumns, endpointDays: { day: number; stats: EndpointStats[] }[] = [], cutoffDay: number | null = null, seen: Stored[] = []) {
  return (stored: Stored): CommitPlan => {
    seen.push(stored);
    const days = splitByEndDay(sessions).filter((d) => cutoffDay === null || d.day >= cutoffDay);
    return { sessionDays: days.map((d) => ({ day: d.day, count: d.sessions.count, sessions: d.sessions })), endpointDays, held: sessions, orders: computeOrders(sessions), cutoffDay };
  };
}

async function snapshot(db: Store) {
  return {
    imports: await listImports(db),
    blocks: await db.getAll('requestBlocks'),
    days: await db.getAll('sessionDays'),
    endpoints: await db.getAll('endpointDays'),
    orders: await db.getAll('orders'),
    meta: await db.getAll('meta')
  };
}

async function commitOne(db: Store, sessions: SessionColumns, requestDays: number[] = [DAY0]) {
  const id = await beginImport(db, files);
  await putRequestBlocks(db, id, requestDays.map((day) => ({ day, requests: makeRequests([{ time: day * DAY_MS + 1000 }]) })));
  await commitImport(db, id, { files, summary: makeSummary(sessions), ms: 5 }, storeAll(sessions, requestDays.map((day) => ({ day, stats: [endpoint('GET /', 1, day)] }))));
  return id;
}

describe('storage', () => {
  it('creates the v3 schema under the product name, with a salt the core takes as two u32', async () => {
    expect(DB_NAME).toBe('sessionlens');
    const db = await fresh();
    expect(db.version).toBe(3);
    expect([...db.objectStoreNames].sort()).toEqual(['endpointDays', 'imports', 'meta', 'orders', 'requestBlocks', 'sessionDays']);
    expect([...db.transaction('requestBlocks').store.indexNames].sort()).toEqual(['byDay', 'byImport']);
    const salt = await getSalt(db);
    expect(salt).toMatch(/^[0-9a-f]{32}$/);
    expect(saltWords('0123456789abcdef')).toEqual([0x89abcdef, 0x01234567]);
    expect(() => saltWords('nothex')).toThrow(/salt/);
  });

  it('stages request blocks under a pending import that nothing reads until it completes', async () => {
    const db = await fresh();
    const id = await beginImport(db, files);
    expect((await listImports(db)).map((r) => [r.id, r.status])).toEqual([[id, 'pending']]);
    await putRequestBlocks(db, id, [
      { day: DAY0, requests: makeRequests([{ time: DAY0 * DAY_MS + 5 }, { time: DAY0 * DAY_MS + 9 }]) },
      { day: DAY0 + 1, requests: makeRequests([{ time: (DAY0 + 1) * DAY_MS }]) }
    ]);
    expect(await db.count('requestBlocks')).toBe(2);
    const held = await loadHeld(db);
    expect(held.complete.has(id)).toBe(false);
    const visited: number[] = [];
    await eachRequestBlock(db, DAY0, DAY0 + 1, held.complete, (r) => visited.push(r.count));
    expect(visited).toEqual([]);

    const cols = makeColumns(3);
    await commitImport(db, id, { files, summary: makeSummary(cols), ms: 5 }, storeAll(cols));
    const after = await loadHeld(db);
    expect(after.complete.has(id)).toBe(true);
    await eachRequestBlock(db, DAY0, DAY0 + 1, after.complete, (r, day) => visited.push(day, r.count));
    expect(visited).toEqual([DAY0, 2, DAY0 + 1, 1]);
    expect((await listImports(db))[0]).toMatchObject({ id, status: 'complete', files, requests: makeSummary(cols).requests, stored: 3 });
  });

  it('a discarded import leaves no block and no ledger record; discardPending removes only pending ones', async () => {
    const db = await fresh();
    const done = await commitOne(db, makeColumns(2));
    const before = await snapshot(db);
    const cut = await beginImport(db, files);
    await putRequestBlocks(db, cut, [{ day: DAY0, requests: makeRequests([{ time: DAY0 * DAY_MS }]) }]);
    await discardImport(db, cut);
    expect(await snapshot(db)).toEqual(before);

    // a tab closed mid-import: its record stays 'pending' until the next start
    const a = await beginImport(db, files);
    await putRequestBlocks(db, a, [{ day: DAY0 + 2, requests: makeRequests([{ time: (DAY0 + 2) * DAY_MS }]) }]);
    const b = await beginImport(db, files);
    expect(await discardPending(db)).toBe(2);
    expect(await snapshot(db)).toEqual(before);
    expect((await listImports(db)).map((r) => r.id)).toEqual([done]);
    void b;
  });

  it('commits sessions in day blocks with their orders; a load gives back the same table and orders', async () => {
    const db = await fresh();
    // sessions over three days, one a day and a half apart
    const cols = makeColumns(3);
    for (let i = 0; i < 3; i++) {
      cols.start[i] = DAY0 * DAY_MS + i * 1.5 * DAY_MS;
      cols.end[i] = cols.start[i] + 60_000;
    }
    await commitOne(db, cols);
    expect((await db.getAll('sessionDays')).map((d) => [d.day, d.count])).toEqual([
      [DAY0, 1],
      [DAY0 + 1, 1],
      [DAY0 + 3, 1]
    ]);
    const held = await loadHeld(db);
    expect(held.sessions?.id).toEqual(cols.id);
    expect(held.ordersComputed).toBe(false);
    expect(held.orders).toEqual(computeOrders(cols));
    expect(held.generation).toBe(1);
  });

  it('leaves the store exactly as before when the plan throws or a write fails, with the import still pending', async () => {
    const db = await fresh();
    await commitOne(db, makeColumns(2));
    const before = await snapshot(db);
    const id = await beginImport(db, files);
    const pending = await snapshot(db);
    await expect(
      commitImport(db, id, { files, summary: makeSummary(makeColumns(1)), ms: 1 }, () => {
        throw new Error('merge failed');
      })
    ).rejects.toThrow('merge failed');
    expect(await snapshot(db)).toEqual(pending);

    const bad = makeColumns(2);
    (bad.id as unknown[])[1] = () => 'not cloneable';
    await expect(commitImport(db, id, { files, summary: makeSummary(bad), ms: 1 }, storeAll(bad))).rejects.toThrow();
    expect(await snapshot(db)).toEqual(pending);
    await discardImport(db, id);
    expect(await snapshot(db)).toEqual(before);
  });

  it('hands the plan what is stored: sessions, endpoint days, settings, retention and ledger', async () => {
    const db = await fresh();
    const first = makeColumns(2);
    await commitOne(db, first);
    await putSettings(db, { keys: 'ip', inactivityMs: 600_000 });
    await putRetention(db, { days: 3, anchor: 'clock' });
    const seen: Stored[] = [];
    const id = await beginImport(db, files);
    await commitImport(db, id, { files, summary: makeSummary(first), ms: 1 }, storeAll(first, [], null, seen));
    expect(seen[0].sessions?.id).toEqual(first.id);
    expect([...seen[0].endpointDays.keys()]).toEqual([DAY0]);
    expect(seen[0].settings).toEqual({ keys: 'ip', inactivityMs: 600_000 });
    expect(seen[0].retention).toEqual({ days: 3, anchor: 'clock' });
    expect(seen[0].ledger.map((r) => r.status)).toEqual(['complete', 'pending']);
  });

  it('drops request blocks and endpoint days before the cut of a commit, and whole days on a prune', async () => {
    const db = await fresh();
    const cols = makeColumns(4);
    for (let i = 0; i < 4; i++) cols.start[i] = cols.end[i] = (DAY0 + i) * DAY_MS + 1000;
    const id = await beginImport(db, files);
    await putRequestBlocks(db, id, [0, 1, 2, 3].map((d) => ({ day: DAY0 + d, requests: makeRequests([{ time: (DAY0 + d) * DAY_MS + 1000 }]) })));
    const eps = [0, 1, 2, 3].map((d) => ({ day: DAY0 + d, stats: [endpoint('GET /', 1, DAY0 + d)] }));
    await commitImport(db, id, { files, summary: makeSummary(cols), ms: 1 }, storeAll(cols, eps, DAY0 + 1));
    expect((await db.getAll('requestBlocks')).map((b) => b.day)).toEqual([DAY0 + 1, DAY0 + 2, DAY0 + 3]);
    expect((await db.getAll('endpointDays')).map((b) => b.day)).toEqual([DAY0 + 1, DAY0 + 2, DAY0 + 3]);
    expect((await db.getAll('sessionDays')).map((b) => b.day)).toEqual([DAY0 + 1, DAY0 + 2, DAY0 + 3]);

    const generation = (await loadHeld(db)).generation;
    expect(await pruneBefore(db, DAY0 + 3)).toBe(generation + 1);
    expect((await db.getAll('requestBlocks')).map((b) => b.day)).toEqual([DAY0 + 3]);
    expect((await db.getAll('endpointDays')).map((b) => b.day)).toEqual([DAY0 + 3]);
    expect((await db.getAll('sessionDays')).map((b) => b.day)).toEqual([DAY0 + 3]);
    const held = await loadHeld(db);
    expect(held.sessions?.count).toBe(1);
    // the stored orders were of the table before the prune: computed afresh
    expect(held.ordersComputed).toBe(true);
  });

  it('keeps retention settings, refusing odd values for the default', async () => {
    const db = await fresh();
    expect(await getRetention(db)).toEqual({ days: 7, anchor: 'data' });
    await putRetention(db, { days: 14, anchor: 'clock' });
    expect(await getRetention(db)).toEqual({ days: 14, anchor: 'clock' });
    await db.put('meta', { key: 'retention', value: { days: -3, anchor: 'moon' } });
    expect(await getRetention(db)).toEqual({ days: 7, anchor: 'data' });
  });

  it('clears every block and the ledger, keeping the salt and the settings', async () => {
    const db = await fresh();
    await commitOne(db, makeColumns(2));
    await putSettings(db, { keys: 'ip', inactivityMs: 60_000 });
    const salt = await getSalt(db);
    await clearData(db);
    const s = await snapshot(db);
    expect([s.imports, s.blocks, s.days, s.endpoints, s.orders]).toEqual([[], [], [], [], []]);
    expect(await getSalt(db)).toBe(salt);
    expect(await getSettings(db)).toEqual({ keys: 'ip', inactivityMs: 60_000 });
    expect((await loadHeld(db)).sessions).toBeNull();
  });
});

describe('storage: upgrades', () => {
  it('v1 → v3 keeps the ledger (marked for re-import) and the salt, and drops the v1 blocks and stores', async () => {
    const name = `test-v1-${++n}`;
    const { first, second } = await makeV1Store(name);
    const db = await openStore(name);
    expect(db.version).toBe(3);
    expect([...db.objectStoreNames].sort()).toEqual(['endpointDays', 'imports', 'meta', 'orders', 'requestBlocks', 'sessionDays']);
    expect((await listImports(db)).map((r) => [r.id, r.files[0].name, r.status])).toEqual([
      [first, 'monday.log', 'needs-reimport'],
      [second, 'tuesday.log', 'needs-reimport']
    ]);
    expect((await loadHeld(db)).sessions).toBeNull();
    expect(await getSalt(db)).toBe(V1_SALT);
    expect(await getSettings(db)).toEqual(DEFAULT_GROUPING);

    // Importing a file again takes its stale record out of the ledger; the other stays.
    const cols = makeColumns(2);
    const id = await beginImport(db, [{ name: 'tuesday.log', size: 100 }]);
    await commitImport(db, id, { files: [{ name: 'tuesday.log', size: 100 }], summary: makeSummary(cols), ms: 1 }, storeAll(cols));
    expect((await listImports(db)).map((r) => [r.files[0].name, r.status])).toEqual([
      ['monday.log', 'needs-reimport'],
      ['tuesday.log', 'complete']
    ]);
    db.close();
    const again = await openStore(name);
    expect((await loadHeld(again)).sessions?.count).toBe(2);
    again.close();
  });

  it('v2 → v3 keeps every session (cut into days by last request), the endpoint figures, ledger and salt', async () => {
    const name = `test-v2-${++n}`;
    const cols = makeColumns(5);
    for (let i = 0; i < 5; i++) {
      cols.start[i] = (DAY0 + i) * DAY_MS;
      cols.end[i] = cols.start[i] + 3_600_000;
    }
    await makeV2Store(name, cols, [endpoint('GET /a', 3, DAY0), endpoint('GET /b', 2, DAY0 + 4)]);
    const db = await openStore(name);
    expect([...db.objectStoreNames]).not.toContain('sessionBlocks');
    const held = await loadHeld(db);
    expect(held.sessions?.id).toEqual(cols.id);
    expect([...held.sessions!.requests]).toEqual([...cols.requests]);
    expect(held.endpointDays.map((d) => [d.day, d.stats.map((e) => e.endpoint)])).toEqual([
      [DAY0, ['GET /a']],
      [DAY0 + 4, ['GET /b']]
    ]);
    expect((await listImports(db)).map((r) => [r.files[0].name, r.status])).toEqual([['week.log', 'complete']]);
    expect(await getSalt(db)).toBe(V2_SALT);
    db.close();
  });

  it('an upgrade asked by a newer tab closes this connection instead of hanging, and says so', async () => {
    const name = `test-tabs-${++n}`;
    let closed = 0;
    const old = await openStore(name, () => closed++);
    await commitOne(old, makeColumns(2));
    // a later version's tab opens the same database
    const { openDB } = await import('idb');
    const newer = await openDB(name, 4, { upgrade() {} });
    expect(closed).toBe(1);
    expect(await newer.count('sessionDays')).toBeGreaterThan(0);
    newer.close();
  });
});
