// IndexedDB as a block store (SPEC §4). A `put` costs ~100 µs whatever its size, so the unit of
// writing is a block of packed columns, never a request or a session: one import = one ledger
// record + one session block, written in one transaction.
//
// Later (retention, per-day blocks, merging across imports): blocks will be keyed by day instead of by
// import, sessions that bridge two imports merged on write, and pruning done by index range over days.
// That is a schema v2; add it as a new `if (oldVersion < 2)` step in `upgrade` below, never by editing v1.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { FormatName, SessionColumns, Summary } from '../core/types';

export const DB_NAME = 'sessionlens';
export const DB_VERSION = 1;

/** One import in the ledger: what was read and what it gave. Counts only, no log content. */
export interface ImportRecord {
  /** Auto-incremented; also the key of the import's session block. */
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
  sessions: number;
  /** Time the import took, ms. */
  ms: number;
  /** Only complete imports are written (the write is atomic), so for now this is always 'complete'. */
  status: 'complete';
}

/** The sessions of one import, as the core returned them: packed columns, rows sorted by start. */
export interface SessionBlock {
  id?: number;
  importId: number;
  columns: SessionColumns;
}

export interface MetaRecord {
  key: string;
  value: unknown;
}

export interface SessionLensDB extends DBSchema {
  imports: { key: number; value: ImportRecord };
  sessionBlocks: { key: number; value: SessionBlock; indexes: { byImport: number } };
  meta: { key: string; value: MetaRecord };
}

export type Store = IDBPDatabase<SessionLensDB>;

/** What saveImport needs to know about an import besides its sessions. */
export interface NewImport {
  files: { name: string; size: number }[];
  summary: Summary;
  ms: number;
}

/** Opens (creating or upgrading) the database. `name` is only for tests, which use one per case. */
export function openStore(name: string = DB_NAME): Promise<Store> {
  return openDB<SessionLensDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('imports', { keyPath: 'id', autoIncrement: true });
        const blocks = db.createObjectStore('sessionBlocks', { keyPath: 'id', autoIncrement: true });
        blocks.createIndex('byImport', 'importId');
        const meta = db.createObjectStore('meta', { keyPath: 'key' });
        // The salt for hashing key values (SPEC §2), made once per database and never shown.
        void meta.put({ key: 'salt', value: randomHex(16) });
      }
    },
    // Another tab wants a newer schema: let it have the database rather than hang its upgrade.
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
    }
  });
}

/**
 * Writes one import atomically: its ledger record and its session block in a single readwrite
 * transaction. On any failure the transaction is aborted and the store is left as it was.
 * Resolves to the new import id.
 */
export async function saveImport(db: Store, entry: NewImport, columns: SessionColumns): Promise<number> {
  const tx = db.transaction(['imports', 'sessionBlocks'], 'readwrite');
  try {
    const { summary } = entry;
    const record: ImportRecord = {
      time: Date.now(),
      files: entry.files.map(({ name, size }) => ({ name, size })),
      format: summary.format,
      bytes: summary.bytes,
      lines: summary.lines,
      blank: summary.blank,
      requests: summary.requests,
      malformed: summary.malformed,
      truncated: summary.truncated,
      sessions: columns.count,
      ms: entry.ms,
      status: 'complete'
    };
    const importId = await tx.objectStore('imports').add(record);
    await tx.objectStore('sessionBlocks').add({ importId, columns });
    await tx.done;
    return importId;
  } catch (err) {
    abortQuietly(tx);
    // tx.done rejects once aborted; it has been superseded by `err`.
    tx.done.catch(() => {});
    throw err;
  }
}

/** Every stored session block, in import order. */
export async function loadAllSessions(db: Store): Promise<SessionColumns[]> {
  const blocks = await db.getAll('sessionBlocks');
  return blocks.map((b) => b.columns);
}

/** The import ledger, oldest first. */
export function listImports(db: Store): Promise<ImportRecord[]> {
  return db.getAll('imports');
}

/**
 * Sessions stored in total. Read from the ledger, whose records are small, rather than from the blocks.
 * Correct while there is one block per import; once imports merge, this count moves to the blocks.
 */
export async function sessionCount(db: Store): Promise<number> {
  let total = 0;
  for (const rec of await db.getAll('imports')) total += rec.sessions;
  return total;
}

/** The per-database salt for key hashes (created with the database). */
export async function getSalt(db: Store): Promise<string> {
  const rec = await db.get('meta', 'salt');
  return String(rec?.value ?? '');
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
