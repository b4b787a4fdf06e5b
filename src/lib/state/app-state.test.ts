import { describe, expect, it } from 'vitest';
import type { Remote } from 'comlink';
import type {
  EndpointRow,
  FilePreview,
  FormatChoice,
  GroupingSettings,
  ImportRecord,
  ImportReport,
  ImportSource,
  Progress,
  RegroupCheck,
  RegroupProgress,
  SavedSettings,
  Result,
  Session,
  SessionFilter,
  SessionSort,
  WorkerApi,
  MaintenanceReport,
  Retention
} from '../../worker/api';
import { checkGrouping, DEFAULT_GROUPING } from '../grouping';
import { AppState, ENDPOINT_ROWS, MAX_PAGES, PAGE_SIZE } from './app-state.svelte';
import { queryOfView, viewFromQuery, withView } from '../view-query';

const session = (id: string): Session => ({
  id,
  key: 'ip+ua',
  keyHash: 'h',
  ip: '192.0.2.1',
  userAgent: 'ua',
  user: null,
  start: 0,
  end: 1,
  requests: 1,
  bytes: 0,
  status: { '1xx': 0, '2xx': 1, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 },
  durationMs: null,
  ips: 1,
  endpoints: 1,
  hosts: [],
  firstEndpoint: 'GET /',
  lastEndpoint: 'GET /',
  attacks: {},
  labels: [],
  risk: 0,
  riskParts: []
});

const report: ImportReport = {
  files: 1,
  bytes: 10,
  lines: 2,
  blank: 0,
  requests: 2,
  malformed: 0,
  truncated: 0,
  late: 0,
  sessions: 1,
  format: 'combined',
  malformedSamples: [],
  ms: 5,
  stored: 1,
  skipped: [],
  pruned: null
};

/** A stand-in for the comlink remote: answers from plain functions, records what it was asked. */
function fakeApi(importSources: WorkerApi['importSources'], previewSources?: WorkerApi['previewSources']) {
  const stored: Session[] = [];
  const endpoints: EndpointRow[] = [];
  const imports: ImportRecord[] = [];
  let settings: GroupingSettings = DEFAULT_GROUPING;
  let retention: Retention = { days: 7, anchor: 'data' };
  const upkeep: MaintenanceReport = { discarded: 0, pruned: null };
  const calls: {
    sources: ImportSource[];
    list: [number, number][];
    endpointList: [number, number][];
    choices: (FormatChoice | undefined)[];
    previews: { names: string[]; choice?: FormatChoice }[];
    settings: GroupingSettings[];
    cleared: number;
    queries: { filter?: SessionFilter; sort?: SessionSort }[];
  } = { sources: [], list: [], endpointList: [], choices: [], previews: [], settings: [], cleared: 0, queries: [] };
  /** Set `gates.list` to hold listings back (to answer them out of order). */
  const gates: { list?: () => Promise<void> } = {};
  const api = {
    importSources: async (sources: ImportSource[], onProgress?: (p: Progress) => void, choice?: FormatChoice) => {
      calls.sources.push(...sources);
      calls.choices.push(choice);
      const res = await importSources(sources, onProgress, choice);
      if (res.ok) stored.push(session(`s${stored.length}`));
      return res;
    },
    previewSources: async (sources: ImportSource[], choice?: FormatChoice) => {
      calls.previews.push({ names: sources.map((s) => (s.kind === 'file' ? s.file.name : s.name)), choice });
      if (!previewSources) throw new Error('no previews in this test');
      return previewSources(sources, choice);
    },
    cancelImport: async () => {},
    listSessions: async (offset: number, limit: number, filter?: SessionFilter, sort?: SessionSort) => {
      calls.list.push([offset, limit]);
      calls.queries.push({ filter, sort });
      await gates.list?.();
      const f = filter ?? {};
      const passing = stored.filter(
        (s) =>
          (!f.attack || (s.attacks[f.attack as keyof Session['attacks']] ?? 0) > 0) &&
          (!f.label || s.labels.some((l) => l.name === f.label)) &&
          s.risk >= (f.minRisk ?? 0)
      );
      if (sort === '-risk') passing.sort((a, b) => b.risk - a.risk);
      if (sort === '-end') passing.sort((a, b) => b.end - a.end);
      return { total: stored.length, matched: passing.length, rows: passing.slice(offset, offset + limit) };
    },
    sessionTotal: async () => stored.length,
    listEndpoints: async (offset: number, limit: number) => {
      calls.endpointList.push([offset, limit]);
      return { total: endpoints.length, rows: endpoints.slice(offset, offset + limit) };
    },
    listImports: async () => [...imports],
    getSettings: async () => settings,
    // As the worker: checked, canonical; with sessions stored, re-grouped (progress first), but
    // cookie keys (whose values were not stored) are refused.
    saveSettings: async (next: GroupingSettings, onProgress?: (p: RegroupProgress) => void): Promise<Result<SavedSettings>> => {
      calls.settings.push(next);
      const c = checkGrouping(next.keys, next.inactivityMs / 60_000);
      if (!c.ok) return { ok: false, error: { kind: 'bad-format', file: '', message: c.error } };
      const changed = c.value.keys !== settings.keys || c.value.inactivityMs !== settings.inactivityMs;
      if (stored.length > 0 && changed && c.value.keys.includes('cookie')) {
        return { ok: false, error: { kind: 'bad-format', file: 'a.log', message: 'Clear all data, apply the settings, then import the files again.' } };
      }
      settings = c.value;
      if (stored.length === 0 || !changed) return { ok: true, value: { ...settings, regrouped: null } };
      onProgress?.({ phase: 'reading', done: 1, total: 2, imports: 1, importIndex: 0 });
      return { ok: true, value: { ...settings, regrouped: { sessionsBefore: stored.length, sessionsAfter: stored.length, requests: 2, missing: 0, approximate: 0, ms: 5 } } };
    },
    checkSettings: async (next: GroupingSettings): Promise<Result<RegroupCheck>> => {
      const possible = !next.keys.includes('cookie');
      return { ok: true, value: { possible, unknownKeys: possible ? [] : ['cookie:sid'], files: ['a.log'], reason: possible ? '' : 'The values of cookie:sid were not stored.' } };
    },
    cancelRegroup: async () => {},
    clearData: async () => {
      calls.cleared++;
      stored.length = 0;
      endpoints.length = 0;
      imports.length = 0;
    },
    maintain: async () => upkeep,
    refresh: async () => {},
    instanceId: async () => 'test',
    getRetention: async () => retention,
    saveRetention: async (r: Retention) => {
      retention = r;
      return { ok: true, value: { retention: r, pruned: null } };
    }
  };
  return { api: api as unknown as Remote<WorkerApi>, calls, stored, endpoints, imports, gates, upkeep };
}

