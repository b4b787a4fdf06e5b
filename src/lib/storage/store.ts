// What the worker does with the database (schema in schema.ts). An import is STAGED: its ledger
// record is written 'pending' first, its request blocks are written as the file is read (a few
// large transactions, never a whole file in memory), and one last transaction merges its sessions
// and endpoint statistics with what is stored and marks it 'complete'. Until then nothing reads its
// blocks; if it is cancelled or fails they are deleted, and if the tab closed they are deleted by
// `discardPending` at the next start or import. So an import either counts whole or not at all.
import type { RequestColumns } from '../core/requests';
import { concatSessions } from '../core/session-rows';
import { addTraffic, emptyTraffic, type DayTraffic } from '../core/traffic';
import type { EndpointStats, SessionColumns, Summary } from '../core/types';
import { DEFAULT_GROUPING, type GroupingSettings } from '../grouping';
import { checkContext, type ContextParam } from '../core/context';
import { computeOrders, type Orders } from './orders';
import {
  abortQuietly,
  type EndpointDay,
  type ImportedFile,
  type ImportRecord,
  type MetaRecord,
  type OrdersRecord,
  type SessionDay,
  type Store
} from './schema';

export { DB_NAME, DB_VERSION, openStore } from './schema';
export type { EndpointDay, ImportedFile, ImportRecord, SessionDay, Store } from './schema';

/** How long data is kept (SPEC §4): whole UTC days back from the newest stored request, or from today. */
export interface Retention {
  days: number;
  anchor: 'data' | 'clock';
}

export const DEFAULT_RETENTION: Retention = { days: 7, anchor: 'data' };
/** About a century: "keep everything" is a number of days too. */
export const MAX_RETENTION_DAYS = 36_500;

/** The stored data as the worker holds it: the sessions of every day end to end, and their orders. */
export interface Held {
  generation: number;
  /** Day blocks end to end, days ascending; null when nothing is stored. */
  sessions: SessionColumns | null;
  orders: Orders | null;
  /** The orders were computed on load (not stored, or stale): worth storing with `putOrders`. */
  ordersComputed: boolean;
  endpointDays: EndpointDay[];
  /** Ledger ids of the complete imports: only their request blocks count. */
  complete: Set<number>;
}

/** What an import's last transaction writes, as computed by the caller from what is stored. */
export interface CommitPlan {
  /** Every day block of sessions to keep (the others are deleted); iterated once, as they are written. */
  sessionDays: Iterable<SessionDay>;
  /** The endpoint statistics of the days the import touched, merged with what was stored. */
  endpointDays: EndpointDay[];
  /** The held table the session days make, end to end (its size and baseline), with its orders. */
  held: Pick<SessionColumns, 'count' | 'baseline'> | null;
  orders: Orders | null;
  /** Days before this one are dropped (retention); null keeps all. */
  cutoffDay: number | null;
}

/** What the commit hands to the plan: the stored data, read in the commit's own transaction. */
export interface Stored {
  sessions: SessionColumns | null;
  endpointDays: Map<number, EndpointStats[]>;
  /** The requests per minute of the stored days that have them (EndpointDay.traffic). */
  traffic?: Map<number, DayTraffic>;
  settings: GroupingSettings;
  retention: Retention;
  ledger: ImportRecord[];
}

/** Adds a 'pending' ledger record for an import about to run; resolves to its id. */
export async function beginImport(db: Store, files: ImportedFile[], forced = false): Promise<number> {
  const record: ImportRecord = {
    time: Date.now(),
    files,
    format: '',
    bytes: 0,
    lines: 0,
    blank: 0,
    requests: 0,
    malformed: 0,
    truncated: 0,
    sessions: 0,
    ms: 0,
    status: 'pending',
    ...(forced ? { forced } : {})
  };
  return db.add('imports', record);
}

/** Writes request blocks of a running import, one transaction for all of them. */
export async function putRequestBlocks(db: Store, importId: number, parts: { day: number; requests: RequestColumns }[]): Promise<void> {
  if (parts.length === 0) return;
  const tx = db.transaction('requestBlocks', 'readwrite');
  tx.done.catch(() => {}); // a failure is reported by the await below, once
  try {
    await Promise.all([...parts.map(({ day, requests }) => tx.store.add({ importId, day, count: requests.count, requests })), tx.done]);
  } catch (err) {
    abortQuietly(tx);
    tx.done.catch(() => {});
    // A browser over its quota may abort the transaction as a whole: its error says why.
    throw (err as Error)?.name === 'AbortError' && tx.error ? tx.error : err;
  }
}

