import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { EndpointStats } from '../core/types';
import { DEFAULT_GROUPING } from '../grouping';
import { makeColumns, makeSummary } from '../../test-data/factories/sessions';
import { V1_SALT, makeV1Store } from '../../test-data/factories/v1-store';
import {
  DB_NAME,
  clearData,
  getSalt,
  getSettings,
  listImports,
  loadAllSessions,
  loadStored,
  openStore,
  putSettings,
  saltWords,
  saveImport,
  sessionCount,
  type MergedData,
  type StoredData,
  type Store
} from './store';

let n = 0;
/** A fresh database per test: fake-indexeddb keeps them all in one process-wide factory. */
const fresh = (): Promise<Store> => openStore(`test-${++n}`);

const files = [{ name: 'access.log', size: 1234 }];

const endpoint = (name: string, requests: number): EndpointStats => ({
  endpoint: name,
  method: name.split(' ')[0],
  path: name.split(' ')[1],
  requests,
  sessions: 1,
  status: { '1xx': 0, '2xx': requests, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 },
  bytes: 10 * requests,
  p50: 5,
  p95: 9,
  p99: 9,
  firstSeen: '2024-01-01T00:00:00.000Z',
  lastSeen: '2024-01-01T00:01:00.000Z',
  sketch: { 12: requests },
  attacks: { sqli: 0, xss: 0, traversal: 0, cmdi: 0, jndi: 0, 'file-inclusion': 0, scanner: 0 },
  risk: 0
});

/** A merge that replaces whatever is stored with `data`, recording what it was handed. */
function replaceWith(data: MergedData, seen: StoredData[] = []) {
  return (stored: StoredData) => {
    seen.push(stored);
    return data;
  };
}

async function snapshot(db: Store) {
  return { imports: await listImports(db), stored: await loadStored(db), settings: await getSettings(db), salt: await getSalt(db) };
}