describe('AppState', () => {
  it('loads the stored sessions on start', async () => {
    const { api, calls, stored } = fakeApi(async () => ({ ok: true, value: report }));
    stored.push(session('old'));
    const app = new AppState(api);
    expect(app.loaded).toBe(false);
    await app.start();
    expect(app.loaded).toBe(true);
    expect(app.total).toBe(1);
    expect(app.rows.map((r) => r.id)).toEqual(['old']);
    // the first page, and the newest stored session (the anchor of the time presets)
    expect(calls.list).toEqual([[0, PAGE_SIZE], [0, 1]]);
    expect(calls.queries[1]).toEqual({ filter: {}, sort: '-end' });
    expect(app.newest).toBe(1);
  });

  it('shows progress while importing, then the report and the new sessions', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { api, calls } = fakeApi(async (_s, onProgress) => {
      onProgress?.({ file: 'a.log', fileIndex: 0, files: 1, bytesRead: 5, bytesTotal: 10, lines: 1 });
      await gate;
      return { ok: true, value: report };
    });
    const app = new AppState(api);
    await app.start();
    const file = new File(['x'], 'a.log');
    const running = app.importFiles([file]);
    await Promise.resolve();
    expect(app.busy).toBe(true);
    expect(app.progress).toMatchObject({ bytesRead: 5, bytesTotal: 10 });
    release();
    await running;
    expect(calls.sources).toEqual([{ kind: 'file', file }]);
    expect(app.busy).toBe(false);
    expect(app.progress).toBeNull();
    expect(app.report).toEqual(report);
    expect(app.error).toBeNull();
    expect(app.total).toBe(1);
    expect(app.rows.map((r) => r.id)).toEqual(['s0']);
  });

  it('shows the error value and keeps the table as it was', async () => {
    const error = { kind: 'binary' as const, file: 'x.bin', message: 'x.bin: binary data' };
    const { api } = fakeApi(async () => ({ ok: false, error }));
    const app = new AppState(api);
    await app.start();
    await app.importUrl('http://127.0.0.1/x.bin', 'x.bin');
    expect(app.error).toEqual(error);
    expect(app.report).toBeNull();
    expect(app.total).toBe(0);
  });

  it('turns a failed call into an error naming the files', async () => {
    const { api } = fakeApi(async () => {
      throw new Error('worker gone');
    });
    const app = new AppState(api);
    await app.start();
    await app.importFiles([new File(['a'], 'a.log'), new File(['b'], 'b.log.gz')]);
    expect(app.error).toMatchObject({ kind: 'read-failed', file: 'a.log, b.log.gz' });
    expect(app.error?.message).toContain('worker gone');
    expect(app.busy).toBe(false);
  });

  it('ignores a second import while one runs', async () => {
    let release!: () => void;
    const { api, calls } = fakeApi(
      () => new Promise((r) => (release = () => r({ ok: true, value: report })))
    );
    const app = new AppState(api);
    await app.start();
    const first = app.importFiles([new File(['a'], 'a.log')]);
    await app.importFiles([new File(['b'], 'b.log')]);
    release();
    await first;
    expect(calls.sources).toHaveLength(1);
  });
});

