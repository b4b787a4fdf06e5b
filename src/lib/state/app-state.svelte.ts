// The page's state: a small runes class around the worker. Views read its getters and call its methods;
// they never talk to the worker themselves.
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import type {
  EndpointPage,
  EndpointQuery,
  EndpointRow,
  Overview,
  FilePreview,
  FormatChoice,
  GroupingSettings,
  ImportRecord,
  ImportReport,
  ImportSource,
  InputError,
  MaintenanceReport,
  Progress,
  Pruned,
  RegroupCheck,
  RegroupProgress,
  RegroupReport,
  RequestFilter,
  RequestPage,
  Retention,
  StorageMode,
  Session,
  SessionDetailData,
  SessionFilter,
  SessionSort,
  WorkerApi
} from '../../worker/api';
import { clarifyFetchError } from '../fetch-error';
import type { ContextParam } from '../core/context';
import type { Result } from '../core/types';
import { AUTO_DRAFT, choiceKey, choiceOf, importable, type FormatDraft } from '../format-choice';
import { DEFAULT_GROUPING, checkGrouping, minutesOf, sameGrouping } from '../grouping';
import { cleanOnly } from '../request-only';
import { ProgressTracker, type ProgressFigures } from '../progress';
import { keepNothingAsked, startWorker } from '../worker-start';
import { listenForChanges } from './changes';
import { cleanFilter, cleanSort, queryOfView, sameView, viewFromQuery, type Tab, type View } from '../view-query';
import { cleanEndpointQuery } from '../endpoint-query';

/**
 * Rows asked of the worker at once. The table is virtualised (SPEC §5): it asks for the pages its
 * visible rows fall in; 100 rows is a few screens, and one structured clone of ~100 KB.
 */
export const PAGE_SIZE = 100;

/** Pages of rows kept on the page; the farthest from what is shown go first (a million rows stay in the worker). */
export const MAX_PAGES = 40;

/**
 * How the page follows the view in its URL: `query` is the new query ('' for none; the page keeps
 * its own other parameters); `replace` when it refines the last change (typing) rather than adding a
 * step to the history.
 */
export type Navigate = (query: string, replace: boolean) => void;

/** Rows shown in the endpoints table: the top ones by requests. */
export const ENDPOINT_ROWS = 50;

/** The grouping settings form: the keys as typed, the timeout in minutes. */
export interface GroupingDraft {
  keys: string;
  minutes: number;
}

function createWorker(): Worker {
  // From a blob: URL, so that the page's Content-Security-Policy binds the worker too (see worker-start.ts).
  return startWorker(keepNothingAsked());
}

export class AppState {
  #api: Remote<WorkerApi> | undefined;
  #worker: Worker | undefined;

  /** Pages of listed rows by index (row i is in page i / PAGE_SIZE), for the query of #listSeq. */
  #pages = new Map<number, Session[]>();
  /** Pages asked for and not answered yet. */
  #asking = new Set<number>();
  /** Bumped when #pages changes: rowAt() reads it. */
  #pagesVersion = $state(0);
  #rows = $state.raw<Session[]>([]);
  #total = $state(0);
  /** The newest end of any stored session: the anchor of the time presets (null when none). */
  #newest = $state<number | null>(null);
  /** The row the keyboard is on (j/k), -1 for none. */
  #cursor = $state(-1);
  #navigate: Navigate | undefined;
  #started = false;
  /** The filter field changed last and when, so that typing replaces its history entry. */
  #lastEdit: { field: string; at: number } | null = null;
  /** Sessions that pass the filter. */
  #matched = $state(0);
  #filter = $state.raw<SessionFilter>({});
  #sort = $state<SessionSort>('start');
  /** The session whose detail is open, as it was last listed. */
  #selected = $state.raw<Session | null>(null);
  /** The id of the session the URL opens (its detail shows once it is read from the worker). */
  #openId: string | undefined;
  /** Which of the open session's requests are shown (request-only.ts), undefined for all. */
  #only = $state<string | undefined>(undefined);
  /** The view shown (SPEC §5): sessions, endpoints, overview or settings. */
  #tab = $state<Tab>('sessions');
  /** The endpoints view's filter and sort (in the URL beside the sessions filter). */
  #endpointQuery = $state.raw<EndpointQuery>({});
  #listSeq = 0;
  /** Listings shown so far: the page marks its list with it, so a benchmark or test can tell a new one arrived. */
  #listed = $state(0);
  /** The stored data changed since the open detail was last matched to a listed row. */
  #selectionStale = false;
  #loaded = $state(false);
  #busy = $state(false);
  #progress = $state.raw<Progress | null>(null);
  /** The running import's figures (rates, time left, files), from its reports and the sources' sizes. */
  #figures = $state.raw<ProgressFigures | null>(null);
  /** Cancel was pressed and the import has not ended yet. */
  #cancelling = $state(false);
  #report = $state.raw<ImportReport | null>(null);
  #error = $state.raw<InputError | null>(null);

