import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { makeColumns, makeSummary } from '../../test-data/factories/sessions';
import {
  DB_NAME,
  getSalt,
  listImports,
  loadAllSessions,
  openStore,
  saveImport,
  sessionCount,
  type Store
} from './store';

let n = 0;
/** A fresh database per test: fake-indexeddb keeps them all in one process-wide factory. */
const fresh = (): Promise<Store> => openStore(`test-${++n}`);

const files = [{ name: 'access.log', size: 1234 }];

describe('storage', () => {
  it('creates the v1 schema under the product name', async () => {
    const db = await openStore();
    expect(db.name).toBe(DB_NAME);
    expect(db.version).toBe(1);
    expect([...db.objectStoreNames].sort()).toEqual(['imports', 'meta', 'sessionBlocks']);
    expect(db.transaction('sessionBlocks').store.indexNames.contains('byImport')).toBe(true);
    expect(await getSalt(db)).toMatch(/^[0-9a-f]{32}$/);
    db.close();
  });

  it('keeps the salt across re-opening', async () => {
    const name = `test-${++n}`;
    const a = await openStore(name);
    const salt = await getSalt(a);
    a.close();
    const b = await openStore(name);
    expect(await getSalt(b)).toBe(salt);
    b.close();
  });

  it('round-trips session columns through a save and a load', async () => {
    const db = await fresh();
    const cols = makeColumns(7);
    await saveImport(db, { files, summary: makeSummary(cols), ms: 12 }, cols);

    const blocks = await loadAllSessions(db);
    expect(blocks).toHaveLength(1);
    const got = blocks[0];
    expect(got.count).toBe(7);
    expect(got.start).toBeInstanceOf(Float64Array);
    expect(got.user).toBeInstanceOf(Int32Array);
    expect(Array.from(got.start)).toEqual(Array.from(cols.start));
    expect(Array.from(got.end)).toEqual(Array.from(cols.end));
    expect(Array.from(got.requests)).toEqual(Array.from(cols.requests));
    expect(Array.from(got.ip)).toEqual(Array.from(cols.ip));
    expect(Array.from(got.user)).toEqual([0, -1, -1, 0, -1, -1, 0]);
    expect(got.id).toEqual(cols.id);
    expect(got.userAgents).toEqual(cols.userAgents);
    expect(got.users).toEqual(['alice']);
    expect(await sessionCount(db)).toBe(7);
    db.close();
  });

  it('writes a ledger record with the counts of the import', async () => {
    const db = await fresh();
    const cols = makeColumns(4);
    const summary = makeSummary(cols, { bytes: 999, lines: 20, blank: 2, malformed: 3, truncated: 1 });
    const before = Date.now();
    const id = await saveImport(db, { files, summary, ms: 42 }, cols);

    const ledger = await listImports(db);
    expect(ledger).toEqual([
      {
        id,
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
        status: 'complete'
      }
    ]);
    expect(ledger[0].time).toBeGreaterThanOrEqual(before);
    // The block is findable by its import.
    const block = await db.getFromIndex('sessionBlocks', 'byImport', id);
    expect(block?.columns.count).toBe(4);
    db.close();
  });

  it('adds up sessions over several imports', async () => {
    const db = await fresh();
    const a = makeColumns(3);
    const b = makeColumns(5, Date.UTC(2024, 0, 2), 'b');
    await saveImport(db, { files, summary: makeSummary(a), ms: 1 }, a);
    await saveImport(db, { files, summary: makeSummary(b), ms: 1 }, b);
    expect(await sessionCount(db)).toBe(8);
    expect((await loadAllSessions(db)).map((c) => c.count)).toEqual([3, 5]);
    expect((await listImports(db)).map((r) => r.sessions)).toEqual([3, 5]);
    db.close();
  });

  it('leaves the store as before when the write fails half-way', async () => {
    const db = await fresh();
    const good = makeColumns(3);
    await saveImport(db, { files, summary: makeSummary(good), ms: 1 }, good);

    // The ledger record is added first; the block then fails to clone, mid-transaction.
    const bad = makeColumns(2, Date.UTC(2024, 0, 3), 'c');
    (bad as unknown as { ips: unknown[] }).ips.push(() => 'not cloneable');
    await expect(saveImport(db, { files, summary: makeSummary(bad), ms: 1 }, bad)).rejects.toThrow();

    expect(await listImports(db)).toHaveLength(1);
    expect(await db.count('sessionBlocks')).toBe(1);
    expect(await sessionCount(db)).toBe(3);

    // And the store still takes the next import.
    const next = makeColumns(1, Date.UTC(2024, 0, 4), 'd');
    await saveImport(db, { files, summary: makeSummary(next), ms: 1 }, next);
    expect(await sessionCount(db)).toBe(4);
    db.close();
  });
});
