import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import type { LogSource } from '../lib/core/api';
import { analyse as coreAnalyse, previewLogs, type FilePreview } from '../lib/core/analyse';
import type { FormatSpec } from '../lib/core/formats/index';
import { ATTACK_TYPES, LABELS, type AttackType, type EndpointStats, type Progress, type Session, type SessionColumns } from '../lib/core/types';
import { parseKeys } from '../lib/core/keys';
import { DEFAULT_GROUPING } from '../lib/grouping';
import { getSalt, listImports, loadHeld, openStore, saltWords, type Store } from '../lib/storage/store';
import { makeColumns, makeSummary } from '../test-data/factories/sessions';
import { V1_SALT, makeV1Store } from '../test-data/factories/v1-store';
import { core, ok as analysed, memorySource } from '../../tests/helpers/core';
import { generateLog } from '../../scripts/gen-log.js';
import type { EndpointRow, ImportSource, SessionPage } from './api';
import { ANY_ATTACK } from './select';
import { PREVIEW_ROWS, SessionService, type Analyse, type Preview } from './service';

let n = 0;

/** A service over a fresh database, with `analyse` faked: it reads every source, then answers `answer`. */
function setup(answer: (texts: string[]) => ReturnType<Analyse> | Awaited<ReturnType<Analyse>>, fetchFn?: typeof fetch) {
  const name = `svc-${++n}`;
  const seen: { sources: LogSource[]; texts: string[] }[] = [];
  const formats: (FormatSpec | undefined)[] = [];
  const options: Parameters<Analyse>[1][] = [];
  const analyse: Analyse = async (sources, opts) => {
    options.push(opts);
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
  const make = () => new SessionService({ analyse, preview, openStore: (onClose) => openStore(name, onClose), fetch: fetchFn });
  return { service: make(), make, seen, formats, options, previewed, db: () => openStore(name) };
}

const ok = (cols: SessionColumns, endpoints: EndpointStats[] = []) => () => ({ ok: true as const, value: { summary: makeSummary(cols), sessions: cols, endpoints } });

/**
 * The columns with a key of its own per session (`prefix` and row), so that nothing merges: the
 * factory's sessions alternate between two keys a minute apart, which the core never gives.
 */
function keyed(cols: SessionColumns, prefix: string): SessionColumns {
  const hex = Array.from(new TextEncoder().encode(prefix), (b) => b.toString(16).padStart(2, '0')).join('');
  cols.keyHash = cols.keyHash.map((_, i) => hex.padEnd(8, '0').slice(0, 8) + i.toString(16).padStart(8, '0'));
  return cols;
}
const file = (text: string, name = 'access.log'): ImportSource => ({ kind: 'file', file: new File([text], name) });

async function snapshot(db: Store) {
  const held = await loadHeld(db);
  return { imports: await listImports(db), blocks: held.sessions ? [[...held.sessions.id].sort()] : [], endpoints: held.endpointDays };
}
const EMPTY = { imports: [], blocks: [], endpoints: [] };

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
    // Keys of their own: nothing merges, the two imports' sessions interleave by start.
    const a = keyed(makeColumns(3, t, 'a'), 'a'); // t, t+1m, t+2m
    const b = keyed(makeColumns(3, t + 30_000, 'b'), 'b'); // t+30s, t+1m30s, t+2m30s
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
    expect(await snapshot(await db())).toEqual(EMPTY);
  });

  it('turns a failed write into an error value and stores nothing', async () => {
    const bad = makeColumns(2);
    (bad.id as unknown[])[1] = () => 'not cloneable';
    const { service, db } = setup(ok(bad));
    const res = await service.importSources([file('a\n')]);
    expect(res.ok).toBe(false);
    expect(await snapshot(await db())).toEqual(EMPTY);
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
    expect(res.ok === false && res.error.message).toBe('Could not fetch x.log: the server did not allow this page to read it (CORS) or could not be reached.');
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
    expect(await snapshot(await db())).toEqual(EMPTY);
  });

  it('runs imports one at a time', async () => {
    const order: string[] = [];
    const { service } = setup(async (texts) => {
      order.push('start ' + texts[0]);
      await new Promise((r) => setTimeout(r, 5));
      order.push('end ' + texts[0]);
      return ok(keyed(makeColumns(1, Date.UTC(2024, 0, 1), texts[0]), texts[0]))();
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
    // different files each time: the same one would be skipped as already imported
    await service.importSources([file('a1\n')]);
    await service.importSources([file('a2\n')], undefined, { format: 'auto' });
    await service.importSources([file('a3\n')], undefined, { format: 'json:caddy' });
    await service.importSources([file('a4\n')], undefined, { format: 'nginx:$remote_addr [$time_local] "$request" $status' });
    await service.importSources([file('a5\n')], undefined, { format: 'json', mapping: 'time=ts,ip=client.addr' });
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
    expect(await snapshot(await db())).toEqual(EMPTY);
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
    expect(await snapshot(await db())).toEqual(EMPTY);
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

const MIN = 60_000;

/** An endpoint's statistics, as the core gives them. */
function endpointStats(endpoint: string, requests: number, sketch: Record<number, number> = {}): EndpointStats {
  const [method, path] = endpoint.split(' ');
  return {
    endpoint,
    method,
    path,
    requests,
    sessions: 1,
    status: { '1xx': 0, '2xx': requests, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 },
    bytes: 100 * requests,
    p50: null,
    p95: null,
    p99: null,
    firstSeen: '2024-01-01T00:00:00.000Z',
    lastSeen: '2024-01-01T00:10:00.000Z',
    sketch,
    attacks: { sqli: 0, xss: 0, traversal: 0, cmdi: 0, jndi: 0, 'file-inclusion': 0, scanner: 0 },
    risk: 0
  };
}

/** One session of key `hash` from `start` to `end` (ms), `requests` requests to `endpoints`. */
function oneSession(hash: string, start: number, end: number, requests: number, id: string, endpoints = ['GET /']): SessionColumns {
  const cols = makeColumns(1, start, id);
  cols.keyHash = [hash.padStart(16, '0')];
  cols.endpoints = endpoints;
  cols.endpointSet = Uint32Array.from(endpoints, (_, i) => i);
  cols.endpointSetStart = Uint32Array.from([0, endpoints.length]);
  cols.distinctEndpoints[0] = endpoints.length;
  cols.end[0] = end;
  cols.requests[0] = requests;
  cols.status[1] = requests;
  return cols;
}

describe('SessionService: grouping settings, salt and merging', () => {
  it("analyses with the database's salt and the stored settings; the salt stays across reloads", async () => {
    const { service, make, options, db } = setup(() => ok(keyed(makeColumns(1), `s${options.length}`))());
    await service.importSources([file('a\n')]);
    const salt = saltWords(await getSalt(await db()));
    expect(options[0]).toMatchObject({ keys: [{ kind: 'ip+ua' }], inactivityMs: 30 * MIN, salt });
    expect(salt.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)).toBe(true);

    await make().importSources([file('b\n')]);
    expect(options[1].salt).toEqual(salt);
    expect(await service.getSettings()).toEqual(DEFAULT_GROUPING);

    const other = setup(ok(makeColumns(1)));
    await other.service.importSources([file('a\n')]);
    expect(other.options[0].salt, 'another database, another salt').not.toEqual(salt);
  });

  it('merges sessions of one key across imports with the stored timeout, and their endpoint statistics', async () => {
    const t = Date.UTC(2024, 0, 1);
    const answers = [
      { cols: oneSession('k1', t + 40 * MIN, t + 50 * MIN, 3, 'b'), eps: [endpointStats('GET /', 3, { 10: 3 })] },
      { cols: oneSession('k1', t, t + 20 * MIN, 2, 'a', ['GET /', 'POST /login']), eps: [endpointStats('GET /', 2, { 20: 2 }), endpointStats('POST /login', 1)] }
    ];
    const run = async (minutes: number) => {
      const { service } = setup(() => {
        const { cols, eps } = answers[run.calls++ % 2];
        return ok(cols, eps)();
      });
      const saved = await service.saveSettings({ keys: 'ip+ua', inactivityMs: minutes * MIN });
      expect(saved.ok).toBe(true);
      await service.importSources([file('later\n')]);
      const res = await service.importSources([file('earlier\n')]);
      return { res, page: await service.listSessions(0, 10), endpoints: await service.listEndpoints(0, 10) };
    };
    run.calls = 0;

    // 20 min apart: one session under a 30 min timeout…
    const merged = await run(30);
    expect(merged.res.ok && merged.res.value).toMatchObject({ sessions: 1, stored: 1 });
    expect(merged.page.rows.map((r) => [r.id, r.start, r.end, r.requests])).toEqual([['a000000000000000', t, t + 50 * MIN, 5]]);
    expect(merged.endpoints.rows.map((e) => [e.endpoint, e.requests, e.sessions])).toEqual([
      ['GET /', 5, 1],
      ['POST /login', 1, 1]
    ]);
    expect(merged.endpoints.rows[0]).not.toHaveProperty('sketch');
    expect(merged.endpoints.rows[0].p99).toBeGreaterThan(0);
    // …two under a 15 min one.
    const apart = await run(15);
    expect(apart.page.rows.map((r) => r.requests)).toEqual([2, 3]);
    expect(apart.endpoints.rows.map((e) => [e.endpoint, e.requests, e.sessions])).toEqual([
      ['GET /', 5, 2],
      ['POST /login', 1, 1]
    ]);
  });

  it("checks new settings with parseKeys' sentence, keeps them canonical, and passes them to the next import", async () => {
    const { service, options } = setup(ok(makeColumns(1)));
    for (const [keys, minutes, message] of [
      ['cookie:', 30, 'bad key "cookie:"'],
      ['bogus:x', 30, 'unknown key kind "bogus"'],
      ['', 30, 'no grouping key given'],
      ['ip', 0, 'Inactivity timeout'],
      ['ip', -5, 'Inactivity timeout'],
      ['ip', NaN, 'Inactivity timeout'],
      ['ip', 24 * 60 + 1, 'Inactivity timeout']
    ] as const) {
      const res = await service.saveSettings({ keys, inactivityMs: minutes * MIN });
      expect(res.ok, keys).toBe(false);
      expect(res.ok === false && res.error).toMatchObject({ kind: 'bad-format', message: expect.stringContaining(message) });
    }
    expect(await service.getSettings()).toEqual(DEFAULT_GROUPING);

    const res = await service.saveSettings({ keys: ' Cookie:sid , IP+UA ', inactivityMs: 10 * MIN });
    expect(res).toEqual({ ok: true, value: { keys: 'cookie:sid,ip+ua', inactivityMs: 10 * MIN, regrouped: null } });
    expect(await service.getSettings()).toEqual({ keys: 'cookie:sid,ip+ua', inactivityMs: 10 * MIN });
    await service.importSources([file('a\n')]);
    expect(options[0]).toMatchObject({ keys: [{ kind: 'cookie', name: 'sid' }, { kind: 'ip+ua' }], inactivityMs: 10 * MIN });
  });

  it('refuses other settings while sessions are stored without their requests (nothing to re-group), and takes them once the data is cleared', async () => {
    // the fake core streams no requests: like sessions imported before requests were kept
    const { service, make, db } = setup(ok(makeColumns(3), [endpointStats('GET /', 9)]));
    await service.importSources([file('a\n')]);
    expect(await service.saveSettings(DEFAULT_GROUPING)).toEqual({ ok: true, value: { ...DEFAULT_GROUPING, regrouped: null } });
    const refused = await service.saveSettings({ keys: 'ip', inactivityMs: 30 * MIN });
    expect(refused.ok === false && refused.error).toMatchObject({ file: 'access.log', message: expect.stringContaining('before requests were kept') });
    expect(refused.ok === false && refused.error.message).toContain('Clear all data');
    expect((await service.saveSettings({ keys: 'ip+ua', inactivityMs: 45 * MIN })).ok).toBe(false);
    expect(await service.getSettings()).toEqual(DEFAULT_GROUPING);

    const salt = await getSalt(await db());
    await service.clearData();
    expect(await service.sessionTotal()).toBe(0);
    expect(await service.listSessions(0, 10)).toEqual({ total: 0, matched: 0, rows: [] });
    expect(await service.listEndpoints(0, 10)).toEqual({ total: 0, matched: 0, rows: [] });
    expect(await service.listImports()).toEqual([]);
    expect(await snapshot(await db())).toEqual(EMPTY);
    expect(await getSalt(await db()), 'the salt stays').toBe(salt);
    expect(await make().sessionTotal()).toBe(0);

    expect(await service.saveSettings({ keys: 'ip', inactivityMs: 30 * MIN })).toEqual({ ok: true, value: { keys: 'ip', inactivityMs: 30 * MIN, regrouped: null } });
    expect(await make().getSettings()).toEqual({ keys: 'ip', inactivityMs: 30 * MIN });
  });

  it('serves endpoint statistics by requests, a page at a time, without their sketches', async () => {
    const eps = Array.from({ length: 60 }, (_, i) => endpointStats(`GET /e${String(i).padStart(2, '0')}`, 100 - i, { 5: 1 }));
    const { service, make } = setup(ok(makeColumns(2), eps));
    await service.importSources([file('a\n')]);
    const page = await service.listEndpoints(0, 50);
    expect(page.total).toBe(60);
    expect(page.rows).toHaveLength(50);
    expect(page.rows[0]).toMatchObject({ endpoint: 'GET /e00', requests: 100 });
    expect(page.rows.every((r) => !('sketch' in r))).toBe(true);
    expect((await service.listEndpoints(55, 50)).rows.map((r) => r.endpoint)).toEqual(['GET /e55', 'GET /e56', 'GET /e57', 'GET /e58', 'GET /e59']);
    expect((await make().listEndpoints(0, 50)).rows).toEqual(page.rows);
  });
});

// ------------------------------------------------------------ with the real core

const SETTINGS = [DEFAULT_GROUPING, { keys: 'ip', inactivityMs: 10 * MIN }];

/** A service over the real wasm core and its own database; `wrap` may alter what the core answers. */
function realService(wrap?: (r: Awaited<ReturnType<Analyse>>) => Awaited<ReturnType<Analyse>>) {
  const name = `svc-core-${++n}`;
  const make = () =>
    new SessionService({
      analyse: async (sources, opts) => {
        const r = await coreAnalyse(await core(), sources, opts);
        return wrap ? wrap(r) : r;
      },
      preview: async (sources, opts) => previewLogs(await core(), sources, opts),
      openStore: (onClose) => openStore(name, onClose)
    });
  return { service: make(), make, db: () => openStore(name) };
}

/** Everything a service shows of what is stored. */
async function shown(service: SessionService): Promise<{ sessions: SessionPage; endpoints: { total: number; rows: EndpointRow[] } }> {
  return { sessions: await service.listSessions(0, 1e9), endpoints: await service.listEndpoints(0, 1e9) };
}

async function mustImport(service: SessionService, text: string, name: string) {
  const res = await service.importSources([file(text, name)]);
  if (!res.ok) throw new Error(`import of ${name} failed: ${res.error.message}`);
  return res.value;
}

describe('SessionService: imports merged with what is stored (real core)', () => {
  const text = generateLog({ lines: 6000, seed: 11 });
  const lines = text.trimEnd().split('\n');
  const part = (from: number, to?: number) => lines.slice(from, to).join('\n') + '\n';
  const CUT = 2500;

  for (const settings of SETTINGS) {
    it(`a log imported in two parts, the later part first, stores what one import of the whole stores (${settings.keys}, ${settings.inactivityMs / MIN} min)`, async () => {
      const opts = { keys: parseKeysOrThrow(settings.keys), inactivityMs: settings.inactivityMs };
      const whole = await analysed([memorySource('all.log', text)], opts);
      const earlier = await analysed([memorySource('a.log', part(0, CUT))], opts);
      const later = await analysed([memorySource('b.log', part(CUT))], opts);
      // The cut splits sessions: stored side by side, the parts would give more than the whole.
      expect(earlier.summary.sessions + later.summary.sessions).toBeGreaterThan(whole.summary.sessions);

      const { service, make } = realService();
      expect((await service.saveSettings(settings)).ok).toBe(true);
      await mustImport(service, part(CUT), 'later.log');
      const report = await mustImport(service, part(0, CUT), 'earlier.log');
      expect(report).toMatchObject({ sessions: earlier.summary.sessions, stored: whole.summary.sessions });
      const inParts = await shown(service);
      expect(inParts.sessions.total).toBe(whole.summary.sessions);
      expect(inParts.endpoints.total).toBe(whole.endpoints.length);
      expect(await make().sessionTotal(), 'after a reload').toBe(whole.summary.sessions);
      expect(await shown(make()), 'after a reload').toEqual(inParts);

      // The whole log as one import, in the same database (same salt, so the same key hashes and ids).
      await service.clearData();
      await mustImport(service, text, 'all.log');
      const atOnce = await shown(service);
      expect(atOnce.sessions.total).toBe(whole.summary.sessions);
      expect(inParts.sessions.rows).toEqual(atOnce.sessions.rows);
      expect(inParts.endpoints.rows).toEqual(atOnce.endpoints.rows);
      expect(atOnce.sessions.rows.map((r) => r.requests).reduce((a, b) => a + b)).toBe(lines.length);
    });
  }

  it('three parts imported in shuffled order store what the whole stores', async () => {
    const { service } = realService();
    await mustImport(service, part(4000), 'c.log');
    await mustImport(service, part(0, 1500), 'a.log');
    await mustImport(service, part(1500, 4000), 'b.log');
    const inParts = await shown(service);
    await service.clearData();
    await mustImport(service, text, 'all.log');
    expect(inParts).toEqual(await shown(service));
  });

  it("a failed second import leaves the first import's merged data exactly as it was", async () => {
    let poison = false;
    // A write that fails in the last transaction (a session id cannot be cloned), after the import's
    // requests were staged and the ledger record written.
    const { service, make, db } = realService((r) => {
      if (!poison || !r.ok) return r;
      r.value.sessions.id = r.value.sessions.id.map(() => (() => 'not cloneable') as unknown as string);
      return r;
    });
    await mustImport(service, part(CUT), 'later.log');
    await mustImport(service, part(0, 1000), 'first.log');
    const before = { store: await snapshot(await db()), shown: await shown(service) };
    expect(before.store.imports).toHaveLength(2);

    poison = true;
    const res = await service.importSources([file(part(1000, CUT), 'middle.log')]);
    expect(res.ok === false && res.error).toMatchObject({ kind: 'read-failed', file: 'middle.log' });
    expect(await snapshot(await db())).toEqual(before.store);
    expect(await shown(service)).toEqual(before.shown);
    expect(await shown(make()), 'after a reload').toEqual(before.shown);

    // A file the core refuses leaves it too.
    const refused = await service.importSources([file('\u0000\u0001\u0002binary'.repeat(200), 'photo.png')]);
    expect(refused.ok).toBe(false);
    expect(await snapshot(await db())).toEqual(before.store);

    // The same import, once it can be written, completes the whole.
    poison = false;
    await mustImport(service, part(1000, CUT), 'middle.log');
    const whole = await analysed([memorySource('all.log', text)]);
    expect(await service.sessionTotal()).toBe(whole.summary.sessions);
  });
});

describe('SessionService: filters and sort by risk (real core)', () => {
  const text = generateLog({ lines: 6000, seed: 11 });
  type Filter = { attack?: string; label?: string; minRisk?: number };
  /** The oracle: the filter applied to the row objects the core's sessionAt makes. */
  const passes = (s: Session, f: Filter) =>
    (!f.attack || (f.attack === ANY_ATTACK ? Object.keys(s.attacks).length > 0 : (s.attacks[f.attack as AttackType] ?? 0) > 0)) &&
    (!f.label || s.labels.some((l) => l.name === f.label)) &&
    s.risk >= (f.minRisk ?? 0);

  it('lists exactly the sessions whose attacks, labels and risk pass, counts them, and keeps the total', async () => {
    const { service } = realService();
    await mustImport(service, text, 'all.log');
    const all = await service.listSessions(0, 1e9);
    expect(all.matched).toBe(all.total);
    const filters: Filter[] = [
      ...ATTACK_TYPES.map((attack) => ({ attack })),
      { attack: ANY_ATTACK },
      ...LABELS.map((label) => ({ label })),
      { minRisk: 1 },
      { minRisk: 25 },
      { minRisk: 50 },
      { attack: 'scanner', label: 'security-crawler' },
      { attack: ANY_ATTACK, minRisk: 50 },
      { label: 'library-agent', minRisk: 20 }
    ];
    let nonEmpty = 0;
    for (const f of filters) {
      const want = all.rows.filter((s) => passes(s, f));
      const page = await service.listSessions(0, 1e9, f);
      expect(page.total, JSON.stringify(f)).toBe(all.total);
      expect(page.matched, JSON.stringify(f)).toBe(want.length);
      expect(page.rows.map((r) => r.id), JSON.stringify(f)).toEqual(want.map((r) => r.id));
      if (want.length > 0 && want.length < all.total) nonEmpty++;
    }
    // The generated log has scanners, sqlmap, scripts and crawlers: most filters pick some, not all.
    expect(nonEmpty).toBeGreaterThanOrEqual(8);

    // Pages of a filtered list are slices of it.
    const f = { minRisk: 1 };
    const whole = await service.listSessions(0, 1e9, f);
    expect((await service.listSessions(3, 5, f)).rows).toEqual(whole.rows.slice(3, 8));
  });

  it('sorts by risk, highest first, ties by start; a new import is filtered afresh', async () => {
    const lines = text.trimEnd().split('\n');
    const { service } = realService();
    await mustImport(service, lines.slice(0, 3000).join('\n') + '\n', 'a.log');
    const before = await service.listSessions(0, 1e9, { attack: ANY_ATTACK }, '-risk');
    await mustImport(service, lines.slice(3000).join('\n') + '\n', 'b.log');
    const all = await service.listSessions(0, 1e9);
    const byRisk = await service.listSessions(0, 1e9, undefined, '-risk');
    const order = new Map(all.rows.map((r, i) => [r.id, i]));
    const want = [...all.rows].sort((a, b) => b.risk - a.risk || order.get(a.id)! - order.get(b.id)!);
    expect(byRisk.rows.map((r) => r.id)).toEqual(want.map((r) => r.id));
    expect(byRisk.rows[0].risk).toBeGreaterThan(byRisk.rows.at(-1)!.risk);

    const after = await service.listSessions(0, 1e9, { attack: ANY_ATTACK }, '-risk');
    expect(after.total).toBe(all.total);
    expect(after.rows.map((r) => r.id)).toEqual(want.filter((s) => passes(s, { attack: ANY_ATTACK })).map((r) => r.id));
    expect(after.matched).toBeGreaterThan(before.matched);
  });

  it('keeps attacks, labels with their evidence, risk and its parts on the rows', async () => {
    const { service } = realService();
    await mustImport(service, text, 'all.log');
    const page = await service.listSessions(0, 1e9, { label: 'security-crawler' }, '-risk');
    expect(page.matched).toBeGreaterThan(0);
    for (const s of page.rows) {
      expect(s.labels.find((l) => l.name === 'security-crawler')?.evidence).toMatch(/\d/);
      expect(s.risk).toBe(Math.min(100, s.riskParts.reduce((sum, p) => sum + p.points, 0)));
      expect(s.risk).toBeGreaterThan(0);
    }
    // What comlink would send: a structured clone keeps all of it.
    expect(structuredClone(page.rows)).toEqual(page.rows);
  });
});

describe('SessionService: v1 → v2 upgrade', () => {
  it('keeps the ledger, marked for re-import, and imports into the upgraded store with its salt', async () => {
    const name = `svc-v1-${++n}`;
    await makeV1Store(name);
    const salts: unknown[] = [];
    const service = new SessionService({
      analyse: async (_sources, opts) => {
        salts.push(opts.salt);
        return ok(keyed(makeColumns(2), 'new'))();
      },
      preview: async () => [],
      openStore: (onClose) => openStore(name, onClose)
    });
    expect(await service.sessionTotal()).toBe(0);
    expect(await service.listSessions(0, 10)).toEqual({ total: 0, matched: 0, rows: [] });
    expect((await service.listImports()).map((r) => [r.files[0].name, r.sessions, r.status])).toEqual([
      ['monday.log', 2, 'needs-reimport'],
      ['tuesday.log', 4, 'needs-reimport']
    ]);

    const res = await service.importSources([file('x\n', 'wednesday.log')]);
    expect(res.ok && res.value.stored).toBe(2);
    expect(salts).toEqual([saltWords(V1_SALT)]);
    expect((await service.listImports()).map((r) => [r.files[0].name, r.status])).toEqual([
      ['monday.log', 'needs-reimport'],
      ['tuesday.log', 'needs-reimport'],
      ['wednesday.log', 'complete']
    ]);
  });
});

function parseKeysOrThrow(text: string) {
  const keys = parseKeys(text);
  if (typeof keys === 'string') throw new Error(keys);
  return keys;
}