  #endpoints = $state.raw<EndpointRow[]>([]);
  #endpointTotal = $state(0);
  #imports = $state.raw<ImportRecord[]>([]);
  /** The grouping settings in force (the next imports use them; the stored sessions were made with them). */
  #settings = $state.raw<GroupingSettings>(DEFAULT_GROUPING);
  #settingsLoaded = $state(false);
  #settingsBusy = $state(false);
  #settingsError = $state<string | null>(null);
  /** A re-grouping of the stored requests running (its progress), what the last one did, and whether the form's settings allow one. */
  #regroupProgress = $state.raw<RegroupProgress | null>(null);
  #regrouped = $state.raw<RegroupReport | null>(null);
  #regroupCheck = $state.raw<RegroupCheck | null>(null);
  #checkSeq = 0;

  #retention = $state.raw<Retention>({ days: 7, anchor: 'data' });
  /** What upkeep, an import or a retention change removed last, for the user; null when nothing. */
  #notice = $state<string | null>(null);
  /** The last import's sources and choice, for "Import again" after a duplicate refusal. */
  #last: { sources: ImportSource[]; choice?: FormatChoice } | null = null;
  /** Bumped whenever the stored data changed (here or in another tab): views re-read derived figures. */
  #version = $state(0);
  #stopListening: (() => void) | undefined;
  #storage = $state.raw<StorageMode>({ kind: 'persistent' });

  /** The grouping settings form; views bind to its fields. */
  readonly grouping: GroupingDraft = $state({ keys: DEFAULT_GROUPING.keys, minutes: minutesOf(DEFAULT_GROUPING) });
  #groupingCheck = $derived(checkGrouping(this.grouping.keys, this.grouping.minutes));

  /** Files waiting for the user to confirm their format, or null when no preview is open. */
  #pending = $state.raw<ImportSource[] | null>(null);
  #previews = $state.raw<FilePreview[] | null>(null);
  /** The choice the shown previews answer, and the one last asked for (they differ while it runs). */
  #previewedKey = $state<string | null>(null);
  #requestedKey = $state<string | null>(null);
  #previewSeq = 0;

  /** The format controls of the preview; views bind to its fields. */
  readonly draft: FormatDraft = $state({ ...AUTO_DRAFT });
  #choice = $derived(choiceOf(this.draft));
  #choiceKey = $derived(choiceKey(this.#choice));

