// What the worker does, as a plain class: runs the core over the sources, stages the requests and
// commits the merged sessions and endpoint statistics (store.ts), serves pages of sessions and
// endpoints, keeps the settings. No worker or wasm specifics here, so it runs (and is tested) in Node.
import type { AnalyseOptions, LogSource } from '../lib/core/api';
import type { FilePreview } from '../lib/core/analyse';
import type { EngineOptions } from '../lib/core/engine';
import { formatByName, type FormatSpec } from '../lib/core/formats/index';
import { parseKeys } from '../lib/core/keys';
import { checkContext, columnName, type ContextParam } from '../lib/core/context';
import { addEndpointStats, splitRequestsByDay, type EndpointDraft } from '../lib/core/request-rows';
import { releaseRequests, type RequestColumns } from '../lib/core/requests';
import { addTraffic, type DayTraffic } from '../lib/core/traffic';
import { dayOf } from '../lib/core/session-rows';
import { sessionAt } from '../lib/core/sessions';
import type { EndpointStats, InputError, Progress, Result, Session, SessionColumns, Summary } from '../lib/core/types';
import { checkGrouping, sameGrouping, type GroupingSettings } from '../lib/grouping';
import { FingerprintTap, fingerprintBlob } from '../lib/storage/fingerprint';
import type { Orders } from '../lib/storage/orders';
import {
  MAX_RETENTION_DAYS,
  beginImport,
  putRequestBlocks,
  clearData,
  commitImport,
  computeOrders,
  DataChanged,
  discardImport,
  discardPending,
  fillTraffic,
  getRetention,
  getContext,
  getSalt,
  getSettings,
  listImports,
  loadHeld,
  pruneBefore,
  putOrders,
  putContext,
  putRetention,
  putSettings,
  saltWords,
  type EndpointDay,
  type ImportRecord,
  type ImportedFile,
  type KnownHeld,
  type Stored,
  type Retention,
  type Store
} from '../lib/storage/store';
import type {
  RegroupCheck,
  RegroupProgress,
  SavedSettings,
  EndpointPage,
  EndpointQuery,
  EndpointRow,
  Overview,
  FormatChoice,
  ImportOptions,
  ImportReport,
  ImportSource,
  MaintenanceReport,
  RequestFilter,
  RequestPage,
  SessionDetailData,
  SessionFilter,
  SessionPage,
  SessionSort,
  WorkerApi
} from './api';
import { cutoffDay, heldEndpoints, heldOf, isoDay, newestEnd, planCommit, type Pruned } from './commit';
import { fail, isFileChanged, isQuotaError, messageOf } from './errors';
import { localQueue, type ChangeMessage, type Lock } from './locks';
import { checkFilter, selectSessions, selectionKey } from './select';
import { selectEndpoints } from './endpoint-select';
import { computeOverview } from './overview';
import { cleanEndpointQuery } from '../lib/endpoint-query';
import type { StorageMode } from './storage-mode';
import { filterRequests, gatherRequests, requestRow, type Gathered } from './session-requests';
import { actorSessions, profileOf } from './session-profile';
import { openSources } from './sources';
import { NotPossible, checkRegroup, regroup } from './regroup';

const REGROUP_CANCELLED = 'Re-grouping cancelled: the stored sessions and settings are as before.';

export type Analyse = (
  sources: LogSource[],
  opts: AnalyseOptions &
    EngineOptions & { format?: FormatSpec; onRequests?: (block: RequestColumns) => void | Promise<void> }
) => Promise<Result<{ summary: Summary; sessions: SessionColumns; endpoints: EndpointStats[] }>>;

export type Preview = (sources: LogSource[], opts: { format?: FormatSpec; limit?: number }) => Promise<FilePreview[]>;