const NPM = 'nginx:[$time_local] $status "$request_uri" [Client $remote_addr]';

/** A preview answer: a format and one request per file, or "not recognised" without a choice. */
function previewOf(sources: ImportSource[], choice?: FormatChoice): FilePreview[] {
  return sources.map((s) => {
    const file = s.kind === 'file' ? s.file.name : s.name;
    if (choice?.format === 'bogus') return { file, format: null, error: { kind: 'bad-format', file, message: 'unknown format "bogus"' }, requests: [], lines: 0, malformed: 0 };
    if (file.startsWith('proxy') && !choice?.format) {
      return { file, format: null, error: { kind: 'not-recognised', file, message: `${file}: format not recognised` }, requests: [], lines: 0, malformed: 0 };
    }
    const requests = choice?.format === 'w3c' ? [] : [{ file, line: 1 } as FilePreview['requests'][number]];
    return { file, format: choice?.format ?? 'clf', requests, lines: 1, malformed: requests.length ? 0 : 1 };
  });
}

describe('AppState: preview before import', () => {
  const ok = async () => ({ ok: true as const, value: report });

  it('previews dropped files, and imports them only once confirmed, detecting their format', async () => {
    const { api, calls } = fakeApi(ok, async (s, c) => previewOf(s, c));
    const app = new AppState(api);
    await app.start();
    const file = new File(['x'], 'a.log');
    await app.previewFiles([file]);
    expect(calls.previews).toEqual([{ names: ['a.log'], choice: {} }]);
    expect(calls.sources).toEqual([]);
    expect(app.pendingNames).toEqual(['a.log']);
    expect(app.previews?.map((p) => p.format)).toEqual(['clf']);
    expect(app.previewStale).toBe(false);
    expect(app.needsPreview).toBe(false);
    expect(app.canImport).toBe(true);

    await app.confirmImport();
    expect(calls.sources).toEqual([{ kind: 'file', file }]);
    expect(calls.choices).toEqual([{}]);
    expect(app.pendingNames).toBeNull();
    expect(app.previews).toBeNull();
    expect(app.report).toEqual(report);
    expect(app.total).toBe(1);
  });

  it('holds the import of a file not recognised until a format string is given, then imports with it', async () => {
    const { api, calls } = fakeApi(ok, async (s, c) => previewOf(s, c));
    const app = new AppState(api);
    await app.start();
    await app.previewFiles([new File(['x'], 'proxy.log'), new File(['y'], 'b.log')]);
    expect(app.previews?.map((p) => p.format)).toEqual([null, 'clf']);
    expect(app.canImport).toBe(false);
    await app.confirmImport();
    expect(calls.sources).toEqual([]);

    app.draft.pasted = NPM.slice('nginx:'.length);
    expect(app.choice).toEqual({ format: NPM });
    expect(app.needsPreview).toBe(true);
    expect(app.previewStale).toBe(true);
    expect(app.canImport).toBe(false);
    await app.preview();
    expect(calls.previews.at(-1)).toEqual({ names: ['proxy.log', 'b.log'], choice: { format: NPM } });
    expect(app.previews?.map((p) => p.format)).toEqual([NPM, NPM]);
    expect(app.canImport).toBe(true);

    await app.confirmImport();
    expect(calls.sources.map((s) => s.kind === 'file' && s.file.name)).toEqual(['proxy.log', 'b.log']);
    expect(calls.choices).toEqual([{ format: NPM }]);
  });

  it('shows a bad choice beside the controls and refuses to import with it', async () => {
    const { api, calls } = fakeApi(ok, async (s, c) => previewOf(s, c));
    const app = new AppState(api);
    await app.start();
    await app.previewFiles([new File(['x'], 'a.log')]);
    app.draft.pasted = 'bogus';
    expect(app.choiceError).toBeNull();
    await app.preview();
    expect(app.choiceError).toBe('unknown format "bogus"');
    expect(app.canImport).toBe(false);
    await app.confirmImport();
    expect(calls.sources).toEqual([]);
    app.draft.pasted = '';
    expect(app.choiceError).toBeNull();
  });

  it('refuses to import a file whose first lines do not parse in the chosen format', async () => {
    const { api, calls } = fakeApi(ok, async (s, c) => previewOf(s, c));
    const app = new AppState(api);
    await app.start();
    await app.previewFiles([new File(['x'], 'a.log')]);
    app.draft.select = 'w3c';
    await app.preview();
    expect(app.previews?.[0]).toMatchObject({ format: 'w3c', requests: [] });
    expect(app.canImport).toBe(false);
    await app.confirmImport();
    expect(calls.sources).toEqual([]);
  });

  it('keeps only the answer to the latest preview', async () => {
    const gates: (() => void)[] = [];
    const { api } = fakeApi(ok, (s, c) => new Promise((r) => gates.push(() => r(previewOf(s, c)))));
    const app = new AppState(api);
    await app.start();
    const first = app.previewFiles([new File(['x'], 'a.log')]);
    app.draft.select = 'alb';
    const second = app.preview();
    gates[1]();
    await second;
    gates[0]();
    await first;
    expect(app.previews?.map((p) => p.format)).toEqual(['alb']);
    expect(app.canImport).toBe(true);
  });

  it('starts each preview from "detect", and cancelling it imports nothing', async () => {
    const { api, calls } = fakeApi(ok, async (s, c) => previewOf(s, c));
    const app = new AppState(api);
    await app.start();
    await app.previewFiles([new File(['x'], 'a.log')]);
    app.draft.select = 'json';
    app.draft.mapping = 'time=ts';
    expect(app.choice).toEqual({ format: 'json', mapping: 'time=ts' });
    app.discardPreview();
    expect(app.pendingNames).toBeNull();
    expect(app.needsPreview).toBe(false);
    await app.confirmImport();
    expect(calls.sources).toEqual([]);
    await app.previewFiles([new File(['x'], 'b.log')]);
    expect(app.choice).toEqual({});
  });

  it('closes the preview with an error naming the files when the worker fails', async () => {
    const { api } = fakeApi(ok, async () => {
      throw new Error('worker gone');
    });
    const app = new AppState(api);
    await app.start();
    await app.previewFiles([new File(['x'], 'a.log')]);
    expect(app.pendingNames).toBeNull();
    expect(app.error).toMatchObject({ kind: 'read-failed', file: 'a.log' });
    expect(app.error?.message).toContain('worker gone');
  });
});

