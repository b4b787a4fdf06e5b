import { describe, expect, it } from 'vitest';
import type { Remote } from 'comlink';
import type { ImportReport, ImportSource, Progress, Session, WorkerApi } from '../../worker/api';
import { AppState, PAGE_SIZE } from './app-state.svelte';

const session = (id: string): Session => ({
  id,
  key: 'ip+ua',
  keyHash: 'h',
  ip: '192.0.2.1',
  userAgent: 'ua',
  user: null,
  start: 0,
  end: 1,
  requests: 1
});

const report: ImportReport = {
  files: 1,
  bytes: 10,
  lines: 2,
  blank: 0,
  requests: 2,
  malformed: 0,
  truncated: 0,
  sessions: 1,
  format: 'combined',
  malformedSamples: [],
  ms: 5,
  stored: 1
};

/** A stand-in for the comlink remote: answers from plain functions, records what it was asked. */
function fakeApi(importSources: WorkerApi['importSources']) {
  const stored: Session[] = [];
  const calls: { sources: ImportSource[]; list: [number, number][] } = { sources: [], list: [] };
  const api = {
    importSources: async (sources: ImportSource[], onProgress?: (p: Progress) => void) => {
      calls.sources.push(...sources);
      const res = await importSources(sources, onProgress);
      if (res.ok) stored.push(session(`s${stored.length}`));
      return res;
    },
    cancelImport: async () => {},
    listSessions: async (offset: number, limit: number) => {
      calls.list.push([offset, limit]);
      return { total: stored.length, rows: stored.slice(offset, offset + limit) };
    },
    sessionTotal: async () => stored.length
  };
  return { api: api as unknown as Remote<WorkerApi>, calls, stored };
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
    expect(calls.list).toEqual([[0, PAGE_SIZE]]);
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
