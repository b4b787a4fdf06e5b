// IndexedDB as a block store (SPEC §4). A `put` costs ~100 µs whatever its size, so the unit of
// writing is a block of packed columns, never a request or a session.
//
// Schema v2 (this one): every import is merged with what is stored (SPEC §2 order independence), so
// `sessionBlocks` holds ONE block — all stored sessions, merged — and `endpoints` one record with the
// endpoint statistics of the same requests. An import replaces both and adds its ledger record in a
// single readwrite transaction (`saveImport`). `meta` holds the key salt and the grouping settings.
// The next step (per-day columnar blocks, retention) is a schema v3: a new `oldVersion < 3` step in
// `upgrade` below, never an edit of an older step.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { EndpointStats, FormatName, SessionColumns, Summary } from '../core/types';
import { DEFAULT_GROUPING, type GroupingSettings } from '../grouping';

export const DB_NAME = 'sessionlens';
export const DB_VERSION = 2;

/** One import in the ledger: what was read and what it gave. Counts and file names only, no log content. */
export interface ImportRecord {
  /** Auto-incremented. */
  id?: number;
  /** When the import finished, UTC ms. */
  time: number;
  files: { name: string; size: number }[];
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
   * 'complete': its requests are in the stored sessions (only complete imports are written: the write
   * is atomic). 'needs-reimport': a v1 import whose sessions the v2 upgrade dropped (see `upgrade`);
   * removed from the ledger once an import covers all its files again.
   */
  status: 'complete' | 'needs-reimport';
  /** Sessions stored in all right after this import (v2 records only). */
  stored?: number;
}

/**
 * Stored sessions as packed columns, rows sorted by start. In v2 there is one block, all stored
 * sessions merged; `importId` is the import that wrote it last. (v1 had one block per import.)
 */
export interface SessionBlock {
  id?: number;
  importId: number;
  columns: SessionColumns;
}

/** The endpoint statistics of all stored requests, by requests (one record, key 'all'). */
export interface EndpointsRecord {
  key: 'all';
  stats: EndpointStats[];
}

export interface MetaRecord {
  key: string;
  value: unknown;
}

export interface SessionLensDB extends DBSchema {
  imports: { key: number; value: ImportRecord };
  sessionBlocks: { key: number; value: SessionBlock; indexes: { byImport: number } };
  endpoints: { key: string; value: EndpointsRecord };
  meta: { key: string; value: MetaRecord };
}

export type Store = IDBPDatabase<SessionLensDB>;

/** What saveImport needs to know about an import besides its sessions. */
export interface NewImport {
  files: { name: string; size: number }[];
  summary: Summary;
  ms: number;
}

/** What is stored: sessions (one merged block in v2; none when empty) and endpoint statistics. */
export interface StoredData {
  sessions: SessionColumns[];
  endpoints: EndpointStats[];
}

/** What an import writes in place of what was stored. */
export interface MergedData {
  sessions: SessionColumns;
  endpoints: EndpointStats[];
}

/** Opens (creating or upgrading) the database. `name` is only for tests, which use one per case. */
export function openStore(name: string = DB_NAME): Promise<Store> {
  return openDB<SessionLensDB>(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        db.createObjectStore('imports', { keyPath: 'id', autoIncrement: true });
        const blocks = db.createObjectStore('sessionBlocks', { keyPath: 'id', autoIncrement: true });
        blocks.createIndex('byImport', 'importId');
        const meta = db.createObjectStore('meta', { keyPath: 'key' });
        // The salt for hashing key values (SPEC §2), made once per database and never shown.
        void meta.put({ key: 'salt', value: randomHex(16) });
      }
      if (oldVersion < 2) {
        db.createObjectStore('endpoints', { keyPath: 'key' });
        if (oldVersion === 1) dropV1Blocks(tx);
      }
    },
    // Another tab wants a newer schema: let it have the database rather than hang its upgrade.
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
    }
  });
}

/**
 * v1 → v2: the v1 session blocks (one per import) are DROPPED, not migrated, and the ledger entries
 * they belonged to are kept, marked 'needs-reimport'. They cannot be merged with v2 imports exactly:
 * - v1 wrote key hashes with the core's built-in salt, not the database's (the worker did not pass
 *   it), and the raw key values are not kept, so they cannot be re-hashed to match new imports;
 * - the oldest v1 blocks lack the key columns (keyKind/keyHash), the status/bytes figures and the
 *   distinct IP/endpoint/host sets that mergeSessions needs;
 * - v1 stored no endpoint statistics, which v2 keeps for the same requests as the sessions.
 * Importing those files again restores them exactly.
 */
function dropV1Blocks(tx: IDBPTransaction<SessionLensDB, StoreNames<SessionLensDB>[], 'versionchange'>): void {
  // Requests of the upgrade transaction only: it stays alive while they are pending, and an error in
  // any of them aborts the upgrade (the database then stays at v1, untouched).
  void (async () => {
    const dropped = new Set<number>();
    const blocks = tx.objectStore('sessionBlocks');
    for (let c = await blocks.index('byImport').openKeyCursor(); c; c = await c.continue()) dropped.add(c.key);
    await blocks.clear();
    const ledger = tx.objectStore('imports');
    for (let c = await ledger.openCursor(); c; c = await c.continue()) {
      if (c.value.id !== undefined && dropped.has(c.value.id)) await c.update({ ...c.value, status: 'needs-reimport' });
    }
  })().catch(() => abortQuietly(tx));
}