describe('storage', () => {
  it('creates the v2 schema under the product name', async () => {
    const db = await openStore();
    expect(db.name).toBe(DB_NAME);
    expect(db.version).toBe(2);
    expect([...db.objectStoreNames].sort()).toEqual(['endpoints', 'imports', 'meta', 'sessionBlocks']);
    expect(db.transaction('sessionBlocks').store.indexNames.contains('byImport')).toBe(true);
    expect(await getSalt(db)).toMatch(/^[0-9a-f]{32}$/);
    expect(await getSettings(db)).toEqual(DEFAULT_GROUPING);
    db.close();
  });

  it('keeps the salt across re-opening, and gives it to the core as two u32', async () => {
    const name = `test-${++n}`;
    const a = await openStore(name);
    const salt = await getSalt(a);
    a.close();
    const b = await openStore(name);
    expect(await getSalt(b)).toBe(salt);
    b.close();
    const [lo, hi] = saltWords(salt);
    expect(hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0')).toBe(salt.slice(0, 16));
    expect(saltWords('0123456789abcdef00')).toEqual([0x89abcdef, 0x01234567]);
    expect(saltWords('ffffffffffffffff')).toEqual([0xffffffff, 0xffffffff]);
    expect(() => saltWords('')).toThrow(/salt/);
    expect(() => saltWords('not hex at all!!')).toThrow(/salt/);
  });

  it('round-trips session columns and endpoint statistics through a save and a load', async () => {
    const db = await fresh();
    const cols = makeColumns(7);
    const eps = [endpoint('GET /', 7)];
    const seen: StoredData[] = [];
    await saveImport(db, { files, summary: makeSummary(cols), ms: 12 }, replaceWith({ sessions: cols, endpoints: eps }, seen));
    expect(seen).toEqual([{ sessions: [], endpoints: [] }]);

    const { sessions, endpoints } = await loadStored(db);
    expect(sessions).toHaveLength(1);
    const got = sessions[0];
    expect(got.count).toBe(7);
    expect(got.start).toBeInstanceOf(Float64Array);
    expect(got.user).toBeInstanceOf(Int32Array);
    expect(got.keyKind).toBeInstanceOf(Uint8Array);
    expect(got).toEqual(cols);
    expect(Array.from(got.user)).toEqual([0, -1, -1, 0, -1, -1, 0]);
    expect(endpoints).toEqual(eps);
    expect(await sessionCount(db)).toBe(7);
    db.close();
  });

  it('writes a ledger record with the counts of the import and the sessions stored after it', async () => {
    const db = await fresh();
    const cols = makeColumns(4);
    const summary = makeSummary(cols, { bytes: 999, lines: 20, blank: 2, malformed: 3, truncated: 1 });
    const before = Date.now();
    const merged = makeColumns(3);
    const { importId } = await saveImport(db, { files, summary, ms: 42 }, replaceWith({ sessions: merged, endpoints: [] }));

    const ledger = await listImports(db);
    expect(ledger).toEqual([
      {
        id: importId,
        time: expect.any(Number),
        files: [{ name: 'access.log', size: 1234 }],
        format: 'combined',
        bytes: 999,
        lines: 20,
        blank: 2,
        requests: summary.requests,
        malformed: 3,
        truncated: 1,
        sessions: 4,
        ms: 42,
        status: 'complete',
        stored: 3
      }
    ]);
    expect(ledger[0].time).toBeGreaterThanOrEqual(before);
    // The block is findable by the import that wrote it.
    const block = await db.getFromIndex('sessionBlocks', 'byImport', importId);
    expect(block?.columns.count).toBe(3);
    db.close();
  });

  it('hands the stored data and the settings to the merge, and replaces it with the result', async () => {
    const db = await fresh();
    const a = makeColumns(3);
    const b = makeColumns(5, Date.UTC(2024, 0, 2), 'b');
    await saveImport(db, { files, summary: makeSummary(a), ms: 1 }, replaceWith({ sessions: a, endpoints: [endpoint('GET /a', 3)] }));
    const handed: [StoredData, unknown][] = [];
    await saveImport(db, { files, summary: makeSummary(b), ms: 1 }, (stored, settings) => {
      handed.push([stored, settings]);
      return { sessions: b, endpoints: [endpoint('GET /b', 5)] };
    });
    expect(handed).toEqual([[{ sessions: [a], endpoints: [endpoint('GET /a', 3)] }, DEFAULT_GROUPING]]);
    expect(await db.count('sessionBlocks')).toBe(1);
    expect(await sessionCount(db)).toBe(5);
    expect((await loadAllSessions(db))[0].id).toEqual(b.id);
    expect((await loadStored(db)).endpoints.map((e) => e.endpoint)).toEqual(['GET /b']);
    expect((await listImports(db)).map((r) => [r.sessions, r.stored])).toEqual([
      [3, 3],
      [5, 5]
    ]);
    db.close();
  });

  it('leaves the store as before when the last write fails (after the block was replaced)', async () => {
    const db = await fresh();
    const good = makeColumns(3);
    await saveImport(db, { files, summary: makeSummary(good), ms: 1 }, replaceWith({ sessions: good, endpoints: [endpoint('GET /', 3)] }));
    const before = await snapshot(db);

    // The ledger record and the new block are written first; the endpoints then fail to clone.
    const next = makeColumns(2, Date.UTC(2024, 0, 3), 'c');
    const bad = [endpoint('GET /x', 2)];
    (bad[0] as unknown as { sketch: unknown }).sketch = () => 'not cloneable';
    await expect(saveImport(db, { files, summary: makeSummary(next), ms: 1 }, replaceWith({ sessions: next, endpoints: bad }))).rejects.toThrow();
    expect(await snapshot(db)).toEqual(before);

    // And the store still takes the next import.
    await saveImport(db, { files, summary: makeSummary(next), ms: 1 }, replaceWith({ sessions: next, endpoints: [] }));
    expect(await sessionCount(db)).toBe(2);
    expect(await listImports(db)).toHaveLength(2);
    db.close();
  });

  it('writes nothing when the merge throws', async () => {
    const db = await fresh();
    const good = makeColumns(3);
    await saveImport(db, { files, summary: makeSummary(good), ms: 1 }, replaceWith({ sessions: good, endpoints: [] }));
    const before = await snapshot(db);
    await expect(
      saveImport(db, { files, summary: makeSummary(good), ms: 1 }, () => {
        throw new Error('merge failed');
      })
    ).rejects.toThrow('merge failed');
    expect(await snapshot(db)).toEqual(before);
    db.close();
  });

  it('stores the grouping settings in meta, and clearing keeps them and the salt', async () => {
    const db = await fresh();
    await putSettings(db, { keys: 'cookie:sid,ip+ua', inactivityMs: 15 * 60_000 });
    expect(await getSettings(db)).toEqual({ keys: 'cookie:sid,ip+ua', inactivityMs: 15 * 60_000 });
    expect((await db.get('meta', 'keys'))?.value).toBe('cookie:sid,ip+ua');
    expect((await db.get('meta', 'inactivityMs'))?.value).toBe(15 * 60_000);
    const salt = await getSalt(db);

    const cols = makeColumns(3);
    await saveImport(db, { files, summary: makeSummary(cols), ms: 1 }, replaceWith({ sessions: cols, endpoints: [endpoint('GET /', 3)] }));
    await clearData(db);
    expect(await listImports(db)).toEqual([]);
    expect(await loadStored(db)).toEqual({ sessions: [], endpoints: [] });
    expect(await sessionCount(db)).toBe(0);
    expect(await getSalt(db)).toBe(salt);
    expect(await getSettings(db)).toEqual({ keys: 'cookie:sid,ip+ua', inactivityMs: 15 * 60_000 });
    db.close();
  });
});

describe('storage: v1 → v2 upgrade', () => {
  it('keeps the ledger (marked for re-import) and the salt, drops the v1 blocks, adds the endpoints store', async () => {
    const name = `test-v1-${++n}`;
    const { first, second } = await makeV1Store(name);
    const db = await openStore(name);
    expect(db.version).toBe(2);
    expect([...db.objectStoreNames].sort()).toEqual(['endpoints', 'imports', 'meta', 'sessionBlocks']);
    const ledger = await listImports(db);
    expect(ledger.map((r) => [r.id, r.files[0].name, r.sessions, r.status])).toEqual([
      [first, 'monday.log', 2, 'needs-reimport'],
      [second, 'tuesday.log', 4, 'needs-reimport']
    ]);
    expect(await db.count('sessionBlocks')).toBe(0);
    expect(await sessionCount(db)).toBe(0);
    expect(await loadStored(db)).toEqual({ sessions: [], endpoints: [] });
    expect(await getSalt(db)).toBe(V1_SALT);
    expect(await getSettings(db)).toEqual(DEFAULT_GROUPING);

    // Importing a file again takes its stale record out of the ledger; the other stays.
    const cols = makeColumns(2);
    await saveImport(db, { files: [{ name: 'tuesday.log', size: 100 }], summary: makeSummary(cols), ms: 1 }, replaceWith({ sessions: cols, endpoints: [] }));
    expect((await listImports(db)).map((r) => [r.files[0].name, r.status])).toEqual([
      ['monday.log', 'needs-reimport'],
      ['tuesday.log', 'complete']
    ]);
    db.close();

    // Opening again does not run the upgrade again.
    const again = await openStore(name);
    expect(await sessionCount(again)).toBe(2);
    again.close();
  });
});