/** Removes an import that did not complete: its request blocks and its ledger record. */
export async function discardImport(db: Store, importId: number): Promise<void> {
  const tx = db.transaction(['requestBlocks', 'imports'], 'readwrite');
  const blocks = tx.objectStore('requestBlocks');
  const ids = await blocks.index('byImport').getAllKeys(importId);
  await Promise.all([...ids.map((id) => blocks.delete(id)), tx.objectStore('imports').delete(importId), tx.done]);
}

/**
 * Removes every 'pending' import: ones a closed tab or a crash cut off. Only call it while holding
 * the import lock (no import can be running then). Resolves to how many were removed.
 */
export async function discardPending(db: Store): Promise<number> {
  const pending = (await db.getAll('imports')).filter((r) => r.status === 'pending' && r.id !== undefined);
  for (const r of pending) await discardImport(db, r.id!);
  return pending.length;
}

/**
 * The last transaction of an import. Reads what is stored (sessions of every day — unless `known`
 * holds them, as the worker's held table of the generation stored — endpoint statistics,
 * settings, retention, ledger), hands it to `plan` — which must be synchronous: the
 * transaction would close while it awaited anything else — and writes its result: the session
 * days, the endpoint days, the orders, the retention cut (days before it dropped, requests too) and
 * the ledger record marked 'complete'. If `plan` throws or a write fails (QuotaExceededError), the
 * transaction is aborted and the store is as before (the import's blocks are still pending: the
 * caller discards them).
 */
export async function commitImport<P extends CommitPlan>(
  db: Store,
  importId: number,
  entry: { files: ImportedFile[]; summary: Summary; ms: number },
  plan: (stored: Stored) => P,
  known?: KnownHeld
): Promise<{ plan: P; generation: number }> {
  const tx = commitTx(db);
  try {
    const meta = tx.objectStore('meta');
    const generation = await readGeneration(meta);
    // the held table of this very generation is what the session days hold: not read again
    const reuse = known !== undefined && known.generation === generation;
    const [days, endpointDays, settings, retention, ledger] = await Promise.all([
      reuse ? [] : tx.objectStore('sessionDays').getAll(),
      tx.objectStore('endpointDays').getAll(),
      readSettings(meta),
      readRetention(meta),
      tx.objectStore('imports').getAll()
    ]);
    const stored: Stored = {
      sessions: reuse ? known.sessions : days.length ? concatSessions(days.map((d) => d.sessions)) : null,
      endpointDays: new Map(endpointDays.map((d) => [d.day, d.stats])),
      traffic: new Map(endpointDays.flatMap((d) => (d.traffic ? [[d.day, d.traffic] as const] : []))),
      settings,
      retention,
      ledger
    };
    const result = plan(stored);
    const { summary } = entry;
    const record: ImportRecord = {
      ...(ledger.find((r) => r.id === importId) ?? { time: 0, status: 'pending', files: [] }),
      id: importId,
      time: Date.now(),
      files: entry.files,
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
      stored: result.held?.count ?? 0
    };
    const imports = tx.objectStore('imports');
    const writes: Promise<unknown>[] = [];
    // Once one write fails the transaction aborts and the others reject too: handled here, the first
    // failure is what Promise.all below reports.
    const track = (p: Promise<unknown>) => {
      p.catch(() => {});
      return p;
    };
    // needs-reimport records (v1) whose files this import covers are done with
    for (const old of ledger) {
      const covered = old.files.every((f) => entry.files.some((g) => g.name === f.name && g.size === f.size));
      if (old.status === 'needs-reimport' && old.id !== undefined && covered) writes.push(track(imports.delete(old.id)));
    }
    writes.push(track(imports.put(record)));
    const next = await writePlan(tx, result, generation, writes, track);
    await Promise.all([...writes, tx.done]);
    return { plan: result, generation: next };
  } catch (err) {
    throw failed(tx, err);
  }
}

/** The transaction a commit writes in: every store it touches. */
function commitTx(db: Store) {
  return db.transaction(['imports', 'requestBlocks', 'sessionDays', 'endpointDays', 'orders', 'meta'], 'readwrite');
}
type WriteTx = ReturnType<typeof commitTx>;

/**
 * The part of a commit that imports and re-grouping share: the session days replaced, the endpoint
 * days written, the days past retention dropped, the generation bumped and the orders stored.
 * Queues its writes on `writes`; returns the new generation.
 */
