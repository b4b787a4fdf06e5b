// AppState with the sources of issue 5 (URL and pasted text through the preview, errors of a URL that
// cannot be fetched) and the progress figures and cancel of a running import.
import { describe, expect, it } from 'vitest';
import type { Remote } from 'comlink';
import type { FilePreview, ImportReport, ImportSource, InputError, Progress, Result, WorkerApi } from '../../worker/api';
import { DEFAULT_GROUPING } from '../grouping';
import { pastedFile } from '../sources/paste';
import { AppState } from './app-state.svelte';

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

const nameOf = (s: ImportSource) => (s.kind === 'file' ? s.file.name : s.name);

/** The worker's answers as plain functions; records the sources and the cancels. */
function fakeApi(opts: {
  importSources?: WorkerApi['importSources'];
  previewSources?: (sources: ImportSource[]) => Promise<FilePreview[]>;
}) {
  const calls = { imported: [] as ImportSource[][], previewed: [] as ImportSource[][], cancels: 0 };
  const api = {
    importSources: async (sources: ImportSource[], onProgress?: (p: Progress) => void) => {
      calls.imported.push(sources);
      return (opts.importSources ?? (async () => ({ ok: true, value: report }) as Result<ImportReport>))(sources, onProgress);
    },
    previewSources: async (sources: ImportSource[]) => {
      calls.previewed.push(sources);
      return (opts.previewSources ?? (async (s) => s.map((x) => ({ file: nameOf(x), format: 'combined', requests: [{}], lines: 1, malformed: 0 }) as FilePreview)))(sources);
    },
    cancelImport: async () => {
      calls.cancels++;
    },
    listSessions: async () => ({ total: 0, matched: 0, rows: [] }),
    sessionTotal: async () => 0,
    listEndpoints: async () => ({ total: 0, rows: [] }),
    listImports: async () => [],
    getSettings: async () => DEFAULT_GROUPING,
    saveSettings: async () => ({ ok: true, value: DEFAULT_GROUPING }),
    clearData: async () => {},
    maintain: async () => ({ discarded: 0, pruned: null }),
    refresh: async () => {},
    instanceId: async () => 'test',
    getRetention: async () => ({ days: 7, anchor: 'data' as const })
  };
  return { api: api as unknown as Remote<WorkerApi>, calls };
}

const URL_ = 'http://127.0.0.1:9/access.log';
const urlSource: ImportSource = { kind: 'url', url: `${URL_}?sig=x`, name: URL_ };

describe('AppState: URL and pasted sources', () => {
  it('previews a URL, then imports it as a URL source', async () => {
    const { api, calls } = fakeApi({});
    const app = new AppState(api);
    await app.start();
    await app.previewSources([urlSource]);
    expect(calls.previewed).toEqual([[urlSource]]);
    expect(app.pendingNames).toEqual([URL_]);
    expect(app.canImport).toBe(true);
    await app.confirmImport();
    expect(calls.imported).toEqual([[urlSource]]);
    expect(app.report).toEqual(report);
  });

  it('previews pasted text as pasted.log, and imports that file', async () => {
    const { api, calls } = fakeApi({});
    const app = new AppState(api);
    await app.start();
    await app.previewFiles([pastedFile('1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1\n')!]);
    expect(app.pendingNames).toEqual(['pasted.log']);
    await app.confirmImport();
    const [[src]] = calls.imported;
    expect(src.kind === 'file' && (await src.file.text())).toContain('GET / HTTP/1.1');
  });

  it('says clearly, naming the URL, that a URL could not be fetched: in its preview and in a failed import', async () => {
    const failed = (file: string): InputError => ({ kind: 'read-failed', file, message: `Could not fetch ${file}: Failed to fetch` });
    const clear = `Could not fetch ${URL_}: the server did not allow this page to read it (CORS) or could not be reached.`;
    const { api } = fakeApi({
      previewSources: async (s) => s.map((x) => ({ file: nameOf(x), format: null, error: failed(nameOf(x)), requests: [], lines: 0, malformed: 0 })),
      importSources: async (s) => ({ ok: false, error: failed(nameOf(s[0])) })
    });
    const app = new AppState(api);
    await app.start();
    await app.previewSources([urlSource]);
    expect(app.previews?.[0].error).toEqual({ kind: 'read-failed', file: URL_, message: clear });
    expect(app.canImport).toBe(false);
    app.discardPreview();
    await app.importUrl(urlSource.url, URL_);
    expect(app.error).toEqual({ kind: 'read-failed', file: URL_, message: clear });
  });
});

describe('AppState: progress and cancel', () => {
  it('shows the figures of the running import from its reports and the files’ sizes, none after', async () => {
    let release!: () => void;
    let report1!: (p: Progress) => void;
    const { api } = fakeApi({
      importSources: (_s, onProgress) =>
        new Promise((resolve) => {
          report1 = (p) => onProgress?.(p);
          release = () => resolve({ ok: true, value: report });
        })
    });
    const app = new AppState(api);
    await app.start();
    const a = new File(['a'.repeat(100)], 'a.log');
    const b = new File(['b'.repeat(300)], 'b.log');
    const running = app.importFiles([a, b]);
    await Promise.resolve();
    expect(app.progressFigures?.started).toBe(false);
    expect(app.progressFigures?.bytesTotal).toBe(400);
    expect(app.progressFigures?.files.map((f) => f.name)).toEqual(['a.log', 'b.log']);

    report1({ file: 'b.log', fileIndex: 1, files: 2, bytesRead: 250, bytesTotal: 400, lines: 9 });
    expect(app.progressFigures?.files.map((f) => [f.read, f.state])).toEqual([
      [100, 'done'],
      [150, 'current']
    ]);
    expect(app.progressFigures?.lines).toBe(9);
    release();
    await running;
    expect(app.progressFigures).toBeNull();
  });

  it('cancels at any moment: asks the worker, and again at its next report if the first ask came too early', async () => {
    let release!: (r: Result<ImportReport>) => void;
    let onProgress: ((p: Progress) => void) | undefined;
    const { api, calls } = fakeApi({
      importSources: (_s, op) =>
        new Promise((resolve) => {
          onProgress = op;
          release = resolve;
        })
    });
    const app = new AppState(api);
    await app.start();
    app.cancel();
    expect(calls.cancels, 'nothing runs: nothing to cancel').toBe(0);

    const running = app.importFiles([new File(['x'], 'a.log')]);
    await Promise.resolve();
    app.cancel();
    expect(app.cancelling).toBe(true);
    expect(calls.cancels).toBe(1);
    onProgress?.({ file: 'a.log', fileIndex: 0, files: 1, bytesRead: 1, bytesTotal: 1, lines: 1 });
    expect(calls.cancels).toBe(2);
    release({ ok: false, error: { kind: 'cancelled', file: 'a.log', message: 'Import of a.log cancelled.' } });
    await running;
    expect(app.cancelling).toBe(false);
    expect(app.error?.kind).toBe('cancelled');
    expect(app.busy).toBe(false);
  });
});
