// The IndexedDB schema (SPEC §4): a block store. A `put` costs ~100 µs whatever its size, so the
// unit of writing is a block of packed columns, never a request or a session, and every block is
// keyed by a UTC day so that retention drops whole days by key range.
//
// v3 (this one):
// - requestBlocks: the parsed requests of one import and one day, ~one core chunk each (10k–100k
//   rows), indexed by day and by import. Written while an import runs, tagged with its ledger id;
//   they count only once the ledger says the import is 'complete' (see store.ts: staging). A block
//   carries the context parameters of its import as an optional `context` member (no version bump:
//   blocks without it read as having none).
// - sessionDays: all stored sessions, merged, one block per day of their last request; a day of
//   more than ~32k sessions is cut into parts, keyed day + k/1024 for part k, so that no value is
//   too large to write (IndexedDB holds a few copies of a value while it writes it). The parts of a
//   day sort after it and before the next day: key ranges by day still take or drop whole days.
// - endpointDays: endpoint statistics of one day's requests (merged across imports), and the
//   day's requests per minute by status class (`traffic`, a field added without a new version:
//   records without it are read as days whose minutes were not counted).
// - orders: the session orders (by start, end, requests, IP, risk) of the sessions as the worker
//   holds them (day blocks end to end), with the dataset's baseline and a generation number.
// - imports: the ledger; meta: salt, grouping settings, context parameters, retention, generation.
// Each version's step in `upgrade` is kept as it was; a new version adds a step, never edits one.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { RequestColumns } from '../core/requests';
import { dayOf, splitByEndDay } from '../core/session-rows';
import type { DayTraffic } from '../core/traffic';
import type { Baseline, EndpointStats, FormatName, SessionColumns } from '../core/types';

export const DB_NAME = 'sessionlens';
export const DB_VERSION = 3;

/** A file of an import: name and size as given, and a fingerprint of its content (see fingerprint.ts). */
export interface ImportedFile {
  name: string;
  size: number;
  fingerprint?: string;
}

/** One import in the ledger: what was read and what it gave. Counts and file names only, no log content. */
export interface ImportRecord {
  /** Auto-incremented. */
  id?: number;
  /** When the import began (pending) or finished (complete), UTC ms. */
  time: number;
  files: ImportedFile[];
  format: FormatName;
  bytes: number;
  lines: number;
  blank: number;
  requests: number;
  malformed: number;
  truncated: number;
  /** Sessions the import's own files gave, before merging with what was stored. */
  sessions: number;
  /** Time the import took, ms. */
  ms: number;
  /**
   * 'pending': running, or cut off (its request blocks are removed by the next import or start-up);
   * 'complete': its requests are stored and merged into the sessions; 'needs-reimport': a v1 import
   * whose sessions the v2 upgrade dropped.
   */
  status: 'pending' | 'complete' | 'needs-reimport';
  /** Sessions stored in all right after this import. */
  stored?: number;
  /** A re-import the user forced although the fingerprint was known. */
  forced?: boolean;
}

export interface RequestBlock {
  id?: number;
  importId: number;
  day: number;
  count: number;
  requests: RequestColumns;
}

export interface SessionDay {
  /** The UTC day; for part k > 0 of a day cut into parts, day + k/1024 (the key). */
  day: number;
  count: number;
  sessions: SessionColumns;
}

export interface EndpointDay {
  day: number;
  stats: EndpointStats[];
  /**
   * The day's requests per minute by status class (core/traffic.ts), for the overview. Absent on days
   * stored before it was counted (or merged with such a day): the overview then estimates them from
   * the sessions. A field of the record, not a store: no schema change, and it goes with its day.
   * Null: counted from the stored requests (store.ts fillTraffic) and found incomplete (the day holds
   * requests imported before requests were stored), so not tried again.
   */
  traffic?: DayTraffic | null;
}

/** Row orders of the held session table (sessionDays end to end, days ascending). */
export interface OrdersRecord {
  key: 'sessions';
  generation: number;
  count: number;
  baseline: Baseline;
  byStart: Uint32Array;
  byEnd: Uint32Array;
  byRequests: Uint32Array;
  byIp: Uint32Array;
  byRisk: Uint32Array;
}

export interface MetaRecord {
  key: string;
  value: unknown;
}

export interface SessionLensDB extends DBSchema {
  imports: { key: number; value: ImportRecord };
  requestBlocks: { key: number; value: RequestBlock; indexes: { byDay: number; byImport: number } };
  sessionDays: { key: number; value: SessionDay };
  endpointDays: { key: number; value: EndpointDay };
  orders: { key: string; value: OrdersRecord };
  meta: { key: string; value: MetaRecord };
}

export type Store = IDBPDatabase<SessionLensDB>;
type UpgradeTx = IDBPTransaction<SessionLensDB, StoreNames<SessionLensDB>[], 'versionchange'>;

