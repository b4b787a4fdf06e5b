// The service's storage behaviour (SPEC §4): staged imports, fingerprints, retention, quota, locks.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { DAY_MS, dayOf } from '../lib/core/session-rows';
import type { RequestColumns } from '../lib/core/requests';
import type { SessionColumns } from '../lib/core/types';
import { listImports, openStore, putRetention, type Store } from '../lib/storage/store';
import { makeColumns, makeSummary } from '../test-data/factories/sessions';
import { makeRequests } from '../test-data/factories/requests';
import type { ImportSource } from './api';
import type { ChangeMessage, Lock } from './locks';
import { SessionService, type Analyse } from './service';

let n = 0;
const T0 = Date.UTC(2024, 2, 10, 12);

/** One session a day for `days` days up to T0's day, keys of their own, with one request each. */
function daysOfData(days: number, prefix: string, last = T0): { sessions: SessionColumns; requests: RequestColumns } {
  const cols = makeColumns(days);
  const rows = [];
  for (let i = 0; i < days; i++) {
    cols.start[i] = last - (days - 1 - i) * DAY_MS;
    cols.end[i] = cols.start[i] + 60_000;
    cols.requests[i] = 1;
    cols.keyHash[i] = (prefix + i.toString(16)).padStart(16, '0');
    cols.id[i] = cols.keyHash[i].slice(0, 8) + (i + 1).toString(16).padStart(8, '0');
    rows.push({ time: cols.start[i], key: cols.keyHash[i], endpoint: `GET /day${i}` });
  }
  cols.endpoints = rows.map((r) => r.endpoint);
  cols.endpointSet = Uint32Array.from(rows, (_, i) => i);
  cols.firstEndpoint = Uint32Array.from(rows, (_, i) => i);
  cols.lastEndpoint = Uint32Array.from(rows, (_, i) => i);
  return { sessions: cols, requests: makeRequests(rows) };
}

interface Answer {
  sessions: SessionColumns;
  requests?: RequestColumns;
  /** Trap like the wasm core after the first block was handed over. */
  trapAfterBlock?: boolean;
}

function setup(answer: (texts: string[]) => Answer, opts: { lock?: Lock; name?: string; wrapStore?: (db: Store) => Store; now?: () => number } = {}) {
  const name = opts.name ?? `svc-st-${++n}`;
  const announced: ChangeMessage[] = [];
  const analyse: Analyse = async (sources, o) => {
    const texts: string[] = [];
    for (const s of sources) texts.push(await new Response(s.stream()).text());
    const a = answer(texts);
    if (a.requests) await o.onRequests?.(a.requests);
    if (a.trapAfterBlock) throw new WebAssembly.RuntimeError('unreachable');
    if (o.signal?.aborted) return { ok: false, error: { kind: 'cancelled', file: sources[0].name, message: 'cancelled' } };
    return { ok: true, value: { summary: makeSummary(a.sessions), sessions: a.sessions, endpoints: [] } };
  };
  const make = () =>
    new SessionService({
      analyse,
      preview: async () => [],
      openStore: async (onClose) => {
        const db = await openStore(name, onClose);
        return opts.wrapStore ? opts.wrapStore(db) : db;
      },
      lock: opts.lock,
      announce: (m) => announced.push(m),
      now: opts.now ?? (() => T0 + 3_600_000)
    });
  return { service: make(), make, announced, db: () => openStore(name) };
}

const file = (text: string, name = 'access.log'): ImportSource => ({ kind: 'file', file: new File([text], name) });

async function stored(db: Store) {
  return {
    imports: (await listImports(db)).map(({ time, ms, ...r }) => (void time, void ms, r)),
    blocks: (await db.getAll('requestBlocks')).length,
    days: (await db.getAll('sessionDays')).map((d) => d.day),
    endpointDays: (await db.getAll('endpointDays')).map((d) => d.day)
  };
}