/**
 * Writes one import atomically, merged with what is stored. In a single readwrite transaction it
 * reads the stored sessions, endpoint statistics and grouping settings, hands them to `merge`, and
 * replaces the stored data with its result, adding the import's ledger record (and removing the
 * 'needs-reimport' records whose files this import covers). `merge` must be synchronous (the
 * transaction would close while it awaited anything else); if it throws, or any write fails, the
 * transaction is aborted and the store is exactly as before. Resolves to the new import id and
 * what is now stored.
 */
export async function saveImport(
  db: Store,
  entry: NewImport,
  merge: (stored: StoredData, settings: GroupingSettings) => MergedData
): Promise<{ importId: number; data: MergedData }> {
  const tx = db.transaction(['imports', 'sessionBlocks', 'endpoints', 'meta'], 'readwrite');
  try {
    const [blocks, endpoints, settings, ledger] = await Promise.all([
      tx.objectStore('sessionBlocks').getAll(),
      tx.objectStore('endpoints').get('all'),
      readSettings(tx.objectStore('meta')),
      tx.objectStore('imports').getAll()
    ]);
    const data = merge({ sessions: blocks.map((b) => b.columns), endpoints: endpoints?.stats ?? [] }, settings);
    const { summary } = entry;
    const files = entry.files.map(({ name, size }) => ({ name, size }));
    const record: ImportRecord = {
      time: Date.now(),
      files,
      format: summary.format,
      bytes: summary.bytes,
      lines: summary.lines,
      blank: summary.blank,
      requests: summary.requests,
      malformed: summary.malformed,
      truncated: summary.truncated,
      sessions: summary.sessions,
      ms: entry.ms,
      status: 'complete',
      stored: data.sessions.count
    };
    const imports = tx.objectStore('imports');
    for (const old of ledger) {
      const covered = old.files.every((f) => files.some((g) => g.name === f.name && g.size === f.size));
      if (old.status === 'needs-reimport' && old.id !== undefined && covered) await imports.delete(old.id);
    }
    const importId = await imports.add(record);
    const store = tx.objectStore('sessionBlocks');
    await store.clear();
    await store.add({ importId, columns: data.sessions });
    await tx.objectStore('endpoints').put({ key: 'all', stats: data.endpoints });
    await tx.done;
    return { importId, data };
  } catch (err) {
    abortQuietly(tx);
    // tx.done rejects once aborted; it has been superseded by `err`.
    tx.done.catch(() => {});
    throw err;
  }
}

/** What is stored, read in one transaction. */
export async function loadStored(db: Store): Promise<StoredData> {
  const tx = db.transaction(['sessionBlocks', 'endpoints'], 'readonly');
  const [blocks, endpoints] = await Promise.all([tx.objectStore('sessionBlocks').getAll(), tx.objectStore('endpoints').get('all')]);
  await tx.done;
  return { sessions: blocks.map((b) => b.columns), endpoints: endpoints?.stats ?? [] };
}

/** Every stored session block (one in v2, none when empty). */
export async function loadAllSessions(db: Store): Promise<SessionColumns[]> {
  return (await loadStored(db)).sessions;
}

/** The import ledger, oldest first. */
export function listImports(db: Store): Promise<ImportRecord[]> {
  return db.getAll('imports');
}

/** Sessions stored in total: the rows of the stored block(s). */
export async function sessionCount(db: Store): Promise<number> {
  let total = 0;
  for (const b of await db.getAll('sessionBlocks')) total += b.columns.count;
  return total;
}

/**
 * Empties the ledger, the sessions and the endpoint statistics in one transaction. The salt and the
 * grouping settings stay.
 */
export async function clearData(db: Store): Promise<void> {
  const tx = db.transaction(['imports', 'sessionBlocks', 'endpoints'], 'readwrite');
  await Promise.all([tx.objectStore('imports').clear(), tx.objectStore('sessionBlocks').clear(), tx.objectStore('endpoints').clear(), tx.done]);
}

/** The grouping settings in `meta` (the defaults where none are stored). */
export async function getSettings(db: Store): Promise<GroupingSettings> {
  const tx = db.transaction('meta', 'readonly');
  const settings = await readSettings(tx.store);
  await tx.done;
  return settings;
}

/** Stores the grouping settings (already checked by the caller) in `meta`. */
export async function putSettings(db: Store, s: GroupingSettings): Promise<void> {
  const tx = db.transaction('meta', 'readwrite');
  await Promise.all([tx.store.put({ key: 'keys', value: s.keys }), tx.store.put({ key: 'inactivityMs', value: s.inactivityMs }), tx.done]);
}

type MetaStore = { get(key: string): Promise<MetaRecord | undefined> };

async function readSettings(meta: MetaStore): Promise<GroupingSettings> {
  const [keys, inactivity] = await Promise.all([meta.get('keys'), meta.get('inactivityMs')]);
  return {
    keys: typeof keys?.value === 'string' ? keys.value : DEFAULT_GROUPING.keys,
    inactivityMs: typeof inactivity?.value === 'number' ? inactivity.value : DEFAULT_GROUPING.inactivityMs
  };
}

/** The per-database salt for key hashes (created with the database): 32 hex digits. */
export async function getSalt(db: Store): Promise<string> {
  const rec = await db.get('meta', 'salt');
  return String(rec?.value ?? '');
}

/**
 * The salt as the core takes it: its first 16 hex digits (64 bits) as two u32, `[lo, hi]` (hi from
 * digits 0–7, lo from digits 8–15). A salt that is not hex is refused rather than silently weakened.
 */
export function saltWords(salt: string): [number, number] {
  if (!/^[0-9a-f]{16}/i.test(salt)) throw new Error('the database has no valid key salt');
  return [parseInt(salt.slice(8, 16), 16) >>> 0, parseInt(salt.slice(0, 8), 16) >>> 0];
}

function abortQuietly(tx: { abort(): void }): void {
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