async function writePlan(tx: WriteTx, result: CommitPlan, generation: number, writes: Promise<unknown>[], track: (p: Promise<unknown>) => Promise<unknown>): Promise<number> {
  const sessionDays = tx.objectStore('sessionDays');
  writes.push(track(sessionDays.clear()));
  // One at a time: IndexedDB holds a copy or two of a value until it is written (the pieces of
  // a large day would otherwise all be held at once).
  for (const d of result.sessionDays) await track(sessionDays.put(d));
  const eps = tx.objectStore('endpointDays');
  for (const d of result.endpointDays) writes.push(track(eps.put(d)));
  if (result.cutoffDay !== null) {
    const before = IDBKeyRange.upperBound(result.cutoffDay, true);
    writes.push(track(eps.delete(before)));
    const blocks = tx.objectStore('requestBlocks');
    for (const id of await blocks.index('byDay').getAllKeys(before)) writes.push(track(blocks.delete(id)));
  }
  const next = generation + 1;
  writes.push(track(tx.objectStore('meta').put({ key: 'generation', value: next })));
  if (result.held && result.orders) writes.push(track(tx.objectStore('orders').put(ordersRecord(next, result.held, result.orders))));
  else writes.push(track(tx.objectStore('orders').clear()));
  return next;
}

/** A commit's transaction aborted; the error to report (the transaction's own, if an abort hid it). */
function failed(tx: WriteTx, err: unknown): unknown {
  abortQuietly(tx);
  // tx.done rejects once aborted; it has been superseded by `err` (or by the transaction's own error).
  tx.done.catch(() => {});
  return (err as Error)?.name === 'AbortError' && tx.error ? tx.error : err;
}

/** The stored data changed between the start of a re-grouping and its commit. */
export class DataChanged extends Error {}

/**
 * The last transaction of a re-grouping (src/worker/regroup.ts): every complete import `from` is
 * replaced by the staged import `to` that re-read its requests (the ledger record keeps its files,
 * figures and time under the new id; the old request blocks go), the session days are replaced by
 * the plan's, and the new grouping settings stored — all at once, or (if `plan` throws, a write
 * fails, or the generation is no longer `generation`) nothing. Endpoint figures do not depend on the
 * grouping: they stay (but for days the plan's retention cut drops).
 */
export async function commitRegroup<P extends CommitPlan>(
  db: Store,
  swaps: { from: number; to: number }[],
  settings: GroupingSettings,
  generation: number,
  plan: (stored: Stored) => P
): Promise<{ plan: P; generation: number }> {
  const tx = commitTx(db);
  try {
    const meta = tx.objectStore('meta');
    if ((await readGeneration(meta)) !== generation) throw new DataChanged('the stored data changed meanwhile');
    const [endpointDays, retention, ledger] = await Promise.all([tx.objectStore('endpointDays').getAll(), readRetention(meta), tx.objectStore('imports').getAll()]);
    const result = plan({ sessions: null, endpointDays: new Map(endpointDays.map((d) => [d.day, d.stats])), settings, retention, ledger });
    const imports = tx.objectStore('imports');
    const blocks = tx.objectStore('requestBlocks');
    const writes: Promise<unknown>[] = [];
    const track = (p: Promise<unknown>) => {
      p.catch(() => {});
      return p;
    };
    for (const { from, to } of swaps) {
      const old = ledger.find((r) => r.id === from);
      if (!old) throw new DataChanged(`import ${from} is no longer stored`);
      for (const id of await blocks.index('byImport').getAllKeys(from)) writes.push(track(blocks.delete(id)));
      writes.push(track(imports.delete(from)));
      writes.push(track(imports.put({ ...old, id: to, status: 'complete' })));
    }
    writes.push(track(meta.put({ key: 'keys', value: settings.keys })), track(meta.put({ key: 'inactivityMs', value: settings.inactivityMs })));
    const next = await writePlan(tx, result, generation, writes, track);
    await Promise.all([...writes, tx.done]);
    return { plan: result, generation: next };
  } catch (err) {
    throw failed(tx, err);
  }
}

/** The generation of the stored data: it grows with every write of sessions. */
export async function getGeneration(db: Store): Promise<number> {
  const tx = db.transaction('meta', 'readonly');
  const g = await readGeneration(tx.store);
  await tx.done;
  return g;
}