export interface ServiceDeps {
  /** The core's `analyse` with its compiled module bound. */
  analyse: Analyse;
  /** The core's `previewLogs` with its compiled module bound. */
  preview: Preview;
  openStore: (onClose: () => void) => Promise<Store>;
  fetch?: typeof fetch;
  now?: () => number;
  /** The cross-tab write lock (locks.ts); default: a queue in this realm. */
  lock?: Lock;
  /** Tells other tabs the data changed (locks.ts); default: nobody to tell. */
  announce?: (msg: ChangeMessage) => void;
  /** Where data is kept (storage-mode.ts), decided before the store is first opened; default persistent. */
  storage?: Promise<StorageMode>;
}

/** Progress is forwarded at most this often: each message costs a render on the page. */
const PROGRESS_INTERVAL_MS = 100;

/** Parsed requests shown per file before an import. */
export const PREVIEW_ROWS = 10;

/** What is stored, as the service holds it: the sessions of every day end to end and their orders. */
interface HeldData {
  generation: number;
  sessions: SessionColumns | null;
  orders: Orders | null;
  endpoints: EndpointStats[];
  /** The stored endpoint figures by day (retention counts the requests it drops from them). */
  endpointDays: EndpointDay[];
  complete: Set<number>;
}

/** The rows a filter and sort picked, kept for the next page of the same query. */
interface Selection {
  sessions: SessionColumns;
  key: string;
  /** Row indices in the order to list; null for all rows as they are. */
  rows: Uint32Array | null;
}

/** A settings change (another tab) between the analysis and the write: the import must not be merged. */
class SettingsChanged extends Error {}
/** A streamed source turned out to be a file already imported. */
class Duplicate extends Error {}