const endpointRow = (endpoint: string, requests: number): EndpointRow => ({
  endpoint,
  method: endpoint.split(' ')[0],
  path: endpoint.split(' ')[1],
  requests,
  sessions: 1,
  status: { '1xx': 0, '2xx': requests, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 },
  bytes: 0,
  p50: null,
  p95: null,
  p99: null,
  firstSeen: '2024-01-01T00:00:00.000Z',
  lastSeen: '2024-01-01T00:00:00.000Z',
  attacks: { sqli: 0, xss: 0, traversal: 0, cmdi: 0, jndi: 0, 'file-inclusion': 0, scanner: 0 },
  risk: 0
});

describe('AppState: endpoints, grouping settings, clearing', () => {
  const ok = async () => ({ ok: true as const, value: report });

  it('loads the top endpoints, the ledger and the settings on start', async () => {
    const { api, calls, endpoints, imports } = fakeApi(ok);
    endpoints.push(endpointRow('GET /a', 5), endpointRow('GET /b', 2));
    imports.push({ time: 0, files: [{ name: 'monday.log', size: 1 }], format: 'combined', bytes: 1, lines: 1, blank: 0, requests: 1, malformed: 0, truncated: 0, sessions: 1, ms: 1, status: 'needs-reimport' });
    const app = new AppState(api);
    expect(app.settingsLoaded).toBe(false);
    await app.start();
    expect(app.settingsLoaded).toBe(true);
    expect(calls.endpointList).toEqual([[0, ENDPOINT_ROWS]]);
    expect(app.endpoints.map((e) => e.endpoint)).toEqual(['GET /a', 'GET /b']);
    expect(app.endpointTotal).toBe(2);
    expect(app.needsReimport.map((r) => r.files[0].name)).toEqual(['monday.log']);
    expect(app.hasData).toBe(true);
    expect(app.settings).toEqual(DEFAULT_GROUPING);
    expect({ ...app.grouping }).toEqual({ keys: 'ip+ua', minutes: 30 });
    expect(app.groupingChanged).toBe(false);
  });

  it("shows parseKeys' sentence for bad keys, and applies valid settings in canonical form", async () => {
    const { api, calls } = fakeApi(ok);
    const app = new AppState(api);
    await app.start();
    app.grouping.keys = 'cookie:';
    expect(app.groupingError).toContain('bad key "cookie:"');
    expect(app.groupingChanged).toBe(false);
    await app.applyGrouping();
    expect(calls.settings).toEqual([]);
    app.grouping.keys = 'Cookie:sid, ip+ua';
    app.grouping.minutes = 0;
    expect(app.groupingError).toContain('Inactivity timeout');
    app.grouping.minutes = 15;
    expect(app.groupingError).toBeNull();
    expect(app.groupingChanged).toBe(true);
    expect(app.groupingNeedsClear).toBe(false);
    await app.applyGrouping();
    expect(calls.settings).toEqual([{ keys: 'cookie:sid,ip+ua', inactivityMs: 15 * 60_000 }]);
    expect(app.settings).toEqual({ keys: 'cookie:sid,ip+ua', inactivityMs: 15 * 60_000 });
    expect({ ...app.grouping }).toEqual({ keys: 'cookie:sid,ip+ua', minutes: 15 });
    expect(app.groupingChanged).toBe(false);
    expect(app.settingsError).toBeNull();
  });

  it('with sessions stored, other settings re-group them; keys whose values were not stored need the data cleared first', async () => {
    const { api, calls, stored } = fakeApi(ok);
    const app = new AppState(api);
    await app.start();
    await app.importFiles([new File(['a'], 'a.log')]);
    expect(app.total).toBe(1);
    app.grouping.minutes = 20;
    await app.checkGroupingDraft();
    expect(app.regroupCheck).toMatchObject({ possible: true });
    expect(app.groupingNeedsClear).toBe(false);
    await app.applyGrouping();
    expect(app.settings.inactivityMs).toBe(20 * 60_000);
    expect(app.regrouped).toMatchObject({ requests: 2, sessionsAfter: 1 });
    expect(app.regroupProgress, 'gone once done').toBeNull();
    expect(stored).toHaveLength(1);
    expect(calls.cleared).toBe(0);

    app.grouping.keys = 'cookie:sid,ip+ua';
    app.grouping.minutes = 45;
    await app.checkGroupingDraft();
    expect(app.groupingNeedsClear).toBe(true);
    expect(app.regroupCheck).toMatchObject({ possible: false, files: ['a.log'] });

    // Without clearing, the worker refuses and says why.
    await app.applyGrouping();
    expect(app.settingsError).toContain('import the files again');
    expect(app.settings.inactivityMs).toBe(20 * 60_000);
    expect(stored).toHaveLength(1);

    await app.applyGrouping(true);
    expect(calls.cleared).toBe(1);
    expect(app.total).toBe(0);
    expect(app.report).toBeNull();
    expect(app.settings.inactivityMs).toBe(45 * 60_000);
    expect(app.settingsError).toBeNull();
    expect(app.groupingNeedsClear).toBe(false);

    app.grouping.keys = 'ip';
    app.resetGrouping();
    expect({ ...app.grouping }).toEqual({ keys: 'cookie:sid,ip+ua', minutes: 45 });
  });

  it('clears all data and shows the empty store', async () => {
    const { api, calls, endpoints } = fakeApi(ok);
    endpoints.push(endpointRow('GET /a', 5));
    const app = new AppState(api);
    await app.start();
    await app.importFiles([new File(['a'], 'a.log')]);
    expect(app.hasData).toBe(true);
    await app.clearAll();
    expect(calls.cleared).toBe(1);
    expect(app.total).toBe(0);
    expect(app.rows).toEqual([]);
    expect(app.endpoints).toEqual([]);
    expect(app.hasData).toBe(false);
  });
});