/** Ledger ids of the imports that have request blocks stored. */
export async function importsWithBlocks(db: Store): Promise<Set<number>> {
  const ids = new Set<number>();
  const tx = db.transaction('requestBlocks', 'readonly');
  for (let c = await tx.store.index('byImport').openKeyCursor(null, 'nextunique'); c; c = await c.continue()) ids.add(c.key as number);
  await tx.done;
  return ids;
}

/** Drops whole days before `cutoffDay`: their sessions (by last request), requests and endpoint figures. */
export async function pruneBefore(db: Store, cutoffDay: number): Promise<number> {
  const tx = db.transaction(['requestBlocks', 'sessionDays', 'endpointDays', 'orders', 'meta'], 'readwrite');
  const before = IDBKeyRange.upperBound(cutoffDay, true);
  const blocks = tx.objectStore('requestBlocks');
  const meta = tx.objectStore('meta');
  const [ids, generation] = await Promise.all([blocks.index('byDay').getAllKeys(before), readGeneration(meta)]);
  await Promise.all([
    ...ids.map((id) => blocks.delete(id)),
    tx.objectStore('sessionDays').delete(before),
    tx.objectStore('endpointDays').delete(before),
    tx.objectStore('orders').clear(),
    meta.put({ key: 'generation', value: generation + 1 }),
    tx.done
  ]);
  return generation + 1;
}

/** The held table and orders of a generation, as the commit that wrote them made them. */
export interface KnownHeld {
  generation: number;
  sessions: SessionColumns | null;
  orders: Orders | null;
}

/**
 * What is stored, read in one transaction and put together as the worker holds it. With `known`
 * (what the commit of that very generation wrote) the session days are not read back: reading
 * them (the stored values, the blocks they make, their concatenation) costs ~3× the table.
 */
export async function loadHeld(db: Store, known?: KnownHeld): Promise<Held> {
  const tx = db.transaction(['sessionDays', 'endpointDays', 'orders', 'imports', 'meta'], 'readonly');
  const generation = await readGeneration(tx.objectStore('meta'));
  const reuse = known !== undefined && known.generation === generation;
  const [days, endpointDays, orders, ledger] = await Promise.all([
    reuse ? [] : tx.objectStore('sessionDays').getAll(),
    tx.objectStore('endpointDays').getAll(),
    reuse ? undefined : tx.objectStore('orders').get('sessions'),
    tx.objectStore('imports').getAll()
  ]);
  await tx.done;
  const complete = new Set(ledger.filter((r) => r.status === 'complete').map((r) => r.id!));
  if (reuse) return { generation, sessions: known.sessions, orders: known.orders, ordersComputed: false, endpointDays, complete };
  if (days.length === 0) return { generation, sessions: null, orders: null, ordersComputed: false, endpointDays, complete };
  // the blocks as read are let go as they are copied into the table, not at some later GC
  const sessions = concatSessions(days.map((d) => d.sessions), true);
  if (orders && orders.generation === generation && orders.count === sessions.count) {
    sessions.baseline = orders.baseline;
    const { byStart, byEnd, byRequests, byIp, byRisk } = orders;
    return { generation, sessions, orders: { byStart, byEnd, byRequests, byIp, byRisk }, ordersComputed: false, endpointDays, complete };
  }
  return { generation, sessions, orders: null, ordersComputed: true, endpointDays, complete };
}

/** Stores orders computed on load, unless the data changed since (another generation). */
export async function putOrders(db: Store, generation: number, held: SessionColumns, orders: Orders): Promise<boolean> {
  const tx = db.transaction(['orders', 'meta'], 'readwrite');
  if ((await readGeneration(tx.objectStore('meta'))) !== generation) {
    await tx.done;
    return false;
  }
  await Promise.all([tx.objectStore('orders').put(ordersRecord(generation, held, orders)), tx.done]);
  return true;
}

export { computeOrders };

/**
 * The request blocks of complete imports on days `fromDay ..= toDay`, one at a time (so a long
 * range never sits in memory whole): `visit` gets each block and its day.
 */
export async function eachRequestBlock(
  db: Store,
  fromDay: number,
  toDay: number,
  complete: Set<number>,
  visit: (requests: RequestColumns, day: number, importId: number) => void
): Promise<void> {
  const keys = await db.getAllKeysFromIndex('requestBlocks', 'byDay', IDBKeyRange.bound(fromDay, toDay));
  for (const key of keys) {
    const block = await db.get('requestBlocks', key);
    if (block && complete.has(block.importId)) visit(block.requests, block.day, block.importId);
  }
}