export class SessionService implements WorkerApi {
  #deps: ServiceDeps;
  #db: Promise<Store> | undefined;
  #lock: Lock;
  #id = Math.random().toString(36).slice(2);
  /** Imports asked for and not finished (waiting for the lock, or running): a cancel stops them all. */
  #aborts = new Set<AbortController>();
  /** Re-groupings asked for and not finished (cancelRegroup stops them). */
  #regroups = new Set<AbortController>();
  /** The stored data, loaded on first listing and replaced after each committed write. */
  #held: HeldData | undefined;
  #loading: Promise<HeldData> | undefined;
  /** The last query's selection (it follows #held: a new table is selected afresh). */
  #selection: Selection | undefined;
  /** Session id → row of the held table, made on first use. */
  #rowOf: { sessions: SessionColumns; map: Map<string, number> } | undefined;
  /** The endpoints view's last query, for its next page (it follows the held list). */
  #endpointSelection: { list: EndpointStats[]; key: string; rows: Uint32Array } | undefined;
  /** The last overview, for the same held data and window. */
  #overview: { held: HeldData; key: string; value: Overview } | undefined;
  /** The last session whose requests were gathered (paging through them reads the store once). */
  #gathered: { sessions: SessionColumns; id: string; requests: Promise<Gathered> } | undefined;

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
    this.#lock = deps.lock ?? localQueue();
  }

  async instanceId(): Promise<string> {
    return this.#id;
  }

  importSources(
    sources: ImportSource[],
    onProgress?: (p: Progress) => void,
    choice?: FormatChoice,
    options?: ImportOptions
  ): Promise<Result<ImportReport>> {
    // Made before waiting for the lock, so a cancel while waiting is not lost.
    const ctrl = new AbortController();
    this.#aborts.add(ctrl);
    return this.#lock(() => this.#import(sources, onProgress, choice, options?.force === true, ctrl)).finally(() => this.#aborts.delete(ctrl));
  }

  async previewSources(sources: ImportSource[], choice?: FormatChoice): Promise<FilePreview[]> {
    const spec = specOf(choice);
    if (!spec.ok) return sources.map((s) => failedPreview(nameOf(s), { ...spec.error, file: nameOf(s) }));
    // One source at a time, so that a URL that cannot be fetched fails its own entry only.
    const out: FilePreview[] = [];
    for (const src of sources) {
      const name = nameOf(src);
      try {
        const opened = await openSources([src], this.#deps.fetch ?? fetch);
        if (!opened.ok) {
          out.push(failedPreview(name, opened.error));
          continue;
        }
        const [p] = await this.#deps.preview(opened.value, { format: spec.value, limit: PREVIEW_ROWS });
        out.push(p ?? failedPreview(name, { kind: 'read-failed', file: name, message: `Could not preview ${name}.` }));
      } catch (err) {
        out.push(failedPreview(name, { kind: 'read-failed', file: name, message: `Could not preview ${name}: ${messageOf(err)}` }));
      }
    }
    return out;
  }

  async cancelImport(): Promise<void> {
    for (const ctrl of this.#aborts) ctrl.abort();
  }

  /**
   * Start-up upkeep, under the write lock: removes imports a closed tab cut off, and prunes days that
   * retention no longer keeps. Says what it removed.
   */
  maintain(): Promise<MaintenanceReport> {
    return this.#lock(async () => {
      const db = await this.#store();
      const discarded = await discardPending(db);
      const pruned = await this.#prune(db);
      // days stored before their requests per minute were counted: counted once, for the overview
      const filled = await fillTraffic(db).catch(() => 0);
      if (filled > 0) this.#held = undefined;
      if ((discarded > 0 || filled > 0) && !pruned) this.#changed();
      return { discarded, pruned };
    });
  }

  /** Forgets the held data: another tab wrote; the next listing reads the store again. */
  async refresh(): Promise<void> {
    this.#held = undefined;
    this.#loading = undefined;
    this.#selection = undefined;
  }

  async listSessions(offset: number, limit: number, filter?: SessionFilter, sort?: SessionSort): Promise<SessionPage> {
    const held = await this.#load();
    const { sessions } = held;
    if (!sessions) return { total: 0, matched: 0, rows: [] };
    const picked = this.#select(held, filter, sort);
    const matched = picked ? picked.length : sessions.count;
    const [from, to] = range(offset, limit, matched);
    const rows: Session[] = [];
    for (let k = from; k < to; k++) rows.push(sessionAt(sessions, picked ? picked[k] : k));
    return { total: sessions.count, matched, rows };
  }

  /** The rows a query picks; the last query's are reused while the held table is the same. */
  #select(held: HeldData, filter?: SessionFilter, sort?: SessionSort): Uint32Array | null {
    const sessions = held.sessions!;
    const key = selectionKey(filter, sort);
    const last = this.#selection;
    if (last && last.sessions === sessions && last.key === key) return last.rows;
    const rows = selectSessions(sessions, filter, sort, held.orders);
    this.#selection = { sessions, key, rows };
    return rows;
  }

  async sessionRequests(sessionId: string, offset: number, limit: number, filter?: RequestFilter): Promise<RequestPage> {
    const context = await getContext(await this.#store());
    const found = await this.#gather(sessionId);
    if (!found) return { total: 0, matched: 0, rows: [], partial: false, context };
    const { session, g } = found;
    const picked = filterRequests(g, filter);
    const [from, to] = range(offset, limit, picked.length);
    const names = new Map((await listImports(await this.#store())).map((r) => [r.id, r.files.map((f) => f.name)]));
    const files = (id: number) => names.get(id) ?? [];
    const columns = context.map(columnName);
    const rows = picked.slice(from, to).map((k) => requestRow(g, k, files, columns));
    const total = g.order.length / 2;
    return { total, matched: picked.length, rows, partial: total < session.requests, context };
  }

  async sessionProfile(sessionId: string): Promise<SessionDetailData | null> {
    const found = await this.#gather(sessionId);
    if (!found) return null;
    // A session of 100,000 requests is a 1.4 MB timeline: cloned, not worth a transfer list here.
    return { ...profileOf(found.g), actor: actorSessions(found.sessions, found.row) };
  }

  /** A stored session and its requests, gathered once and kept while the same session is asked about. */
  async #gather(sessionId: string): Promise<{ sessions: SessionColumns; row: number; session: Session; g: Gathered } | null> {
    const held = await this.#load();
    const sessions = held.sessions;
    const row = sessions ? this.#row(sessions, String(sessionId)) : undefined;
    if (!sessions || row === undefined) return null;
    const session = sessionAt(sessions, row);
    if (this.#gathered?.sessions !== sessions || this.#gathered.id !== session.id) {
      const db = await this.#store();
      this.#gathered = { sessions, id: session.id, requests: gatherRequests(db, session, held.complete) };
      this.#gathered.requests.catch(() => (this.#gathered = undefined));
    }
    return { sessions, row, session, g: await this.#gathered.requests };
  }

  #row(sessions: SessionColumns, id: string): number | undefined {
    if (this.#rowOf?.sessions !== sessions) {
      const map = new Map<string, number>();
      for (let i = 0; i < sessions.count; i++) map.set(sessions.id[i], i);
      this.#rowOf = { sessions, map };
    }
    return this.#rowOf.map.get(id);
  }

  async sessionTotal(): Promise<number> {
    return (await this.#load()).sessions?.count ?? 0;
  }

  async listEndpoints(offset: number, limit: number, query?: EndpointQuery): Promise<EndpointPage> {
    const { endpoints } = await this.#load();
    const key = JSON.stringify(cleanEndpointQuery(query));
    if (this.#endpointSelection?.list !== endpoints || this.#endpointSelection.key !== key) {
      this.#endpointSelection = { list: endpoints, key, rows: selectEndpoints(endpoints, query) };
    }
    const picked = this.#endpointSelection.rows;
    const [from, to] = range(offset, limit, picked.length);
    const rows: EndpointRow[] = [];
    for (let k = from; k < to; k++) {
      const { sketch, ...row } = endpoints[picked[k]];
      void sketch;
      rows.push(row);
    }
    return { total: endpoints.length, matched: picked.length, rows };
  }

  async overview(filter?: SessionFilter): Promise<Overview> {
    const held = await this.#load();
    const f = checkFilter(filter, held.sessions ?? undefined);
    const key = `${f.from},${f.to}`;
    const cached = this.#overview;
    if (cached && cached.held === held && cached.key === key) return cached.value;
    const value = computeOverview(held.sessions, held.endpointDays, { from: f.from, to: f.to });
    this.#overview = { held, key, value };
    return value;
  }

  async listImports(): Promise<ImportRecord[]> {
    return listImports(await this.#store());
  }

  async getSettings(): Promise<GroupingSettings> {
    return getSettings(await this.#store());
  }

  saveSettings(next: GroupingSettings, onProgress?: (p: RegroupProgress) => void): Promise<Result<SavedSettings>> {
    const ctrl = new AbortController();
    this.#regroups.add(ctrl);
    return this.#lock(() => this.#saveSettings(next, onProgress, ctrl)).finally(() => this.#regroups.delete(ctrl));
  }

  async #saveSettings(next: GroupingSettings, onProgress: ((p: RegroupProgress) => void) | undefined, ctrl: AbortController): Promise<Result<SavedSettings>> {
    const checked = checkGrouping(String(next?.keys ?? ''), Number(next?.inactivityMs) / 60_000);
    if (!checked.ok) return fail('bad-format', '', checked.error);
    const db = await this.#store();
    const current = await getSettings(db);
    if (sameGrouping(current, checked.value)) return { ok: true, value: { ...current, regrouped: null } };
    if (ctrl.signal.aborted) return fail('cancelled', '', REGROUP_CANCELLED);
    await discardPending(db);
    this.#held = undefined; // read afresh: another tab may have imported
    const held = await this.#load();
    if (!held.sessions || held.sessions.count === 0) {
      await putSettings(db, checked.value);
      this.#changed();
      return { ok: true, value: { ...checked.value, regrouped: null } };
    }
    let heldRequests = 0;
    for (let i = 0; i < held.sessions.count; i++) heldRequests += held.sessions.requests[i];
    try {
      const { plan, generation, report } = await regroup(
        {
          db,
          analyse: this.#deps.analyse,
          salt: await getSalt(db),
          generation: held.generation,
          heldRequests,
          sessionsBefore: held.sessions.count,
          now: this.#deps.now ?? Date.now,
          signal: ctrl.signal,
          onProgress
        },
        current,
        checked.value
      );
      const written = { generation, sessions: plan.table(), orders: plan.orders };
      this.#held = undefined;
      await this.#load(written);
      this.#changed();
      return { ok: true, value: { ...checked.value, regrouped: report } };
    } catch (err) {
      this.#held = undefined;
      if (err instanceof NotPossible) return fail('bad-format', err.check.files.join(', '), `${err.check.reason} Clear all data, apply the settings, then import the files again.`);
      if (ctrl.signal.aborted) return fail('cancelled', '', REGROUP_CANCELLED);
      if (isQuotaError(err)) return fail('storage-full', '', "The browser's storage for this page is full: the sessions could not be grouped again, and the stored data is unchanged. Free space by keeping fewer days.");
      if (err instanceof DataChanged) return fail('read-failed', '', 'The stored data changed while it was grouped again (another tab?); nothing was changed. Try again.');
      return fail('read-failed', '', `The sessions could not be grouped again (${messageOf(err)}); the stored data is unchanged.`);
    }
  }

  async checkSettings(next: GroupingSettings): Promise<Result<RegroupCheck>> {
    const checked = checkGrouping(String(next?.keys ?? ''), Number(next?.inactivityMs) / 60_000);
    if (!checked.ok) return fail('bad-format', '', checked.error);
    const db = await this.#store();
    const [current, salt] = await Promise.all([getSettings(db), getSalt(db)]);
    const { possible, unknownKeys, files, reason } = await checkRegroup(db, current, checked.value, salt);
    return { ok: true, value: { possible, unknownKeys, files, reason } };
  }

  async cancelRegroup(): Promise<void> {
    for (const ctrl of this.#regroups) ctrl.abort();
  }

  async getContext(): Promise<ContextParam[]> {
    return getContext(await this.#store());
  }

  saveContext(next: ContextParam[]): Promise<Result<ContextParam[]>> {
    return this.#lock(async () => {
      const checked = checkContext(Array.isArray(next) ? next : []);
      if (!checked.ok) return fail('bad-format', '', checked.error);
      // no #changed(): no stored data changed, other tabs need not list again
      await putContext(await this.#store(), checked.value);
      return { ok: true, value: checked.value };
    });
  }

  async getRetention(): Promise<Retention> {
    return getRetention(await this.#store());
  }

  /** Stores a retention setting and prunes at once what it no longer keeps (said in the result). */
  saveRetention(next: Retention): Promise<Result<{ retention: Retention; pruned: Pruned | null }>> {
    return this.#lock(async () => {
      const days = Number(next?.days);
      if (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) {
        return fail('bad-format', '', `Retention: give a whole number of days from 1 to ${MAX_RETENTION_DAYS}.`);
      }
      const retention: Retention = { days, anchor: next?.anchor === 'clock' ? 'clock' : 'data' };
      const db = await this.#store();
      await putRetention(db, retention);
      const pruned = await this.#prune(db);
      if (!pruned) this.#changed();
      return { ok: true, value: { retention, pruned } };
    });
  }

  clearData(): Promise<void> {
    return this.#lock(async () => {
      await clearData(await this.#store());
      this.#held = undefined;
      this.#changed();
    });
  }

  async #import(
    sources: ImportSource[],
    onProgress: ((p: Progress) => void) | undefined,
    choice: FormatChoice | undefined,
    force: boolean,
    ctrl: AbortController
  ): Promise<Result<ImportReport>> {
    const label = sources.map(nameOf).join(', ');
    if (sources.length === 0) return fail('empty', '(none)', 'No files were given to import.');
    const spec = specOf(choice);
    if (!spec.ok) return fail(spec.error.kind, label, spec.error.message);
    const now = this.#deps.now ?? Date.now;
    if (ctrl.signal.aborted) return cancelled(label);
    const t0 = now();
    let importId: number | undefined;
    let db: Store | undefined;
    const skipped: ImportReport['skipped'] = [];
    try {
      db = await this.#store();
      await discardPending(db);
      const [settings, salt, ledger, context] = await Promise.all([getSettings(db), getSalt(db), listImports(db), getContext(db)]);
      const keys = parseKeys(settings.keys);
      if (typeof keys === 'string') return fail('bad-format', label, `The stored grouping keys cannot be used: ${keys}. Change them in the settings.`);

      // Files already imported are skipped (SPEC §4), unless the user forces it.
      const known = knownFingerprints(ledger);
      const picked: ImportSource[] = [];
      const prints: (string | undefined)[] = [];
      const seen = new Set<string>();
      for (const src of sources) {
        const fp = src.kind === 'file' ? await fingerprintBlob(src.file) : undefined;
        const before = fp && known.get(fp);
        if (fp && ((before && !force) || seen.has(fp))) {
          skipped.push({ name: nameOf(src), importedAt: before ? before.time : null });
          continue;
        }
        if (fp) seen.add(fp);
        picked.push(src);
        prints.push(fp);
      }
      if (picked.length === 0) return duplicate(skipped);

      const taps = picked.map((s) => (s.kind === 'url' ? new FingerprintTap() : null));
      const opened = await openSources(picked, this.#deps.fetch ?? fetch, ctrl.signal, taps);
      if (!opened.ok) return opened;
      const files: ImportedFile[] = opened.value.map((s, i) => ({ name: s.name, size: s.size ?? 0, ...(prints[i] ? { fingerprint: prints[i] } : {}) }));
      importId = await beginImport(db, files, force);

      // Requests are written as they come, one write in flight while the next chunk is parsed.
      const days = new Map<number, Map<string, EndpointDraft>>();
      const traffic = new Map<number, DayTraffic>();
      let writing: Promise<void> | undefined;
      const stage = db;
      const id = importId;
      const onRequests = async (block: RequestColumns) => {
        const parts = splitRequestsByDay(block);
        for (const { day, requests } of parts) {
          let m = days.get(day);
          if (!m) days.set(day, (m = new Map()));
          addEndpointStats(m, requests);
        }
        addTraffic(traffic, block);
        if (writing) await writing;
        writing = putRequestBlocksGuarded(stage, id, parts);
        // put() has copied them: their memory goes back now rather than at the next full GC
        for (const p of parts) releaseRequests(p.requests);
        releaseRequests(block);
      };
      const res = await this.#deps.analyse(opened.value, {
        format: spec.value,
        keys,
        context,
        inactivityMs: settings.inactivityMs,
        salt: saltWords(salt),
        signal: ctrl.signal,
        onProgress: onProgress && throttle(onProgress, now),
        onRequests
      });
      if (writing) await writing;
      if (ctrl.signal.aborted) throw new DOMException('cancelled', 'AbortError');
      if (!res.ok) {
        await discardImport(db, importId).catch(() => {});
        importId = undefined;
        return res;
      }
      // Streamed sources are fingerprinted once read: a known one is not merged again.
      for (const [i, tap] of taps.entries()) {
        if (!tap) continue;
        files[i].fingerprint = await tap.fingerprint();
        const before = known.get(files[i].fingerprint!);
        if (before && !force) {
          skipped.push({ name: files[i].name, importedAt: before.time });
          throw new Duplicate();
        }
      }
      // The analysis' sessions are cut into the day blocks in their place by the commit's plan.
      const { summary, endpoints, sessions } = res.value;
      // An analyser that streams no requests (none parsed, or one that cannot): its endpoint figures
      // are filed under the day each endpoint was last seen.
      if (days.size === 0) for (const e of endpoints) fileByLastSeen(days, e);
      const ms = now() - t0;
      const plan = (stored: Stored) => {
        // Another tab changed the settings since the analysis began: its sessions would not merge.
        if (!sameGrouping(stored.settings, settings)) throw new SettingsChanged();
        return planCommit(stored, { sessions, endpointDays: days, traffic }, now());
      };
      // the held table, when loaded, is what is stored: the commit need not read it again
      const { plan: done, generation } = await commitImport(db, importId, { files, summary, ms }, plan, this.#heldNow());
      importId = undefined;
      // What the commit wrote, as a load would give it back: not read back from the store.
      const written = { generation, sessions: done.table(), orders: done.orders };
      // Only after the write committed: the cache follows the store, never leads it.
      this.#held = undefined;
      const held = await this.#load(written);
      this.#changed();
      return { ok: true, value: { ...summary, ms, stored: held.sessions?.count ?? 0, skipped, pruned: done.pruned } };
    } catch (err) {
      if (db && importId !== undefined) await discardImport(db, importId).catch(() => {});
      if (ctrl.signal.aborted) return cancelled(label);
      if (err instanceof Duplicate) return duplicate(skipped);
      if (err instanceof SettingsChanged) {
        return fail('read-failed', label, `The grouping settings were changed while ${label} was read; nothing was stored. Import it again.`);
      }
      if (isQuotaError(err)) {
        return fail(
          'storage-full',
          label,
          `The browser's storage for this page is full: ${label} could not be stored, and nothing of it was kept (the data stored before is unchanged). Free space by clearing data or keeping fewer days.`
        );
      }
      if (isCoreFault(err)) {
        return fail(
          'read-failed',
          label,
          `The analysis of ${label} stopped on an internal error of the core (${messageOf(err)}); nothing of it was stored, and the data stored before is unchanged. Please report it with the file if you can.`
        );
      }
      if (isFileChanged(err)) return fail('read-failed', label, `Could not import ${label}: the file changed or was removed after it was picked; pick it again. Nothing was stored.`);
      return fail('read-failed', label, `Could not import ${label}: ${messageOf(err)}`);
    }
  }

  /** Drops the days retention no longer keeps; says what went, or null when nothing did. */
  async #prune(db: Store): Promise<Pruned | null> {
    this.#held = undefined;
    const held = await this.#load();
    const retention = await getRetention(db);
    const cutoff = cutoffDay(newestEnd(held.sessions), retention, (this.#deps.now ?? Date.now)());
    if (cutoff === null) return null;
    const days = new Set<number>();
    let sessions = 0;
    let requests = 0;
    const s = held.sessions;
    if (s) {
      for (let i = 0; i < s.count; i++) {
        const d = dayOf(s.end[i]);
        if (d < cutoff) {
          days.add(d);
          sessions++;
        }
      }
    }
    for (const d of held.endpointDays) {
      if (d.day >= cutoff) continue;
      days.add(d.day);
      for (const e of d.stats) requests += e.requests;
    }
    if (days.size === 0) return null;
    await pruneBefore(db, cutoff);
    this.#held = undefined;
    await this.#load();
    this.#changed();
    return { days: [...days].sort((a, b) => a - b).map(isoDay), sessions, requests, keptFrom: isoDay(cutoff) };
  }

  /** Tells the other tabs that the stored data changed. */
  #changed(): void {
    this.#selection = undefined;
    try {
      this.#deps.announce?.({ type: 'changed', from: this.#id });
    } catch {
      // a closed channel: nobody left to tell
    }
  }

  async storageMode(): Promise<StorageMode> {
    return (await this.#deps.storage) ?? { kind: 'persistent' };
  }

  /** The held table and orders as loaded (the store's of that generation), if they are. */
  #heldNow(): KnownHeld | undefined {
    const h = this.#held;
    return h ? { generation: h.generation, sessions: h.sessions, orders: h.orders } : undefined;
  }

  #store(): Promise<Store> {
    this.#db ??= Promise.resolve(this.#deps.storage)
      .then(() =>
        this.#deps.openStore(() => {
        // Closed under us (another tab upgrades the schema): open again on next use.
        this.#db = undefined;
        this.#held = undefined;
        })
      )
      .catch((err) => {
        this.#db = undefined; // let the next call try again
        throw err;
      });
    return this.#db;
  }

  async #load(known?: KnownHeld): Promise<HeldData> {
    if (this.#held) return this.#held;
    this.#loading ??= (async () => {
      const db = await this.#store();
      const stored = await loadHeld(db, known);
      let { sessions, orders } = stored;
      if (sessions && !orders) {
        sessions = heldOf([sessions]);
        orders = computeOrders(sessions);
        await putOrders(db, stored.generation, sessions, orders).catch(() => false);
      }
      const held: HeldData = { generation: stored.generation, sessions, orders, endpoints: heldEndpoints(stored.endpointDays, sessions), complete: stored.complete, endpointDays: stored.endpointDays };
      this.#held = held;
      return held;
    })().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }
}