  /** The first PAGE_SIZE stored sessions that pass the filter, in the chosen order. */
  get rows(): Session[] {
    return this.#rows;
  }
  /**
   * Row i of the filtered, sorted list, if it has been fetched; undefined until then (ask with
   * `showRows`). Reactive: a view re-reads it when the page arrives.
   */
  rowAt(i: number): Session | undefined {
    void this.#pagesVersion;
    return this.#pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];
  }
  /** The newest end of any stored session (UTC ms): what the time presets count back from. */
  get newest(): number | null {
    return this.#newest;
  }
  /** The row the keyboard is on (j/k), -1 for none. */
  get cursor(): number {
    return this.#cursor;
  }
  /** The view (filter and sort) as a URL query: '' for the plain list. */
  get query(): string {
    return queryOfView(this.#view());
  }
  /** How many listings have been shown (each filter, sort or data change makes one). */
  get listed(): number {
    return this.#listed;
  }
  /** The view shown: sessions, endpoints, overview or settings. */
  get tab(): Tab {
    return this.#tab;
  }
  /** Which of the open session's requests are shown ("4xx", "ip:…"; undefined: all). */
  get only(): string | undefined {
    return this.#only;
  }

  /** Shows only some of the open session's requests (undefined: all): a step in the history. */
  setOnly(only: string | undefined): void {
    const next = cleanOnly(only);
    if (next === this.#only || !this.#openId) return;
    this.#only = next;
    this.#lastEdit = null;
    this.#navigate?.(this.query, false);
  }

  /** Opens a stored session by id (the actor's previous or next one): a step in the history. */
  async openById(id: string): Promise<void> {
    if (id === this.#openId) return;
    this.#tab = 'sessions';
    this.#openId = id;
    this.#only = undefined;
    this.#lastEdit = null;
    this.#navigate?.(this.query, false);
    await this.#reopen();
  }

  /** The view in force, as the URL holds it. */
  #view(): View {
    return { filter: this.#filter, sort: this.#sort, tab: this.#tab, session: this.#openId, only: this.#only, endpoints: this.#endpointQuery };
  }

  /**
   * The URL query of this view with some of it changed (for links: a tab, an open session), keeping
   * the page's own other parameters (`store=none`: a link must not leave the tab that keeps nothing).
   */
  queryWith(change: Partial<View>): string {
    return queryOfView({ ...this.#view(), ...change }, typeof location === 'undefined' ? '' : location.search);
  }
  /** Sessions stored in total. */
  get total(): number {
    return this.#total;
  }
  /** Stored sessions that pass the filter. */
  get matched(): number {
    return this.#matched;
  }
  /** The session filter in force (plain data: it goes to the worker as it is). */
  get filter(): SessionFilter {
    return this.#filter;
  }
  /** True when the filter lets only some sessions through. */
  get filtered(): boolean {
    return Object.keys(this.#filter).length > 0;
  }
  get sort(): SessionSort {
    return this.#sort;
  }
  /** The session whose detail is open, or null. */
  get selected(): Session | null {
    return this.#selected;
  }
  /** True once the stored sessions have been read at start-up. */
  get loaded(): boolean {
    return this.#loaded;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get progress(): Progress | null {
    return this.#progress;
  }
  /** The running import's figures: per file, overall, rates and time left (null when none runs). */
  get progressFigures(): ProgressFigures | null {
    return this.#figures;
  }
  /** Cancel was asked for; the import ends soon, storing nothing. */
  get cancelling(): boolean {
    return this.#cancelling;
  }
  /** The last successful import, until the next one starts. */
  get report(): ImportReport | null {
    return this.#report;
  }
  /** The last failure, until the next import starts. */
  get error(): InputError | null {
    return this.#error;
  }

  /** The top ENDPOINT_ROWS stored endpoints, by requests. */
  get endpoints(): EndpointRow[] {
    return this.#endpoints;
  }
  /** Endpoints stored in total. */
  get endpointTotal(): number {
    return this.#endpointTotal;
  }
  /** The import ledger, oldest first. */
  get imports(): ImportRecord[] {
    return this.#imports;
  }
  /** Ledger entries whose sessions were dropped by a storage upgrade: their files need importing again. */
  get needsReimport(): ImportRecord[] {
    return this.#imports.filter((r) => r.status === 'needs-reimport');
  }
  /** Anything stored that "Clear all data" would remove. */
  get hasData(): boolean {
    return this.#total > 0 || this.#imports.length > 0;
  }
  /** How many days are kept, and from what. */
  get retention(): Retention {
    return this.#retention;
  }
  /** What was last removed by retention or start-up upkeep, in a sentence; null when nothing. */
  get notice(): string | null {
    return this.#notice;
  }
  /** Where the data is kept: IndexedDB, or the worker's memory (nothing outlives the tab). */
  get storage(): StorageMode {
    return this.#storage;
  }
  /** Changes whenever the stored data changed, here or in another tab. */
  get version(): number {
    return this.#version;
  }
  /** The last import was refused as a duplicate: "Import again" can force it. */
  get canForce(): boolean {
    return this.#error?.kind === 'duplicate' && this.#last !== null && !this.#busy;
  }
  /** The grouping settings in force. */
  get settings(): GroupingSettings {
    return this.#settings;
  }
  /** What is wrong with the grouping form as typed (parseKeys' sentence for the keys), or null. */
  get groupingError(): string | null {
    const c = this.#groupingCheck;
    return c.ok ? null : c.error;
  }
  /** The form holds valid settings other than those in force. */
  get groupingChanged(): boolean {
    const c = this.#groupingCheck;
    return c.ok && !sameGrouping(c.value, this.#settings);
  }
  /** Applying the form needs the stored data cleared first: sessions grouped otherwise cannot merge. */
  get groupingNeedsClear(): boolean {
    return this.groupingChanged && this.#total > 0 && this.#regroupCheck?.possible === false;
  }
  /** How far the running re-grouping of the stored requests is, or null. */
  get regroupProgress(): RegroupProgress | null {
    return this.#regroupProgress;
  }
  /** What the last re-grouping did (until the next settings change). */
  get regrouped(): RegroupReport | null {
    return this.#regrouped;
  }
  /** Whether the stored requests can be grouped with the form's settings (null: not asked, or nothing stored). */
  get regroupCheck(): RegroupCheck | null {
    return this.#regroupCheck;
  }

  /** Asks the worker whether the form's settings can re-group what is stored (the view calls it as the form changes). */
  async checkGroupingDraft(): Promise<void> {
    const seq = ++this.#checkSeq;
    const checked = this.#groupingCheck;
    if (!checked.ok || !this.groupingChanged || this.#total === 0 || !this.#api) {
      this.#regroupCheck = null;
      return;
    }
    try {
      const res = await this.#remote().checkSettings(checked.value);
      if (seq === this.#checkSeq) this.#regroupCheck = res.ok ? res.value : null;
    } catch {
      if (seq === this.#checkSeq) this.#regroupCheck = null;
    }
  }

  /** Stops the running re-grouping: the stored sessions stay as they were. */
  cancelRegroup(): void {
    if (this.#regroupProgress || this.#settingsBusy) void this.#remote().cancelRegroup();
  }
  /**
   * True once the settings in force have been read at start-up: the form is not editable before, or
   * their arrival would overwrite what was typed.
   */
  get settingsLoaded(): boolean {
    return this.#settingsLoaded;
  }
  /** A settings change or a clear is running. */
  get settingsBusy(): boolean {
    return this.#settingsBusy;
  }
  /** Why the last settings change or clear failed, until the next one. */
  get settingsError(): string | null {
    return this.#settingsError;
  }

  /** Names of the files waiting in the preview, or null when none is open. */
  get pendingNames(): string[] | null {
    return this.#pending && this.#pending.map(nameOf);
  }
  /** What the worker read from each pending file: its format or why none fits, its first requests. */
  get previews(): FilePreview[] | null {
    return this.#previews;
  }
  /** The format choice the controls describe now. */
  get choice(): FormatChoice {
    return this.#choice;
  }
  /** The shown previews do not answer the controls as they are now (a preview is due or running). */
  get previewStale(): boolean {
    return this.#pending !== null && this.#previewedKey !== this.#choiceKey;
  }
  /** True when the controls have changed since the last preview was asked for: time to ask again. */
  get needsPreview(): boolean {
    return this.#pending !== null && this.#requestedKey !== this.#choiceKey;
  }
  /** The chosen format cannot be used: the worker's sentence, shown beside the controls. */
  get choiceError(): string | null {
    if (this.previewStale) return null;
    return this.#previews?.find((p) => p.error?.kind === 'bad-format')?.error?.message ?? null;
  }
  /** Every pending file has a format in which its first lines parse, for the choice now in the controls. */
  get canImport(): boolean {
    const previews = this.#previews;
    return (
      !this.#busy &&
      !this.previewStale &&
      previews !== null &&
      previews.length > 0 &&
      previews.every(importable)
    );
  }

  /**
   * `api` is for tests; the page lets the class start its own worker. `navigate` puts each view the
   * user chooses into the page's URL (the page reads it back with `applyQuery`).
   */
  constructor(api?: Remote<WorkerApi>, options: { navigate?: Navigate } = {}) {
    this.#api = api;
    this.#navigate = options.navigate;
  }

  /** Starts the worker (once) and shows what is already stored. */
  async start(): Promise<void> {
    this.#started = true;
    if (!this.#api) {
      const worker = createWorker();
      worker.addEventListener('error', () => {
        // Calls already made will never be answered; say so rather than spin.
        this.#fail('', 'The import worker could not start. Reload the page to try again.');
        this.#busy = false;
        this.#loaded = true;
      });
      this.#worker = worker;
      this.#api = wrap<WorkerApi>(worker);
    }
    try {
      this.#storage = await this.#remote().storageMode();
    } catch {
      // an older worker: it stores
    }
    await this.#maintain();
    await Promise.all([this.refresh(), this.#loadSettings(), this.#loadRetention()]);
    // Another tab wrote: forget what the worker holds and list again (not while importing here:
    // that import's own refresh follows, under the same lock).
    const own = await this.#remote().instanceId().catch(() => '');
    this.#stopListening ??= listenForChanges(own, () => {
      void this.#remote()
        .refresh()
        .then(() => Promise.all([this.refresh(), this.#followSettings()]));
    });
  }

  /** Start-up upkeep: imports cut off by a closed tab removed, days past retention pruned. */
  async #maintain(): Promise<void> {
    try {
      this.#notify(await this.#remote().maintain());
    } catch (err) {
      this.#fail('', `Could not check the stored data: ${messageOf(err)}`);
    }
  }

  #notify(r: Partial<MaintenanceReport>): void {
    const parts: string[] = [];
    if (r.discarded) parts.push(`Removed ${r.discarded === 1 ? 'an import' : `${r.discarded} imports`} that a closed tab left unfinished; the data stored before ${r.discarded === 1 ? 'it' : 'them'} is complete.`);
    if (r.pruned) parts.push(prunedSentence(r.pruned));
    this.#notice = parts.length ? parts.join(' ') : null;
  }

  async #loadRetention(): Promise<void> {
    try {
      this.#retention = await this.#remote().getRetention();
    } catch {
      // the default stays shown; saving reports its own failure
    }
  }

  /** Keeps `days` days back from the newest request ('data') or from today ('clock'); prunes at once. */
  async saveRetention(r: Retention): Promise<void> {
    if (this.#busy || this.#settingsBusy) return;
    this.#settingsBusy = true;
    this.#settingsError = null;
    try {
      const res = await this.#remote().saveRetention(r);
      if (!res.ok) {
        this.#settingsError = res.error.message;
        return;
      }
      this.#retention = res.value.retention;
      this.#notify({ pruned: res.value.pruned });
      await this.refresh();
    } catch (err) {
      this.#settingsError = `Could not change the retention: ${messageOf(err)}`;
    } finally {
      this.#settingsBusy = false;
    }
  }

  /** A stored session's distributions, timeline and actor's sessions (null when it is not stored). */
  sessionProfile(id: string): Promise<SessionDetailData | null> {
    return this.#remote().sessionProfile(id);
  }

  /** The stored context parameters (SPEC §5 Settings), for context-settings.svelte. */
  async contextParams(): Promise<ContextParam[]> {
    return this.#remote().getContext();
  }

  /** Stores context parameters; the worker's sentence when it refuses them. */
  async saveContext(params: ContextParam[]): Promise<Result<ContextParam[]>> {
    return this.#remote().saveContext(params);
  }

  /** A page of a stored session's requests (SPEC §5 request table). */
  sessionRequests(id: string, offset: number, limit: number, filter?: RequestFilter): Promise<RequestPage> {
    return this.#remote().sessionRequests(id, offset, limit, filter);
  }

  /** Imports again what was refused as already imported, counting it again. */
  importAgain(): Promise<void> {
    const last = this.#last;
    if (!last || !this.canForce) return Promise.resolve();
    return this.#import(last.sources, last.choice, true);
  }

  /** Re-reads the first page of stored sessions and the total, the top endpoints and the ledger. */
  async refresh(): Promise<void> {
    try {
      const api = this.#remote();
      const [, endpoints, imports] = await Promise.all([
        this.#listSessions(true),
        api.listEndpoints(0, ENDPOINT_ROWS),
        api.listImports()
      ]);
      this.#endpoints = endpoints.rows;
      this.#endpointTotal = endpoints.total;
      this.#imports = imports;
      this.#version++;
    } catch (err) {
      this.#fail('', `Could not read the stored sessions: ${messageOf(err)}`);
    } finally {
      this.#loaded = true;
    }
  }

  /**
   * Changes the session filter (the given conditions; '', 0 or undefined drops one) and lists again;
   * the view goes into the URL. The open detail stays: the data has not changed. A time preset
   * (`last`) and a range (`from`/`to`) exclude each other: setting one drops the other.
   */
  setFilter(change: SessionFilter): Promise<void> {
    const next: SessionFilter = { ...this.#filter, ...change };
    if ('last' in change && change.last) {
      delete next.from;
      delete next.to;
    }
    if (('from' in change && change.from !== undefined) || ('to' in change && change.to !== undefined)) delete next.last;
    for (const k of Object.keys(change) as (keyof SessionFilter)[]) if (change[k] === undefined) delete next[k];
    return this.#show({ ...this.#view(), filter: cleanFilter(next) }, Object.keys(change).join(','));
  }

  /** Lists in another order ("risk" lowest first, "-risk" highest first; anything unknown: by start). */
  setSort(sort: SessionSort): Promise<void> {
    return this.#show({ ...this.#view(), sort: cleanSort(sort) }, 'sort');
  }

  /** Drops every condition of the filter (the sort stays). */
  clearFilter(): Promise<void> {
    return this.#show({ ...this.#view(), filter: {} }, '');
  }

  /** The endpoints view's filter and sort. */
  get endpointQuery(): EndpointQuery {
    return this.#endpointQuery;
  }

  /**
   * Changes the endpoints view's filter and sort (the given fields; undefined drops one): into the
   * URL, typing in one field refining one history step. The view lists through `listEndpoints`.
   */
  setEndpointQuery(change: EndpointQuery): void {
    const next = cleanEndpointQuery({ ...this.#endpointQuery, ...change });
    if (JSON.stringify(next) === JSON.stringify(this.#endpointQuery)) return;
    this.#endpointQuery = next;
    const field = `ep:${Object.keys(change).join(',')}`;
    const now = Date.now();
    const replace = this.#lastEdit?.field === field && now - this.#lastEdit.at < TYPING_MS;
    this.#lastEdit = { field, at: now };
    this.#navigate?.(this.query, replace);
  }

  /** A page of the stored endpoints that pass `query`, in its order (the worker filters and sorts). */
  listEndpoints(offset: number, limit: number, query: EndpointQuery = this.#endpointQuery): Promise<EndpointPage> {
    return this.#remote().listEndpoints(offset, limit, query);
  }

  /** The overview's figures, over the session filter's time window (its other conditions aside). */
  overview(): Promise<Overview> {
    const { from, to, last } = this.#filter;
    return this.#remote().overview({ from, to, last });
  }

  /** Shows another view (a step in the history). */
  setTab(tab: Tab): void {
    if (tab === this.#tab) return;
    this.#tab = tab;
    this.#lastEdit = null;
    this.#navigate?.(this.query, false);
  }

  /**
   * Shows the sessions list filtered by `change` alone (from another view: an endpoint, an IP),
   * the sort kept, no session open: one step in the history.
   */
  showSessions(change: SessionFilter): Promise<void> {
    this.#tab = 'sessions';
    this.#openId = undefined;
    this.#only = undefined;
    this.#selected = null;
    return this.#show({ ...this.#view(), filter: cleanFilter(change) }, '');
  }

  /**
   * Shows the view a URL query describes (a link opened, back or forward): lists it without
   * navigating again. Nothing happens when it is the view shown.
   */
  async applyQuery(search: string | URLSearchParams): Promise<void> {
    const view = viewFromQuery(search);
    if (sameView(view, this.#view())) return;
    const listed = sameView({ filter: view.filter, sort: view.sort }, { filter: this.#filter, sort: this.#sort });
    this.#filter = view.filter;
    this.#sort = view.sort;
    this.#tab = view.tab ?? 'sessions';
    this.#only = view.only;
    this.#endpointQuery = view.endpoints ?? {};
    this.#lastEdit = null;
    const reopen = view.session !== this.#openId;
    this.#openId = view.session;
    if (!view.session) this.#selected = null;
    // Before start(): the view is listed, and the session opened, by start's first listing.
    if (!this.#started) return;
    await Promise.all([listed ? null : this.#relist(), reopen ? this.#reopen() : null]);
  }

  /** Reads the session the URL names (#openId) and shows its detail; closes it when none is stored. */
  async #reopen(): Promise<void> {
    const id = this.#openId;
    if (!id) {
      this.#selected = null;
      return;
    }
    try {
      const page = await this.#remote().listSessions(0, 1, { id });
      if (id !== this.#openId) return; // another session opened meanwhile
      this.#selected = page.rows[0]?.id === id ? page.rows[0] : null;
    } catch (err) {
      this.#fail('', `Could not read the stored sessions: ${messageOf(err)}`);
    }
  }

  async #show(view: View, field: string): Promise<void> {
    if (sameView(view, this.#view())) return;
    this.#filter = view.filter;
    this.#sort = view.sort;
    // Typing in one field refines one step of the history; another field, or a pause, adds a step.
    const now = Date.now();
    const replace = field !== '' && this.#lastEdit?.field === field && now - this.#lastEdit.at < TYPING_MS;
    this.#lastEdit = { field, at: now };
    this.#navigate?.(this.query, replace);
    await this.#relist();
  }

  /**
   * Fetches the pages rows `from .. to` (exclusive) fall in, if not held or asked for already.
   * The virtualised table calls it with the rows it shows.
   */
  showRows(from: number, to: number): void {
    const first = Math.max(0, Math.floor(from / PAGE_SIZE));
    const last = Math.floor((Math.min(to, this.#matched) - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) {
      if (this.#pages.has(p) || this.#asking.has(p)) continue;
      void this.#fetchPage(p, (first + last) / 2);
    }
  }

  async #fetchPage(p: number, around: number): Promise<void> {
    const seq = this.#listSeq;
    this.#asking.add(p);
    try {
      const page = await this.#remote().listSessions(p * PAGE_SIZE, PAGE_SIZE, this.#filter, this.#sort);
      if (seq !== this.#listSeq) return;
      this.#pages.set(p, page.rows);
      // Keep the pages nearest to what is shown; the others are asked again when scrolled back to.
      if (this.#pages.size > MAX_PAGES) {
        const far = [...this.#pages.keys()].filter((k) => k !== 0).sort((a, b) => Math.abs(b - around) - Math.abs(a - around));
        for (const k of far.slice(0, this.#pages.size - MAX_PAGES)) this.#pages.delete(k);
      }
      this.#pagesVersion++;
    } catch (err) {
      if (seq === this.#listSeq) this.#fail('', `Could not read the stored sessions: ${messageOf(err)}`);
    } finally {
      if (seq === this.#listSeq) this.#asking.delete(p);
    }
  }

  /** Moves the keyboard's row by `delta` (j: +1, k: -1), within the listed rows. */
  moveCursor(delta: number): void {
    if (this.#matched === 0) return;
    const at = this.#cursor < 0 ? (delta > 0 ? 0 : this.#matched - 1) : this.#cursor + delta;
    this.#cursor = Math.max(0, Math.min(this.#matched - 1, at));
  }

  /** Puts the keyboard's row on row i (a click, a focus). */
  setCursor(i: number): void {
    this.#cursor = i >= 0 && i < this.#matched ? i : -1;
  }

  /** Opens the detail of the keyboard's row (Enter), if it has been fetched. */
  openCursor(): void {
    const s = this.#cursor >= 0 ? this.rowAt(this.#cursor) : undefined;
    if (s) this.select(s);
  }

  /** Opens the detail of a session (null closes it): a step in the history, so its link can be copied. */
  select(session: Session | null): void {
    this.#selected = session;
    if (session?.id === this.#openId) return;
    this.#openId = session?.id;
    this.#only = undefined;
    this.#lastEdit = null;
    this.#navigate?.(this.query, false);
  }

  async #relist(): Promise<void> {
    try {
      await this.#listSessions(false);
    } catch (err) {
      this.#fail('', `Could not read the stored sessions: ${messageOf(err)}`);
    }
  }

  /**
   * The first page for the filter and sort in force; a newer listing wins, and the pages of older
   * ones are dropped. After the data changed (`fresh`), an open detail shows the session as now
   * stored, or closes if it is gone (merged), and the newest stored end is read again.
   */
  async #listSessions(fresh: boolean): Promise<void> {
    const seq = ++this.#listSeq;
    if (fresh) this.#selectionStale = true;
    const api = this.#remote();
    const [page, newest] = await Promise.all([
      api.listSessions(0, PAGE_SIZE, this.#filter, this.#sort),
      fresh ? api.listSessions(0, 1, {}, '-end').then((p) => p.rows[0]?.end ?? null) : Promise.resolve(this.#newest)
    ]);
    if (seq !== this.#listSeq) return;
    this.#pages = new Map([[0, page.rows]]);
    this.#asking = new Set();
    this.#pagesVersion++;
    this.#rows = page.rows;
    this.#total = page.total;
    this.#matched = page.matched;
    this.#newest = newest;
    this.#cursor = Math.min(this.#cursor, page.matched - 1);
    this.#listed++;
    const open = this.#selected;
    if (open) {
      const now = page.rows.find((r) => r.id === open.id);
      if (now) this.#selected = now;
      else if (this.#selectionStale) await this.#reopen(); // changed or gone (merged into another)
    } else if (this.#openId && fresh) await this.#reopen();
    this.#selectionStale = false;
  }

  /**
   * Applies the grouping form: the worker groups the stored requests again with it (progress in
   * `regroupProgress`, `cancelRegroup` stops it). With `clearFirst`, empties the stored data first
   * (the view asks the user before): for keys whose values were not stored.
   */
  async applyGrouping(clearFirst = false): Promise<void> {
    const checked = this.#groupingCheck;
    if (!checked.ok || !this.#settingsLoaded || this.#busy || this.#settingsBusy) return;
    this.#settingsBusy = true;
    this.#settingsError = null;
    this.#regrouped = null;
    const onProgress = proxy((p: RegroupProgress) => (this.#regroupProgress = p));
    // shown (and cancellable) at once: the worker's first figures come after it has looked at the ledger
    if (this.#total > 0 && !clearFirst) this.#regroupProgress = { phase: 'reading', done: 0, total: 0, imports: 0, importIndex: 0 };
    try {
      if (clearFirst) await this.#clear();
      const res = await this.#remote().saveSettings(checked.value, onProgress);
      if (res.ok) {
        const { keys, inactivityMs, regrouped } = res.value;
        this.#setSettings({ keys, inactivityMs });
        this.#regrouped = regrouped;
        this.#regroupCheck = null;
        if (regrouped) await this.refresh();
      } else this.#settingsError = res.error.message;
    } catch (err) {
      this.#settingsError = `Could not change the settings: ${messageOf(err)}`;
    } finally {
      this.#regroupProgress = null;
      this.#settingsBusy = false;
    }
  }

  /** Puts the settings in force back into the form. */
  resetGrouping(): void {
    this.#setSettings(this.#settings);
    this.#settingsError = null;
  }

  /** Empties the stored sessions, endpoints and ledger (the view asks the user before). */
  async clearAll(): Promise<void> {
    if (this.#busy || this.#settingsBusy) return;
    this.#settingsBusy = true;
    this.#settingsError = null;
    try {
      await this.#clear();
    } catch (err) {
      this.#settingsError = `Could not clear the stored data: ${messageOf(err)}`;
    } finally {
      this.#settingsBusy = false;
    }
  }

  async #clear(): Promise<void> {
    await this.#remote().clearData();
    this.#report = null;
    await this.refresh();
  }

  async #loadSettings(): Promise<void> {
    try {
      this.#setSettings(await this.#remote().getSettings());
    } catch (err) {
      this.#settingsError = `Could not read the settings: ${messageOf(err)}`;
    } finally {
      this.#settingsLoaded = true;
    }
  }

  /** Another tab may have changed the grouping (and re-grouped): take it, keeping a form being edited. */
  async #followSettings(): Promise<void> {
    try {
      const s = await this.#remote().getSettings();
      if (sameGrouping(s, this.#settings)) return;
      if (this.groupingChanged) this.#settings = s;
      else this.#setSettings(s);
    } catch {
      // the next change or a reload reads them again
    }
  }

  #setSettings(s: GroupingSettings): void {
    this.#settings = s;
    this.grouping.keys = s.keys;
    this.grouping.minutes = minutesOf(s);
  }

  /** Imports at once, detecting each file's format. The page previews first (`previewFiles`). */
  importFiles(files: File[], choice?: FormatChoice): Promise<void> {
    return this.#import(files.map((file) => ({ kind: 'file', file })), choice);
  }

  /**
   * Opens the preview of dropped or picked files: their detected formats and first requests. Nothing
   * is imported until `confirmImport`. The format controls start again from "detect".
   */
  previewFiles(files: File[]): Promise<void> {
    return this.previewSources(files.map((file) => ({ kind: 'file', file })));
  }

  /** `previewFiles` for any sources: files, and URLs (absolute), whose heads the worker fetches. */
  previewSources(sources: ImportSource[]): Promise<void> {
    if (this.#busy || sources.length === 0) return Promise.resolve();
    this.#pending = sources;
    this.#previews = null;
    this.#previewedKey = null;
    this.#error = null;
    this.#report = null;
    Object.assign(this.draft, AUTO_DRAFT);
    return this.preview();
  }

  /** (Re-)reads the pending files' heads with the choice in the controls; a newer call wins. */
  async preview(): Promise<void> {
    const sources = this.#pending;
    if (!sources) return;
    const choice = this.#choice;
    const key = this.#choiceKey;
    const seq = ++this.#previewSeq;
    this.#requestedKey = key;
    try {
      const previews = await this.#remote().previewSources(sources, choice);
      if (seq !== this.#previewSeq) return;
      this.#previews = previews.map((p) => (p.error ? { ...p, error: clarifyFetchError(p.error, sources) } : p));
      this.#previewedKey = key;
    } catch (err) {
      if (seq !== this.#previewSeq) return;
      const names = sources.map(nameOf).join(', ');
      this.discardPreview();
      this.#fail(names, `Could not preview ${names}: ${messageOf(err)}`);
    }
  }

  /** Imports the pending files with the chosen format; only when every file has one. */
  async confirmImport(): Promise<void> {
    const sources = this.#pending;
    if (!sources || !this.canImport) return;
    const choice = $state.snapshot(this.#choice);
    this.discardPreview();
    await this.#import(sources, choice);
  }

  /** Closes the preview without importing. */
  discardPreview(): void {
    this.#previewSeq++;
    this.#pending = null;
    this.#previews = null;
    this.#previewedKey = null;
    this.#requestedKey = null;
  }

  /** `url` must be absolute: the worker resolves nothing against the page. */
  importUrl(url: string, name: string): Promise<void> {
    return this.#import([{ kind: 'url', url, name }]);
  }

  cancel(): void {
    if (!this.#busy) return;
    this.#cancelling = true;
    void this.#remote().cancelImport();
  }

  /** Stops the worker; for the page's teardown and tests. */
  dispose(): void {
    this.#stopListening?.();
    this.#stopListening = undefined;
    this.#api?.[releaseProxy]();
    this.#worker?.terminate();
    this.#api = undefined;
    this.#worker = undefined;
  }

  async #import(sources: ImportSource[], choice?: FormatChoice, force = false): Promise<void> {
    if (this.#busy || this.#settingsBusy || sources.length === 0) return;
    this.discardPreview();
    this.#busy = true;
    this.#error = null;
    this.#report = null;
    this.#progress = null;
    this.#notice = null;
    this.#last = { sources, choice };
    this.#cancelling = false;
    const tracker = new ProgressTracker(sources.map(sizeOf), performance.now());
    this.#figures = tracker.figures();
    try {
      const onProgress = proxy((p: Progress) => {
        this.#progress = p;
        this.#figures = tracker.add(p, performance.now());
        // A cancel that reached the worker before this import began there was lost: ask again.
        if (this.#cancelling) void this.#remote().cancelImport();
      });
      const res = await this.#remote().importSources(sources, onProgress, choice, force ? { force } : undefined);
      if (res.ok) {
        this.#report = res.value;
        this.#notify({ pruned: res.value.pruned });
        await this.refresh();
      } else {
        this.#error = clarifyFetchError(res.error, sources);
      }
    } catch (err) {
      const names = sources.map(nameOf).join(', ');
      this.#fail(names, `Import of ${names} failed: ${messageOf(err)}`);
    } finally {
      this.#busy = false;
      this.#progress = null;
      this.#figures = null;
      this.#cancelling = false;
    }
  }

  #remote(): Remote<WorkerApi> {
    if (!this.#api) throw new Error('the worker is not started');
    return this.#api;
  }

  #fail(file: string, message: string): void {
    this.#error = { kind: 'read-failed', file, message };
  }
}

/** Edits of one filter field closer together than this are one step of the history (typing). */
const TYPING_MS = 1500;

/** What retention dropped, for the user. */
export function prunedSentence(p: Pruned): string {
  const days = p.days.length === 1 ? p.days[0] : `${p.days.length} days (${p.days[0]} to ${p.days[p.days.length - 1]})`;
  return `Retention removed ${days}: ${p.sessions} session${p.sessions === 1 ? '' : 's'} and ${p.requests} request${p.requests === 1 ? '' : 's'}. Data from ${p.keptFrom} on is kept.`;
}

/** What the page knows of a source's size: a file's; a URL's only the worker learns. */
function sizeOf(s: ImportSource): { name: string; size: number | null } {
  return { name: nameOf(s), size: s.kind === 'file' ? s.file.size : null };
}

function nameOf(s: ImportSource): string {
  return s.kind === 'file' ? s.file.name : s.name;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
