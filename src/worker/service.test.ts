import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import type { LogSource } from '../lib/core/api';
import { analyse as coreAnalyse, previewLogs, type FilePreview } from '../lib/core/analyse';
import type { FormatSpec } from '../lib/core/formats/index';
import type { Progress, SessionColumns } from '../lib/core/types';
import { listImports, loadAllSessions, openStore, type Store } from '../lib/storage/store';
import { makeColumns, makeSummary } from '../test-data/factories/sessions';
import { core } from '../../tests/helpers/core';
import type { ImportSource } from './api';
import { PREVIEW_ROWS, SessionService, type Analyse, type Preview } from './service';

let n = 0;

/** A service over a fresh database, with `analyse` faked: it reads every source, then answers `answer`. */
function setup(answer: (texts: string[]) => ReturnType<Analyse> | Awaited<ReturnType<Analyse>>, fetchFn?: typeof fetch) {
  const name = `svc-${++n}`;
  const seen: { sources: LogSource[]; texts: string[] }[] = [];
  const formats: (FormatSpec | undefined)[] = [];
  const analyse: Analyse = async (sources, opts) => {
    const texts: string[] = [];
    for (const s of sources) {
      texts.push(await new Response(s.stream()).text());
      opts.onProgress?.({ file: s.name, fileIndex: 0, files: sources.length, bytesRead: s.size ?? 0, bytesTotal: s.size ?? 0, lines: 1 });
    }
    seen.push({ sources, texts });
    formats.push(opts.format);
    return answer(texts);
  };
  const previewed: { texts: string[]; format?: FormatSpec; limit?: number }[] = [];
  const preview: Preview = async (sources, opts) => {
    const texts = await Promise.all(sources.map((s) => new Response(s.stream()).text()));
    previewed.push({ texts, ...opts });
    return sources.map((s, i) => ({ file: s.name, format: opts.format?.name ?? 'clf', requests: [], lines: texts[i].split('\n').length - 1, malformed: 0 }));
  };
  const make = () => new SessionService({ analyse, preview, openStore: () => openStore(name), fetch: fetchFn });
  return { service: make(), make, seen, formats, previewed, db: () => openStore(name) };
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
    (bad.ips as unknown[]).push(() => 'not cloneable');
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

describe('SessionService: format choice', () => {
  it('imports with the chosen format, and detects each file without one', async () => {
    const { service, formats } = setup(ok(makeColumns(1)));
    await service.importSources([file('a\n')]);
    await service.importSources([file('a\n')], undefined, { format: 'auto' });
    await service.importSources([file('a\n')], undefined, { format: 'json:caddy' });
    await service.importSources([file('a\n')], undefined, { format: 'nginx:$remote_addr [$time_local] "$request" $status' });
    await service.importSources([file('a\n')], undefined, { format: 'json', mapping: 'time=ts,ip=client.addr' });
    expect(formats.map((f) => f?.name)).toEqual([
      undefined,
      undefined,
      'json:caddy',
      'nginx:$remote_addr [$time_local] "$request" $status',
      'json:mapped'
    ]);
  });

  it('refuses an invalid choice as a bad-format error and stores nothing', async () => {
    const { service, seen, db } = setup(ok(makeColumns(2)));
    for (const choice of [{ format: 'apache-ish' }, { format: 'nginx:$status' }, { format: 'alb', mapping: 'time=ts' }, { format: 'json', mapping: 'ip=client' }]) {
      const res = await service.importSources([file('a\n', 'one.log')], undefined, choice);
      expect(res.ok, JSON.stringify(choice)).toBe(false);
      if (res.ok) continue;
      expect(res.error.kind).toBe('bad-format');
      expect(res.error.file).toBe('one.log');
      expect(res.error.message.length).toBeGreaterThan(10);
    }
    const res = await service.importSources([file('a\n')], undefined, { format: 'apache-ish' });
    expect(res.ok === false && res.error.message).toContain('unknown format "apache-ish"');
    expect(seen).toHaveLength(0);
    expect(await snapshot(await db())).toEqual({ imports: [], blocks: [] });
  });

  it('previews each source with the chosen format and a row limit, storing nothing', async () => {
    const { service, previewed, db } = setup(ok(makeColumns(1)));
    const res = await service.previewSources([file('a\nb\n', 'one.log'), file('c\n', 'two.log')], { format: 'cloudfront' });
    expect(res.map((p) => [p.file, p.format, p.lines])).toEqual([
      ['one.log', 'cloudfront', 2],
      ['two.log', 'cloudfront', 1]
    ]);
    expect(previewed.map((p) => [p.texts, p.format?.name, p.limit])).toEqual([
      [['a\nb\n'], 'cloudfront', PREVIEW_ROWS],
      [['c\n'], 'cloudfront', PREVIEW_ROWS]
    ]);
    await service.previewSources([file('a\n')]);
    expect(previewed[2].format).toBeUndefined();
    expect(await snapshot(await db())).toEqual({ imports: [], blocks: [] });
  });

  it('answers an invalid choice in the preview with a bad-format error for each file', async () => {
    const { service, previewed } = setup(ok(makeColumns(1)));
    const res = await service.previewSources([file('a\n', 'one.log'), file('b\n', 'two.log')], { format: 'json:nope' });
    expect(res.map((p) => [p.file, p.format, p.error?.kind, p.error?.file])).toEqual([
      ['one.log', null, 'bad-format', 'one.log'],
      ['two.log', null, 'bad-format', 'two.log']
    ]);
    expect(res[0].error?.message).toContain('unknown format "json:nope"');
    expect(previewed).toHaveLength(0);
  });

  it('previews a URL that fails as that entry only', async () => {
    const fetchFn = async (url: string | URL | Request) =>
      String(url).endsWith('bad.log') ? new Response('no', { status: 500 }) : new Response('fine\n');
    const { service } = setup(ok(makeColumns(1)), fetchFn as typeof fetch);
    const res = await service.previewSources([
      { kind: 'url', url: 'https://example.test/bad.log', name: 'bad.log' },
      { kind: 'url', url: 'https://example.test/good.log', name: 'good.log' }
    ]);
    expect(res[0]).toMatchObject({ file: 'bad.log', format: null, error: { kind: 'read-failed', file: 'bad.log' } });
    expect(res[1]).toMatchObject({ file: 'good.log', format: 'clf', lines: 1 });
  });

  it('with the real core: a log no format fits is not recognised until its nginx format is given', async () => {
    const module = await core();
    let n2 = 0;
    const service = new SessionService({
      analyse: (sources, opts) => coreAnalyse(module, sources, opts),
      preview: (sources, opts) => previewLogs(module, sources, opts),
      openStore: () => openStore(`svc-real-${++n2}-${Date.now()}`)
    });
    const fmt = 'nginx:[$time_local] $status $request_method "$request_uri" [Client $remote_addr] "$http_user_agent"';
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) {
      const ip = `198.51.100.${i % 3}`;
      const minute = String(i).padStart(2, '0');
      lines.push(`[24/Jan/2022:16:${minute}:02 +0000] ${i % 4 ? 200 : 404} GET "/item/${i}?q=${i}" [Client ${ip}] "agent/${i % 3}"`);
    }
    const log = () => file(lines.join('\n') + '\n', 'proxy.log');

    const [auto] = await service.previewSources([log()]);
    expect(auto.format).toBeNull();
    expect(auto.error?.kind).toBe('not-recognised');
    expect(auto.error?.message).toContain('paste');
    const refused = await service.importSources([log()]);
    expect(refused.ok === false && refused.error.kind).toBe('not-recognised');
    expect(await service.sessionTotal()).toBe(0);

    const [chosen]: FilePreview[] = await service.previewSources([log()], { format: fmt });
    expect(chosen.error).toBeUndefined();
    expect(chosen.format).toBe(fmt);
    expect(chosen.requests).toHaveLength(PREVIEW_ROWS);
    expect(chosen.requests[1]).toMatchObject({ line: 2, ip: '198.51.100.1', method: 'GET', path: '/item/1', query: 'q=1', status: 200, userAgent: 'agent/1' });
    expect(await service.sessionTotal()).toBe(0);

    const res = await service.importSources([log()], undefined, { format: fmt });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.value).toMatchObject({ requests: 30, malformed: 0, sessions: 3, stored: 3, format: fmt });
  });
});
