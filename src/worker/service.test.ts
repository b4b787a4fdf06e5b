import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import type { LogSource } from '../lib/core/api';
import type { Progress, SessionColumns } from '../lib/core/types';
import { listImports, loadAllSessions, openStore, type Store } from '../lib/storage/store';
import { makeColumns, makeSummary } from '../test-data/factories/sessions';
import type { ImportSource } from './api';
import { SessionService, type Analyse } from './service';

let n = 0;

/** A service over a fresh database, with `analyse` faked: it reads every source, then answers `answer`. */
function setup(answer: (texts: string[]) => ReturnType<Analyse> | Awaited<ReturnType<Analyse>>, fetchFn?: typeof fetch) {
  const name = `svc-${++n}`;
  const seen: { sources: LogSource[]; texts: string[] }[] = [];
  const analyse: Analyse = async (sources, opts) => {
    const texts: string[] = [];
    for (const s of sources) {
      texts.push(await new Response(s.stream()).text());
      opts.onProgress?.({ file: s.name, fileIndex: 0, files: sources.length, bytesRead: s.size ?? 0, bytesTotal: s.size ?? 0, lines: 1 });
    }
    seen.push({ sources, texts });
    return answer(texts);
  };
  const make = () => new SessionService({ analyse, openStore: () => openStore(name), fetch: fetchFn });
  return { service: make(), make, seen, db: () => openStore(name) };
}

const ok = (cols: SessionColumns) => () => ({ ok: true as const, value: { summary: makeSummary(cols), sessions: cols } });
const file = (text: string, name = 'access.log'): ImportSource => ({ kind: 'file', file: new File([text], name) });

async function snapshot(db: Store) {
  return { imports: await listImports(db), blocks: (await loadAllSessions(db)).map((c) => c.id) };
}