function fileByLastSeen(days: Map<number, Map<string, EndpointDraft>>, e: EndpointStats): void {
  const day = dayOf(Date.parse(e.lastSeen) || 0);
  let m = days.get(day);
  if (!m) days.set(day, (m = new Map()));
  m.set(e.endpoint, { ...e, firstMs: Date.parse(e.firstSeen) || 0, lastMs: Date.parse(e.lastSeen) || 0 });
}

/** A trap of the wasm core (a bug, or out of memory) rather than bad input. */
function isCoreFault(err: unknown): boolean {
  if (typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError) return true;
  return err instanceof RangeError && /memory/i.test(err.message);
}

/** Fingerprints of completely imported files, with the import that brought each. */
function knownFingerprints(ledger: ImportRecord[]): Map<string, ImportRecord> {
  const out = new Map<string, ImportRecord>();
  for (const r of ledger) {
    if (r.status !== 'complete') continue;
    for (const f of r.files) if (f.fingerprint) out.set(f.fingerprint, r);
  }
  return out;
}

function duplicate(skipped: ImportReport['skipped']) {
  const names = skipped.map((s) => s.name).join(', ');
  const when = skipped.find((s) => s.importedAt !== null)?.importedAt;
  const since = when ? ` on ${new Date(when).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
  return fail(
    'duplicate',
    names,
    `${names} ${skipped.length > 1 ? 'were' : 'was'} already imported${since}: nothing was added, so nothing is counted twice. Use "Import again" to read ${skipped.length > 1 ? 'them' : 'it'} anyway.`
  );
}

/** Writes a staged part; a failure is kept for the next await (so it is not an unhandled rejection). */
function putRequestBlocksGuarded(db: Store, importId: number, parts: { day: number; requests: RequestColumns }[]): Promise<void> {
  const p = putRequestBlocks(db, importId, parts);
  p.catch(() => {});
  return p;
}

/** `[from, to)` of a page over `total` rows. */
function range(offset: number, limit: number, total: number): [number, number] {
  const from = Math.min(total, Math.max(0, Math.floor(offset) || 0));
  return [from, Math.min(total, from + Math.max(0, Math.floor(limit) || 0))];
}

/** Forwards progress at most every PROGRESS_INTERVAL_MS, and always the final report. */
function throttle(fn: (p: Progress) => void, now: () => number): (p: Progress) => void {
  let last = -Infinity;
  return (p) => {
    const t = now();
    if (t - last < PROGRESS_INTERVAL_MS && p.bytesRead < p.bytesTotal) return;
    last = t;
    // Across the worker boundary this is a comlink proxy: the call returns a promise that may reject
    // if the page has gone. Progress is advisory, so that is ignored.
    Promise.resolve(fn(p) as unknown).catch(() => {});
  };
}

/**
 * The FormatSpec of a choice: undefined to detect each file's format, or the error sentence of an
 * invalid one (as the CLI's --format and --map read them).
 */
export function specOf(choice: FormatChoice | undefined): Result<FormatSpec | undefined> {
  const format = choice?.format?.trim() || 'auto';
  const mapping = choice?.mapping?.trim() || undefined;
  if (format.toLowerCase() === 'auto' && !mapping) return { ok: true, value: undefined };
  const spec = formatByName(format.toLowerCase() === 'auto' ? 'json' : format, mapping);
  if (typeof spec === 'string') return fail('bad-format', '', spec);
  return { ok: true, value: spec };
}

function failedPreview(file: string, error: InputError): FilePreview {
  return { file, format: null, error, requests: [], lines: 0, malformed: 0 };
}

function nameOf(src: ImportSource): string {
  return src.kind === 'file' ? src.file.name : src.name;
}

function cancelled(label: string) {
  return fail('cancelled', label, `Import of ${label} cancelled.`);
}