describe('AppState: session filter, sort and detail', () => {
  const ok = async () => ({ ok: true as const, value: report });
  const risky = (id: string, over: Partial<Session>): Session => ({ ...session(id), ...over });

  function seeded() {
    const fake = fakeApi(ok);
    fake.stored.push(
      risky('calm', {}),
      risky('walker', { attacks: { traversal: 12, scanner: 3 }, labels: [{ name: 'security-crawler', evidence: '3 of 15 requests probe' }], risk: 65 }),
      risky('script', { labels: [{ name: 'library-agent', evidence: 'no user agent' }], risk: 5 }),
      risky('injector', { attacks: { sqli: 4 }, labels: [{ name: 'library-agent', evidence: 'user agent of a library or tool: "curl"' }], risk: 40 })
    );
    return fake;
  }

  it('sends the filter and sort to the worker, shows what passes and keeps the total of all stored', async () => {
    const { api, calls } = seeded();
    const app = new AppState(api);
    await app.start();
    expect([app.total, app.matched, app.filtered]).toEqual([4, 4, false]);

    await app.setFilter({ attack: 'traversal' });
    expect(calls.queries.at(-1)).toEqual({ filter: { attack: 'traversal' }, sort: 'start' });
    expect(app.rows.map((r) => r.id)).toEqual(['walker']);
    expect([app.total, app.matched, app.filtered]).toEqual([4, 1, true]);

    await app.setFilter({ attack: '', label: 'library-agent' });
    expect(calls.queries.at(-1)?.filter).toEqual({ label: 'library-agent' });
    expect(app.rows.map((r) => r.id)).toEqual(['script', 'injector']);

    await app.setSort('-risk');
    expect(app.rows.map((r) => r.id)).toEqual(['injector', 'script']);
    await app.setFilter({ label: '', minRisk: 30 });
    expect(calls.queries.at(-1)).toEqual({ filter: { minRisk: 30 }, sort: '-risk' });
    expect(app.rows.map((r) => r.id)).toEqual(['walker', 'injector']);

    // 0, '' and odd numbers drop a condition; the filter stays plain data (it is structured-cloned).
    await app.setFilter({ minRisk: Number('') });
    expect(app.filter).toEqual({});
    expect(app.filtered).toBe(false);
    expect(() => structuredClone(app.filter)).not.toThrow();
    expect(app.matched).toBe(4);
  });

  it('shows the newest listing when an older one answers late', async () => {
    const { api, gates } = seeded();
    const app = new AppState(api);
    await app.start();
    let releaseSlow!: () => void;
    const slow = new Promise<void>((r) => (releaseSlow = r));
    gates.list = () => slow;
    const first = app.setFilter({ attack: 'traversal' });
    gates.list = undefined;
    await app.setFilter({ attack: 'sqli' });
    releaseSlow();
    await first;
    expect(app.filter).toEqual({ attack: 'sqli' });
    expect(app.rows.map((r) => r.id)).toEqual(['injector']);
    expect(app.matched).toBe(1);
  });

  it('keeps the open detail across filters, shows it as stored after an import, closes it when it is gone', async () => {
    const { api, stored } = seeded();
    const app = new AppState(api);
    await app.start();
    app.select(app.rows[1]);
    expect(app.selected?.id).toBe('walker');
    await app.setFilter({ attack: 'sqli' });
    expect(app.selected?.id, 'the data did not change: the detail stays').toBe('walker');

    await app.setFilter({ attack: '' });
    stored[1] = { ...stored[1], requests: 99 };
    await app.importFiles([new File(['a'], 'a.log')]);
    expect(app.selected).toMatchObject({ id: 'walker', requests: 99 });

    stored.splice(1, 1);
    await app.importFiles([new File(['b'], 'b.log')]);
    expect(app.selected, 'merged away by the import').toBeNull();

    app.select(app.rows[0]);
    await app.clearAll();
    expect(app.selected).toBeNull();
    app.select(null);
    expect(app.selected).toBeNull();
  });
});