describe('SessionService: storage', () => {
  it('stores the requests by day, and the endpoint figures they give', async () => {
    const { service, db } = setup(() => daysOfData(3, 'a'));
    const res = await service.importSources([file('three days\n')]);
    expect(res.ok && res.value.stored).toBe(3);
    const s = await stored(await db());
    expect(s.blocks).toBe(3);
    expect(s.endpointDays).toEqual([dayOf(T0) - 2, dayOf(T0) - 1, dayOf(T0)]);
    const eps = await service.listEndpoints(0, 10);
    expect(eps.rows.map((e) => [e.endpoint, e.requests, e.sessions])).toEqual([
      ['GET /day0', 1, 1],
      ['GET /day1', 1, 1],
      ['GET /day2', 1, 1]
    ]);
  });

  it('does not count the same file twice; a forced import is counted again and marked', async () => {
    const { service, db } = setup(() => daysOfData(2, 'b'));
    expect((await service.importSources([file('same bytes\n', 'a.log')])).ok).toBe(true);
    const before = await stored(await db());
    const again = await service.importSources([file('same bytes\n', 'renamed.log')]);
    expect(again.ok).toBe(false);
    expect(!again.ok && again.error).toMatchObject({ kind: 'duplicate', file: 'renamed.log' });
    expect(!again.ok && again.error.message).toMatch(/already imported on \d{4}-\d\d-\d\d .*nothing was added/);
    expect(await stored(await db())).toEqual(before);

    // one new file and one known: the known one is skipped and said, the new one imported
    const mixed = await service.importSources([file('same bytes\n', 'a.log'), file('other bytes\n', 'b.log')]);
    expect(mixed.ok && mixed.value.skipped.map((s) => s.name)).toEqual(['a.log']);

    const forced = await service.importSources([file('same bytes\n', 'a.log')], undefined, undefined, { force: true });
    expect(forced.ok).toBe(true);
    const ledger = await listImports(await db());
    expect(ledger.map((r) => [r.files.map((f) => f.name).join(), r.forced ?? false])).toEqual([
      ['a.log', false],
      ['b.log', false],
      ['a.log', true]
    ]);
  });

  it('skips a file given twice in one import', async () => {
    const { service } = setup(() => daysOfData(1, 'c'));
    const res = await service.importSources([file('twice\n', 'x.log'), file('twice\n', 'y.log')]);
    expect(res.ok && res.value.skipped).toEqual([{ name: 'y.log', importedAt: null }]);
  });

  it('recognises a streamed URL once read, and rolls it back', async () => {
    const body = 'streamed log\n';
    const fetchFn = (async () => new Response(body)) as typeof fetch;
    const name = `svc-st-${++n}`;
    const make = () =>
      new SessionService({
        analyse: async (sources, o) => {
          for (const s of sources) await new Response(s.stream()).text();
          const d = daysOfData(1, 'd');
          await o.onRequests?.(d.requests);
          return { ok: true, value: { summary: makeSummary(d.sessions), sessions: d.sessions, endpoints: [] } };
        },
        preview: async () => [],
        openStore: (onClose) => openStore(name, onClose),
        fetch: fetchFn
      });
    const service = make();
    const url: ImportSource = { kind: 'url', url: 'https://logs.example/a.log', name: 'a.log' };
    expect((await service.importSources([url])).ok).toBe(true);
    const db = await openStore(name);
    const before = await stored(db);
    const again = await service.importSources([url]);
    expect(!again.ok && again.error.kind).toBe('duplicate');
    expect(await stored(db)).toEqual(before);
  });

  it('keeps the last 7 days of the data by default and says what it pruned', async () => {
    const { service, db } = setup(() => daysOfData(10, 'e'));
    const res = await service.importSources([file('ten days\n')]);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.value.stored).toBe(7);
    const iso = (d: number) => new Date(d * DAY_MS).toISOString().slice(0, 10);
    const first = dayOf(T0) - 9;
    expect(res.value.pruned).toEqual({ days: [iso(first), iso(first + 1), iso(first + 2)], sessions: 3, requests: 3, keptFrom: iso(first + 3) });
    const s = await stored(await db());
    expect(s.days).toEqual([3, 4, 5, 6, 7, 8, 9].map((k) => first + k));
    expect(s.endpointDays).toEqual(s.days);
    expect(await (await db()).count('requestBlocks')).toBe(7);
  });

  it('anchored at the clock, prunes on start-up what has grown too old, and on a shorter retention', async () => {
    let now = T0 + 3_600_000;
    const { service, make, db } = setup(() => daysOfData(3, 'f'), { now: () => now });
    await putRetention(await db(), { days: 7, anchor: 'clock' });
    expect((await service.importSources([file('three\n')])).ok).toBe(true);
    expect((await service.maintain()).pruned).toBeNull();
    now += 6 * DAY_MS; // six days later, the oldest two days fall out
    const later = make();
    const report = await later.maintain();
    expect(report.pruned?.days).toHaveLength(2);
    expect(report.pruned?.sessions).toBe(2);
    expect(await later.sessionTotal()).toBe(1);

    const shorter = await later.saveRetention({ days: 1, anchor: 'data' });
    expect(shorter.ok && shorter.value.pruned).toBeNull();
    const bad = await later.saveRetention({ days: 0, anchor: 'data' });
    expect(!bad.ok && bad.error.message).toMatch(/whole number of days/);
  });

  it('removes at start-up an import a closed tab cut off, keeping what was complete', async () => {
    const { service, make, db } = setup(() => daysOfData(2, 'g'));
    expect((await service.importSources([file('kept\n')])).ok).toBe(true);
    const before = await stored(await db());
    // a tab that staged blocks and was closed before its last transaction
    const { beginImport, putRequestBlocks } = await import('../lib/storage/store');
    const cut = await beginImport(await db(), [{ name: 'cut.log', size: 1 }]);
    await putRequestBlocks(await db(), cut, [{ day: dayOf(T0), requests: daysOfData(1, 'h').requests }]);
    const reopened = make();
    expect(await reopened.maintain()).toEqual({ discarded: 1, pruned: null });
    expect(await stored(await db())).toEqual(before);
  });

  it('rolls an import back when storage is full, and says so', async () => {
    let full = false;
    const wrapStore = (db: Store): Store => {
      const transaction = db.transaction.bind(db);
      (db as { transaction: unknown }).transaction = (names: never, mode?: never) => {
        const tx = transaction(names, mode);
        // idb wraps what this returns once more, with a `done` of its own: this one is nobody's
        tx.done.catch(() => {});
        if (!full || mode !== 'readwrite' || !String(names).includes('requestBlocks') || String(names).includes('imports')) return tx;
        // a write of request blocks: refuse like a browser over its quota
        const store = tx.objectStore('requestBlocks' as never) as { add: unknown };
        store.add = () => {
          return Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
        };
        return tx;
      };
      return db;
    };
    const { service, db } = setup((texts) => daysOfData(2, texts[0].slice(0, 1)), { wrapStore });
    expect((await service.importSources([file('1 first\n')])).ok).toBe(true);
    const before = await stored(await db());
    const shown = await service.listSessions(0, 10);
    full = true;
    const res = await service.importSources([file('2 second\n')]);
    expect(!res.ok && res.error).toMatchObject({ kind: 'storage-full', file: 'access.log' });
    expect(!res.ok && res.error.message).toMatch(/storage .* is full.*nothing of it was kept/);
    expect(await stored(await db())).toEqual(before);
    expect(await service.listSessions(0, 10)).toEqual(shown);
  });

  it('cancelled after requests were staged, leaves the store as before', async () => {
    let service!: SessionService;
    const { service: s, db } = setup(() => {
      void service.cancelImport();
      return daysOfData(2, 'k');
    });
    service = s;
    const before = await stored(await db());
    const res = await service.importSources([file('cancel me\n')]);
    expect(!res.ok && res.error.kind).toBe('cancelled');
    expect(await stored(await db())).toEqual(before);
  });

  it('runs writes of two tabs one at a time under the shared lock, and tells the others', async () => {
    // one lock for both "tabs", recording how many hold it at once
    let holders = 0;
    let most = 0;
    let queue: Promise<unknown> = Promise.resolve();
    const lock: Lock = (job) => {
      const run = queue.then(async () => {
        most = Math.max(most, ++holders);
        try {
          return await job();
        } finally {
          holders--;
        }
      });
      queue = run.catch(() => {});
      return run;
    };
    const name = `svc-st-${++n}`;
    const a = setup((t) => daysOfData(2, t[0].slice(0, 1)), { lock, name });
    const b = setup((t) => daysOfData(2, t[0].slice(0, 1)), { lock, name });
    const [ra, rb] = await Promise.all([a.service.importSources([file('1 tab a\n')]), b.service.importSources([file('2 tab b\n')])]);
    expect(ra.ok && rb.ok).toBe(true);
    expect(most).toBe(1);
    expect(a.announced).toHaveLength(1);
    expect(b.announced).toHaveLength(1);
    expect(a.announced[0].from).not.toBe(b.announced[0].from);
    // tab a held its data from before b's import: a refresh shows both
    await a.service.refresh();
    expect(await a.service.sessionTotal()).toBe(4);
  });
});

describe('SessionService: faults', () => {
  it('a trap of the core mid-import is reported, rolls the import back, and the next import works', async () => {
    let trap = false;
    const { service, db } = setup((texts) => {
      if (trap) return { ...daysOfData(2, texts[0].slice(0, 1)), trapAfterBlock: true } as Answer;
      return daysOfData(2, texts[0].slice(0, 1));
    });
    expect((await service.importSources([file('1 good\n')])).ok).toBe(true);
    const before = await stored(await db());
    trap = true;
    const res = await service.importSources([file('2 traps\n')]);
    expect(!res.ok && res.error.message).toMatch(/stopped on an internal error of the core \(unreachable\); nothing of it was stored/);
    expect(await stored(await db())).toEqual(before);
    trap = false;
    expect((await service.importSources([file('3 fine again\n')])).ok).toBe(true);
  });
});