describe('SessionService', () => {
  it('streams files to the core, stores the sessions and reports the import', async () => {
    const cols = makeColumns(3);
    const { service, seen } = setup(ok(cols));
    const progress: Progress[] = [];
    const res = await service.importSources([file('line one\n')], (p) => progress.push(p));

    expect(seen[0].texts).toEqual(['line one\n']);
    expect(seen[0].sources[0]).toMatchObject({ name: 'access.log', size: 9 });
    expect(progress.at(-1)).toMatchObject({ bytesRead: 9, bytesTotal: 9 });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.value).toMatchObject({ requests: makeSummary(cols).requests, sessions: 3, stored: 3 });
    expect(res.value.ms).toBeGreaterThanOrEqual(0);

    const page = await service.listSessions(0, 10);
    expect(page.total).toBe(3);
    expect(page.rows.map((r) => r.id)).toEqual(cols.id);
    expect(page.rows[0]).toMatchObject({ ip: '192.0.2.1', userAgent: 'curl/8.0', user: 'alice', requests: 1 });
    expect(await service.sessionTotal()).toBe(3);
  });

  it('shows stored sessions to a new instance (a reload)', async () => {
    const { service, make } = setup(ok(makeColumns(4)));
    await service.importSources([file('x\n')]);
    const again = make();
    expect(await again.sessionTotal()).toBe(4);
    expect((await again.listSessions(0, 2)).rows).toHaveLength(2);
  });

  it('sorts sessions by start across imports and pages through them', async () => {
    const t = Date.UTC(2024, 0, 1);
    const a = makeColumns(3, t, 'a'); // t, t+1m, t+2m
    const b = makeColumns(3, t + 30_000, 'b'); // t+30s, t+1m30s, t+2m30s
    const answers = [a, b];
    const { service } = setup(() => ok(answers.shift()!)());
    await service.importSources([file('a\n')]);
    const first = await service.listSessions(0, 100); // loads the cache before the second import
    expect(first.total).toBe(3);
    const res = await service.importSources([file('b\n')]);
    expect(res.ok && res.value.stored).toBe(6);

    const all = await service.listSessions(0, 100);
    expect(all.total).toBe(6);
    expect(all.rows.map((r) => r.id[0])).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    const starts = all.rows.map((r) => r.start);
    expect(starts).toEqual([...starts].sort((x, y) => x - y));
    expect((await service.listSessions(4, 10)).rows.map((r) => r.id)).toEqual(all.rows.slice(4).map((r) => r.id));
    expect((await service.listSessions(10, 10)).rows).toEqual([]);
  });

  it('returns the core error and leaves the store untouched', async () => {
    const good = makeColumns(2);
    let fail = false;
    const { service, db } = setup(() =>
      fail ? { ok: false, error: { kind: 'not-a-log', file: 'photo.log', message: 'photo.log: not a log' } } : ok(good)()
    );
    await service.importSources([file('a\n')]);
    const before = await snapshot(await db());
    fail = true;
    const res = await service.importSources([file('b\n', 'photo.log')]);
    expect(res).toEqual({ ok: false, error: { kind: 'not-a-log', file: 'photo.log', message: 'photo.log: not a log' } });
    expect(await snapshot(await db())).toEqual(before);
    expect(await service.sessionTotal()).toBe(2);
  });

  it('turns a thrown error into an error value naming the file', async () => {
    const { service, db } = setup(() => {
      throw new Error('boom');
    });
    const res = await service.importSources([file('a\n', 'one.log'), file('b\n', 'two.log.gz')]);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.kind).toBe('read-failed');
    expect(res.error.file).toBe('one.log, two.log.gz');
    expect(res.error.message).toContain('boom');
    expect(await snapshot(await db())).toEqual({ imports: [], blocks: [] });
  });

  it('turns a failed write into an error value and stores nothing', async () => {
    const bad = makeColumns(2);
    (bad.actors as unknown[]).push(() => 'not cloneable');
    const { service, db } = setup(ok(bad));
    const res = await service.importSources([file('a\n')]);
    expect(res.ok).toBe(false);
    expect(await snapshot(await db())).toEqual({ imports: [], blocks: [] });
    expect((await service.listSessions(0, 10)).total).toBe(0);
  });

  it('fetches a URL source and streams its body', async () => {
    const fetchFn = vi.fn(async () => new Response('from the network\n', { headers: { 'content-length': '17' } }));
    const { service, seen } = setup(ok(makeColumns(1)), fetchFn as unknown as typeof fetch);
    const res = await service.importSources([{ kind: 'url', url: 'https://example.test/sample/demo.log', name: 'demo.log' }]);
    expect(res.ok).toBe(true);
    expect(fetchFn).toHaveBeenCalledWith('https://example.test/sample/demo.log', expect.anything());
    expect(seen[0].sources[0]).toMatchObject({ name: 'demo.log', size: 17 });
    expect(seen[0].texts).toEqual(['from the network\n']);
  });

  it('reports a URL that answers with an error status, naming it', async () => {
    const fetchFn = async () => new Response('nope', { status: 404, statusText: 'Not Found' });
    const { service, seen } = setup(ok(makeColumns(1)), fetchFn as typeof fetch);
    const res = await service.importSources([{ kind: 'url', url: 'https://example.test/x.log', name: 'x.log' }]);
    expect(res).toEqual({
      ok: false,
      error: { kind: 'read-failed', file: 'x.log', message: 'Could not fetch x.log: the server answered 404 Not Found.' }
    });
    expect(seen).toHaveLength(0);
  });

  it('reports a URL that cannot be fetched at all', async () => {
    const fetchFn = async () => {
      throw new TypeError('Failed to fetch');
    };
    const { service } = setup(ok(makeColumns(1)), fetchFn as typeof fetch);
    const res = await service.importSources([{ kind: 'url', url: 'https://example.test/x.log', name: 'x.log' }]);
    expect(res.ok === false && res.error).toMatchObject({ kind: 'read-failed', file: 'x.log' });
    expect(res.ok === false && res.error.message).toContain('Failed to fetch');
  });

  it('cancels a running import and stores nothing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { service, db } = setup(async () => {
      await gate;
      return ok(makeColumns(2))();
    });
    const running = service.importSources([file('a\n')]);
    await new Promise((r) => setTimeout(r, 10));
    await service.cancelImport();
    release();
    const res = await running;
    expect(res.ok === false && res.error.kind).toBe('cancelled');
    expect(await snapshot(await db())).toEqual({ imports: [], blocks: [] });
  });

  it('runs imports one at a time', async () => {
    const order: string[] = [];
    const { service } = setup(async (texts) => {
      order.push('start ' + texts[0]);
      await new Promise((r) => setTimeout(r, 5));
      order.push('end ' + texts[0]);
      return ok(makeColumns(1, Date.UTC(2024, 0, 1), texts[0]))();
    });
    const both = await Promise.all([service.importSources([file('a')]), service.importSources([file('b')])]);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(both.map((r) => r.ok && r.value.stored)).toEqual([1, 2]);
  });

  it('refuses an empty list of sources', async () => {
    const { service, seen } = setup(ok(makeColumns(1)));
    const res = await service.importSources([]);
    expect(res.ok === false && res.error.kind).toBe('empty');
    expect(seen).toHaveLength(0);
  });
});