describe('AppState: storage upkeep, duplicates and retention', () => {
  const pruned = { days: ['2024-03-01', '2024-03-02'], sessions: 5, requests: 40, keptFrom: '2024-03-03' };

  it('says what start-up upkeep removed', async () => {
    const { api, upkeep } = fakeApi(async () => ({ ok: true, value: report }));
    upkeep.discarded = 1;
    upkeep.pruned = pruned;
    const app = new AppState(api);
    await app.start();
    expect(app.notice).toMatch(/Removed an import that a closed tab left unfinished/);
    expect(app.notice).toMatch(/Retention removed 2 days \(2024-03-01 to 2024-03-02\): 5 sessions and 40 requests\. Data from 2024-03-03 on is kept\./);
  });

  it('offers to import again what was refused as a duplicate, and forces it only then', async () => {
    const forced: (boolean | undefined)[] = [];
    const { api } = fakeApi(async () => ({ ok: false, error: { kind: 'duplicate', file: 'a.log', message: 'a.log was already imported' } }));
    const inner = api.importSources;
    (api as { importSources: unknown }).importSources = async (...args: Parameters<WorkerApi['importSources']>) => {
      forced.push(args[3]?.force);
      return inner(...args);
    };
    const app = new AppState(api);
    await app.start();
    expect(app.canForce).toBe(false);
    await app.importFiles([new File(['x'], 'a.log')]);
    expect(app.error?.kind).toBe('duplicate');
    expect(app.canForce).toBe(true);
    await app.importAgain();
    expect(forced).toEqual([undefined, true]);
  });

  it('shows the retention in force and saves a new one', async () => {
    const { api } = fakeApi(async () => ({ ok: true, value: report }));
    const app = new AppState(api);
    await app.start();
    expect(app.retention).toEqual({ days: 7, anchor: 'data' });
    await app.saveRetention({ days: 3, anchor: 'clock' });
    expect(app.retention).toEqual({ days: 3, anchor: 'clock' });
  });
});