/**
 * Opens (creating or upgrading) the database. `name` is only for tests, which use one per case.
 * `onClose` runs when the connection goes away under us (another tab upgrades the schema, or the
 * browser clears the site): the caller opens again on next use instead of failing.
 */
export function openStore(name: string = DB_NAME, onClose?: () => void): Promise<Store> {
  return openDB<SessionLensDB>(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, tx) {
      // The old stores are not in this version's types: reach them untyped.
      const raw = db as unknown as IDBPDatabase;
      if (oldVersion < 1) {
        db.createObjectStore('imports', { keyPath: 'id', autoIncrement: true });
        const blocks = raw.createObjectStore('sessionBlocks', { keyPath: 'id', autoIncrement: true });
        blocks.createIndex('byImport', 'importId');
        const meta = db.createObjectStore('meta', { keyPath: 'key' });
        // The salt for hashing key values (SPEC §2), made once per database and never shown.
        void meta.put({ key: 'salt', value: randomHex(16) });
      }
      if (oldVersion < 2) {
        raw.createObjectStore('endpoints', { keyPath: 'key' });
      }
      if (oldVersion < 3) {
        const blocks = db.createObjectStore('requestBlocks', { keyPath: 'id', autoIncrement: true });
        blocks.createIndex('byDay', 'day');
        blocks.createIndex('byImport', 'importId');
        db.createObjectStore('sessionDays', { keyPath: 'day' });
        db.createObjectStore('endpointDays', { keyPath: 'day' });
        db.createObjectStore('orders', { keyPath: 'key' });
        // v1 and v2 stores go once read (their requests must have finished before a store is deleted)
        const drop = () => {
          raw.deleteObjectStore('sessionBlocks');
          raw.deleteObjectStore('endpoints');
        };
        if (oldVersion === 2) migrateV2(tx, drop);
        else if (oldVersion === 1) dropV1Blocks(tx, drop);
        else drop();
      }
    },
    // Another tab wants a newer schema: let it have the database rather than hang its upgrade.
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
      onClose?.();
    },
    terminated() {
      onClose?.();
    }
  });
}

/**
 * v1 → v2: the v1 session blocks (one per import) are DROPPED, not migrated, and their ledger
 * entries kept, marked 'needs-reimport': v1 hashed keys with the core's built-in salt and lacked
 * the columns merging needs, so they cannot be merged exactly with later imports.
 */
function dropV1Blocks(tx: UpgradeTx, done: () => void): void {
  const raw = tx as unknown as IDBPTransaction<unknown, string[], 'versionchange'>;
  // Requests of the upgrade transaction only: an error in any of them aborts the upgrade (the
  // database then stays at the old version, untouched).
  void (async () => {
    const dropped = new Set<number>();
    const blocks = raw.objectStore('sessionBlocks');
    for (let c = await blocks.index('byImport').openKeyCursor(); c; c = await c.continue()) dropped.add(c.key as number);
    const ledger = tx.objectStore('imports');
    for (let c = await ledger.openCursor(); c; c = await c.continue()) {
      if (c.value.id !== undefined && dropped.has(c.value.id)) await c.update({ ...c.value, status: 'needs-reimport' });
    }
    done();
  })().catch(() => abortQuietly(tx));
}

/**
 * v2 → v3: v2's one merged session block is cut into day blocks (by last request), and its endpoint
 * statistics (one record for all days) filed under the day each endpoint was last seen, so retention
 * drops them with their last day. v2 kept no requests: sessions imported before v3 show no request
 * table. `done` deletes the v2 stores once read.
 */
function migrateV2(tx: UpgradeTx, done: () => void): void {
  const raw = tx as unknown as IDBPTransaction<unknown, string[], 'versionchange'>;
  void (async () => {
    const [blocks, endpoints] = await Promise.all([raw.objectStore('sessionBlocks').getAll(), raw.objectStore('endpoints').get('all')]);
    const sessions = (blocks as { columns: SessionColumns }[]).map((b) => b.columns).filter((c) => c.count > 0);
    // v2 held one block; should there be more, they were merged on load, so no two overlap much.
    for (const cols of sessions) {
      for (const { day, sessions: s } of splitByEndDay(cols)) await tx.objectStore('sessionDays').put({ day, count: s.count, sessions: s });
    }
    const byDay = new Map<number, EndpointStats[]>();
    for (const e of ((endpoints as { stats?: EndpointStats[] } | undefined)?.stats ?? [])) {
      const day = dayOf(Date.parse(e.lastSeen) || 0);
      byDay.set(day, [...(byDay.get(day) ?? []), e]);
    }
    for (const [day, stats] of byDay) await tx.objectStore('endpointDays').put({ day, stats });
    done();
  })().catch(() => abortQuietly(tx));
}

export function abortQuietly(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // Already finished or aborted (e.g. by a failed request): nothing was committed either way.
  }
}

function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}