/**
 * Counts, from their request blocks, the requests per minute of stored days that lack them (days
 * stored before they were counted at import), once: a day whose blocks hold all its requests (as
 * many as its endpoint figures count) gets them; any other is marked null, not to be read again.
 * Reads one day's blocks at a time. Call it under the import lock. Resolves to the days filled.
 */
export async function fillTraffic(db: Store): Promise<number> {
  const [days, ledger] = await Promise.all([db.getAll('endpointDays'), db.getAll('imports')]);
  const complete = new Set(ledger.filter((r) => r.status === 'complete').map((r) => r.id!));
  let filled = 0;
  for (const d of days) {
    if (d.traffic !== undefined) continue;
    const into = new Map<number, DayTraffic>();
    await eachRequestBlock(db, d.day, d.day, complete, (r) => addTraffic(into, r));
    const counted = into.get(d.day) ?? emptyTraffic();
    const total = counted.reduce((a, b) => a + b, 0);
    const whole = total === d.stats.reduce((n, e) => n + e.requests, 0);
    await db.put('endpointDays', { ...d, traffic: whole ? counted : null });
    if (whole) filled++;
  }
  return filled;
}

/** The import ledger, oldest first. */
export function listImports(db: Store): Promise<ImportRecord[]> {
  return db.getAll('imports');
}

/** Empties the ledger and every block in one transaction. The salt and the settings stay. */
export async function clearData(db: Store): Promise<void> {
  const tx = commitTx(db);
  const meta = tx.objectStore('meta');
  const generation = await readGeneration(meta);
  await Promise.all([
    tx.objectStore('imports').clear(),
    tx.objectStore('requestBlocks').clear(),
    tx.objectStore('sessionDays').clear(),
    tx.objectStore('endpointDays').clear(),
    tx.objectStore('orders').clear(),
    meta.put({ key: 'generation', value: generation + 1 }),
    tx.done
  ]);
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

/**
 * The context parameters in `meta` (none when none are stored). Kept apart from the grouping
 * settings: they change no session, so they may change whatever is stored.
 */
export async function getContext(db: Store): Promise<ContextParam[]> {
  const rec = await db.get('meta', 'context');
  // checked again as read: a value written by another version must not reach the core unchecked
  const checked = checkContext(Array.isArray(rec?.value) ? (rec.value as Partial<ContextParam>[]) : []);
  return checked.ok ? checked.value : [];
}

/** Stores the context parameters (already checked by the caller) in `meta`. */
export async function putContext(db: Store, params: ContextParam[]): Promise<void> {
  await db.put('meta', { key: 'context', value: params.map(({ field, label, hashed }) => ({ field, label, hashed })) });
}

export async function getRetention(db: Store): Promise<Retention> {
  const tx = db.transaction('meta', 'readonly');
  const r = await readRetention(tx.store);
  await tx.done;
  return r;
}

export async function putRetention(db: Store, r: Retention): Promise<void> {
  const tx = db.transaction('meta', 'readwrite');
  await Promise.all([tx.store.put({ key: 'retention', value: { days: r.days, anchor: r.anchor } }), tx.done]);
}

type MetaStore = { get(key: string): Promise<MetaRecord | undefined> };

async function readSettings(meta: MetaStore): Promise<GroupingSettings> {
  const [keys, inactivity] = await Promise.all([meta.get('keys'), meta.get('inactivityMs')]);
  return {
    keys: typeof keys?.value === 'string' ? keys.value : DEFAULT_GROUPING.keys,
    inactivityMs: typeof inactivity?.value === 'number' ? inactivity.value : DEFAULT_GROUPING.inactivityMs
  };
}

async function readRetention(meta: MetaStore): Promise<Retention> {
  const v = (await meta.get('retention'))?.value as Partial<Retention> | undefined;
  const days = Number(v?.days);
  return {
    days: Number.isInteger(days) && days >= 1 && days <= MAX_RETENTION_DAYS ? days : DEFAULT_RETENTION.days,
    anchor: v?.anchor === 'clock' ? 'clock' : 'data'
  };
}

async function readGeneration(meta: MetaStore): Promise<number> {
  const v = (await meta.get('generation'))?.value;
  return typeof v === 'number' ? v : 0;
}

function ordersRecord(generation: number, held: Pick<SessionColumns, 'count' | 'baseline'>, orders: Orders): OrdersRecord {
  return { key: 'sessions', generation, count: held.count, baseline: held.baseline, ...orders };
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