describe('AppState: the view in the URL, pages of rows, the keyboard row', () => {
  const ok = async () => ({ ok: true as const, value: report });
  function many(n: number) {
    const fake = fakeApi(ok);
    for (let i = 0; i < n; i++) fake.stored.push({ ...session(`r${i}`), start: i, end: i + 1, attacks: i % 3 ? {} : { sqli: 1 }, risk: i % 100 });
    return fake;
  }

  it('puts each chosen view into the URL; typing in one field replaces its step; the same view navigates nowhere', async () => {
    const { api } = many(3);
    const steps: [string, boolean][] = [];
    const app = new AppState(api, { navigate: (q, replace) => steps.push([q, replace]) });
    await app.start();
    expect(app.query).toBe('');
    await app.setFilter({ attack: 'sqli' });
    await app.setFilter({ endpoint: '/api' });
    await app.setFilter({ endpoint: '/api/*/users' });
    await app.setSort('-risk');
    await app.setSort('-risk');
    await app.setFilter({ ip: '10.0.0.0/8', method: 'post' });
    expect(steps).toEqual([
      ['?attack=sqli', false],
      ['?attack=sqli&endpoint=%2Fapi', false],
      ['?attack=sqli&endpoint=%2Fapi%2F*%2Fusers', true],
      ['?attack=sqli&endpoint=%2Fapi%2F*%2Fusers&sort=-risk', false],
      ['?attack=sqli&endpoint=%2Fapi%2F*%2Fusers&method=POST&ip=10.0.0.0%2F8&sort=-risk', false]
    ]);
    await app.clearFilter();
    expect(steps.at(-1)).toEqual(['?sort=-risk', false]);
  });

  it('shows the view of a URL (a link, back or forward) without navigating, and round-trips every condition', async () => {
    const { api, calls } = many(3);
    const steps: string[] = [];
    const app = new AppState(api, { navigate: (q) => steps.push(q) });
    await app.start();
    const url =
      '?attack=sqli&label=scraping&endpoint=GET+%2Fa*&method=GET&ip=2001%3Adb8%3A%3A%2F32&user=bob&host=*.org&status=404%2C5xx&id=ab12' +
      '&from=2024-01-01T10%3A00%3A00Z&to=2024-01-02T00%3A00%3A00Z&min-requests=5&min-risk=20&sort=-duration';
    await app.applyQuery(url);
    expect(steps, 'opening a URL adds no history step').toEqual([]);
    expect(app.filter).toEqual({
      attack: 'sqli',
      label: 'scraping',
      endpoint: 'GET /a*',
      method: 'GET',
      ip: '2001:db8::/32',
      user: 'bob',
      host: '*.org',
      status: '404,5xx',
      id: 'ab12',
      from: Date.UTC(2024, 0, 1, 10),
      to: Date.UTC(2024, 0, 2),
      minRequests: 5,
      minRisk: 20
    });
    expect(app.sort).toBe('-duration');
    expect(calls.queries.at(-1)).toEqual({ filter: app.filter, sort: '-duration' });
    expect(new URLSearchParams(app.query)).toEqual(new URLSearchParams(url));
    const listed = calls.list.length;
    await app.applyQuery(app.query);
    expect(calls.list.length, 'the view shown: nothing to list').toBe(listed);
    // back to the plain page
    await app.applyQuery('');
    expect([app.filter, app.sort, app.query]).toEqual([{}, 'start', '']);
  });

  it('keeps the endpoints view’s filter and sort in the URL beside the sessions filter; typing refines one step; a link restores it', async () => {
    const { api, calls } = many(3);
    const steps: [string, boolean][] = [];
    const app = new AppState(api, { navigate: (q, replace) => steps.push([q, replace]) });
    await app.start();
    await app.setFilter({ attack: 'sqli' });
    app.setTab('endpoints');
    app.setEndpointQuery({ search: '/api' });
    app.setEndpointQuery({ search: '/api/*/orders' });
    app.setEndpointQuery({ method: 'post', sort: 'p99' });
    app.setEndpointQuery({ method: 'POST' }); // the same: no step
    expect(steps.slice(1)).toEqual([
      ['?attack=sqli&tab=endpoints', false],
      ['?attack=sqli&tab=endpoints&ep=%2Fapi', false],
      ['?attack=sqli&tab=endpoints&ep=%2Fapi%2F*%2Forders', true],
      ['?attack=sqli&tab=endpoints&ep=%2Fapi%2F*%2Forders&ep-method=POST&ep-sort=p99', false]
    ]);
    const listed = calls.list.length;
    // another page opening the link: the same endpoint query; the sessions list is not listed again for it
    const other = new AppState(many(3).api);
    await other.applyQuery(app.query);
    expect([other.tab, other.endpointQuery, other.filter]).toEqual(['endpoints', { search: '/api/*/orders', method: 'POST', sort: 'p99' }, { attack: 'sqli' }]);
    await app.applyQuery('?attack=sqli&tab=endpoints&ep=%2Fapi');
    expect(app.endpointQuery).toEqual({ search: '/api' });
    expect(calls.list.length, 'the sessions filter did not change').toBe(listed);
    // a session count's link: the sessions list filtered by that endpoint, the endpoint query kept for back
    await app.showSessions({ endpoint: '"/api/{int}"', method: 'GET' });
    expect(steps.at(-1)).toEqual(['?endpoint=%22%2Fapi%2F%7Bint%7D%22&method=GET&ep=%2Fapi', false]);
  });

  it('reads a time preset as a window back from the newest stored end; a preset and a range exclude each other', async () => {
    const { api } = many(2);
    const app = new AppState(api);
    await app.start();
    await app.applyQuery('?last=1h&sort=bogus&min-risk=abc');
    expect([app.filter, app.sort]).toEqual([{ last: 3_600_000 }, 'start']);
    await app.setFilter({ from: 5 });
    expect(app.filter).toEqual({ from: 5 });
    await app.setFilter({ last: 15 * 60_000 });
    expect(app.filter).toEqual({ last: 900_000 });
    expect(app.query).toBe('?last=15m');
  });

  it('takes the view of a URL opened before start and lists it first', async () => {
    const { api, calls } = many(3);
    const app = new AppState(api);
    await app.applyQuery('?attack=sqli&sort=-risk');
    expect(calls.list).toEqual([]);
    await app.start();
    expect(calls.queries[0]).toEqual({ filter: { attack: 'sqli' }, sort: '-risk' });
    expect(app.error).toBeNull();
  });

  it('keeps other parameters of the URL (store=none) and parses what it writes', () => {
    expect(withView('?store=none&ip=1.2.3.4', '?user=bob')).toBe('?store=none&user=bob');
    const q = queryOfView({ filter: { status: '4xx', minRequests: 3 }, sort: 'ua' }, '?store=none&status=5xx');
    expect(q).toBe('?store=none&status=4xx&min-requests=3&sort=ua');
    expect(viewFromQuery(q)).toEqual({ filter: { status: '4xx', minRequests: 3 }, sort: 'ua' });
  });

  it('fetches the pages of the rows shown, once, keeps at most MAX_PAGES, and drops them when the view changes', async () => {
    const { api, calls } = many(PAGE_SIZE * (MAX_PAGES + 5));
    const app = new AppState(api);
    await app.start();
    expect(app.rowAt(0)?.id).toBe('r0');
    expect(app.rowAt(PAGE_SIZE)).toBeUndefined();
    calls.list.length = 0;
    app.showRows(PAGE_SIZE - 5, PAGE_SIZE * 3 + 2);
    app.showRows(PAGE_SIZE, PAGE_SIZE + 1);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.list).toEqual([1, 2, 3].map((p) => [p * PAGE_SIZE, PAGE_SIZE]));
    expect(app.rowAt(PAGE_SIZE * 3 + 1)?.id).toBe(`r${PAGE_SIZE * 3 + 1}`);
    for (let p = 4; p < MAX_PAGES + 5; p++) app.showRows(p * PAGE_SIZE, p * PAGE_SIZE + 1);
    await new Promise((r) => setTimeout(r, 0));
    expect(app.rowAt(PAGE_SIZE * (MAX_PAGES + 4))?.id).toBe(`r${PAGE_SIZE * (MAX_PAGES + 4)}`);
    expect(app.rowAt(PAGE_SIZE), 'far pages dropped').toBeUndefined();
    expect(app.rowAt(0), 'the first page stays').toBeDefined();
    // past the end: nothing asked
    calls.list.length = 0;
    app.showRows(app.matched + 10, app.matched + 20);
    expect(calls.list).toEqual([]);
    await app.setFilter({ attack: 'sqli' });
    expect(app.rowAt(PAGE_SIZE * (MAX_PAGES + 4))).toBeUndefined();
    expect(app.rowAt(1)?.id).toBe('r3');
  });

  it('moves the keyboard row with j/k within the list and opens it with Enter', async () => {
    const { api } = many(3);
    const app = new AppState(api);
    await app.start();
    expect(app.cursor).toBe(-1);
    app.moveCursor(1);
    expect(app.cursor).toBe(0);
    app.moveCursor(1);
    app.moveCursor(1);
    app.moveCursor(1);
    expect(app.cursor).toBe(2);
    app.moveCursor(-1);
    app.openCursor();
    expect(app.selected?.id).toBe('r1');
    await app.setFilter({ attack: 'sqli' });
    expect(app.cursor, 'kept within the rows that pass').toBe(0);
  });
});
