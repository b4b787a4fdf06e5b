import 'fake-indexeddb/auto';
import { coreService, fileSource } from '../../tests/helpers/service';
import { describe, expect, it } from 'vitest';
import { listImports, openStore, type Store } from '../lib/storage/store';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { sessionJson } from '../lib/core/sessions';
import { core, root, sharedData } from '../../tests/helpers/core';
import { generateLog } from '../../scripts/gen-log.js';
import type { GroupingSettings, RegroupProgress } from './api';
import { SessionService, type Analyse } from './service';

// Re-grouping the stored requests (regroup.ts) against the truth: a fresh import, in the same
// database (same salt, so the same key hashes and ids), of the same log with the new settings.

const MIN = 60_000;
let n = 0;

const realService = (wrap?: (a: Analyse) => Analyse) => coreService('regroup', wrap);
const file = fileSource;

async function mustImport(service: SessionService, text: string, name: string) {
  const res = await service.importSources([file(text, name)], undefined, undefined, { force: true });
  if (!res.ok) throw new Error(`import of ${name} failed: ${res.error.message}`);
  return res.value;
}

/** Everything shown of the stored data: sessions, endpoints, and the requests of a few sessions. */
async function shown(service: SessionService) {
  const sessions = await service.listSessions(0, 1e9);
  const picks = [0, 1, Math.floor(sessions.rows.length / 2), sessions.rows.length - 1].filter((i) => i >= 0 && i < sessions.rows.length);
  const requests = [];
  for (const i of picks) requests.push(await service.sessionRequests(sessions.rows[i].id, 0, 1e9));
  return { sessions, endpoints: await service.listEndpoints(0, 1e9), requests };
}

async function freshImport(service: SessionService, settings: GroupingSettings, parts: [string, string][]) {
  await service.clearData();
  expect((await service.saveSettings(settings)).ok).toBe(true);
  for (const [text, name] of parts) await mustImport(service, text, name);
  return shown(service);
}

async function blockCount(db: Store) {
  return (await db.getAllKeys('requestBlocks')).length;
}

describe('re-grouping the stored requests (real core)', () => {
  const text = generateLog({ lines: 5000, seed: 7, flavour: 'nginx' });
  const lines = text.trimEnd().split('\n');
  const CUT = 2200;
  const parts: [string, string][] = [
    [lines.slice(CUT).join('\n') + '\n', 'later.log'],
    [lines.slice(0, CUT).join('\n') + '\n', 'earlier.log']
  ];

  const changes: [GroupingSettings, GroupingSettings][] = [
    [{ keys: 'ip+ua', inactivityMs: 30 * MIN }, { keys: 'ip+ua', inactivityMs: 5 * MIN }],
    [{ keys: 'ip+ua', inactivityMs: 30 * MIN }, { keys: 'ip', inactivityMs: 30 * MIN }],
    [{ keys: 'ip', inactivityMs: 10 * MIN }, { keys: 'ip+ua', inactivityMs: 45 * MIN }],
    [{ keys: 'ip+ua', inactivityMs: 30 * MIN }, { keys: 'user,ip', inactivityMs: 20 * MIN }]
  ];
  for (const [before, after] of changes) {
    it(`${before.keys} ${before.inactivityMs / MIN} min → ${after.keys} ${after.inactivityMs / MIN} min gives what a fresh import gives`, async () => {
      const { service, make } = realService();
      expect((await service.saveSettings(before)).ok).toBe(true);
      for (const [t, name] of parts) await mustImport(service, t, name);
      const ledgerBefore = await listImports(await openStore(`regroup-${n}`));
      const progress: RegroupProgress[] = [];
      const res = await service.saveSettings(after, (p) => progress.push(p));
      if (!res.ok) throw new Error(res.error.message);
      expect(res.value.regrouped).toMatchObject({ requests: lines.length, missing: 0 });
      expect(progress.at(-1)).toMatchObject({ phase: 'writing', done: lines.length, total: lines.length, imports: 2 });
      expect(await service.getSettings()).toEqual(after);
      const regrouped = await shown(service);
      expect(await shown(make()), 'after a reload').toEqual(regrouped);
      // the ledger keeps its files and figures (under new ids)
      const ledgerAfter = await listImports(await openStore(`regroup-${n}`));
      expect(ledgerAfter.map(({ id, ...r }) => (void id, r))).toEqual(ledgerBefore.map(({ id, ...r }) => (void id, r)));

      const fresh = await freshImport(service, after, parts);
      expect(regrouped.sessions.total).toBe(fresh.sessions.total);
      // A user agent the log wrote escaped (nginx's \x22) is hashed from its text: the key differs
      // from the core's, the grouping does not (one actor's text is one text), and it is counted.
      const escaped = (ua: string) => !/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(ua);
      const needsUa = after.keys.includes('ip+ua') && before.keys !== after.keys;
      const approx = needsUa ? fresh.sessions.rows.filter((r) => escaped(r.userAgent)) : [];
      expect(res.value.regrouped!.approximate).toBe(approx.reduce((s, r) => s + r.requests, 0));
      const strip = (rows: typeof fresh.sessions.rows) =>
        rows.map((r) => (needsUa && escaped(r.userAgent) ? { ...r, id: '', keyHash: '' } : r)).sort((a, b) => a.start - b.start || a.ip.localeCompare(b.ip) || a.userAgent.localeCompare(b.userAgent));
      expect(strip(regrouped.sessions.rows)).toEqual(strip(fresh.sessions.rows));
      if (approx.length === 0) expect(regrouped.sessions.rows).toEqual(fresh.sessions.rows);
      expect(regrouped.endpoints).toEqual(fresh.endpoints);
      expect(regrouped.requests).toEqual(fresh.requests);
    });
  }

  it('a cookie whose values were not stored cannot be used: refused, with the files to import again, nothing changed', async () => {
    const { service, db } = realService();
    await mustImport(service, parts[1][0], 'earlier.log');
    const before = await shown(service);
    const check = await service.checkSettings({ keys: 'cookie:sid,ip+ua', inactivityMs: 30 * MIN });
    expect(check).toEqual({ ok: true, value: { possible: false, unknownKeys: ['cookie:sid'], files: ['earlier.log'], reason: expect.stringContaining('cookie:sid') } });
    const res = await service.saveSettings({ keys: 'cookie:sid,ip+ua', inactivityMs: 30 * MIN });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.file).toBe('earlier.log');
    expect(res.error.message).toMatch(/cookie:sid.*import the files again/s);
    expect(await shown(service)).toEqual(before);
    expect(await service.getSettings()).toEqual({ keys: 'ip+ua', inactivityMs: 30 * MIN });
    expect((await service.checkSettings({ keys: 'ip', inactivityMs: 30 * MIN })).ok && (await service.checkSettings({ keys: 'ip', inactivityMs: 30 * MIN }))).toMatchObject({ value: { possible: true } });
    void db;
  });

  it('cancelled midway, or failing in the core, it leaves the stored data and settings exactly as before', async () => {
    let calls = 0;
    let fail = false;
    const { service, db } = realService((a) => async (sources, opts) => {
      calls++;
      if (fail) return { ok: false, error: { kind: 'read-failed', file: 'x', message: 'boom' } };
      return a(sources, opts);
    });
    for (const [t, name] of parts) await mustImport(service, t, name);
    const before = await shown(service);
    const blocks = await blockCount(await db());
    const ledger = await listImports(await db());
    // cancelled when the second import is being read
    const run = service.saveSettings({ keys: 'ip', inactivityMs: 30 * MIN }, (p) => {
      if (p.importIndex === 1) void service.cancelRegroup();
    });
    const res = await run;
    expect(res).toMatchObject({ ok: false, error: { kind: 'cancelled' } });
    expect(calls).toBeGreaterThan(2);
    expect(await shown(service)).toEqual(before);
    expect(await blockCount(await db())).toBe(blocks);
    expect(await listImports(await db())).toEqual(ledger);
    expect(await service.getSettings()).toEqual({ keys: 'ip+ua', inactivityMs: 30 * MIN });

    fail = true;
    const failed = await service.saveSettings({ keys: 'ip', inactivityMs: 30 * MIN });
    expect(failed).toMatchObject({ ok: false, error: { kind: 'read-failed' } });
    expect(await shown(service)).toEqual(before);
    expect(await blockCount(await db())).toBe(blocks);
    expect(await listImports(await db())).toEqual(ledger);
  });
});

describe('re-grouping with a cookie key (only its hash stored)', () => {
  // JSON lines; a third of the visitors carry a session cookie, some a remote user.
  const lines: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const v = i % 37;
    const t = Date.UTC(2024, 2, 4) + i * 20_000 + (v % 5) * 1000;
    const o: Record<string, unknown> = {
      msec: (t / 1000).toFixed(3),
      remote_addr: `10.0.${v % 7}.${v % 11}`,
      request: `GET /api/items/${i % 50}?page=${i % 3} HTTP/1.1`,
      status: i % 13 === 0 ? 404 : 200,
      body_bytes_sent: 100 + i,
      request_time: ((i % 9) / 100).toFixed(3),
      http_user_agent: `agent-${v % 4}`
    };
    if (v % 3 === 0) o.http_cookie = `theme=dark; sid=s${v}-${Math.floor(i / 400)}`;
    if (v % 4 === 1) o.remote_user = `user${v % 2}`;
    lines.push(JSON.stringify(o));
  }
  const text = lines.join('\n') + '\n';
  const changes: [string, string][] = [
    ['cookie:sid,ip+ua', 'cookie:sid,ip'],
    ['cookie:sid,ip+ua', 'user,cookie:sid,ip+ua'],
    ['cookie:sid,ip', 'ip+ua']
  ];
  for (const [before, after] of changes) {
    it(`${before} → ${after} gives what a fresh import gives`, async () => {
      const { service } = realService();
      expect((await service.saveSettings({ keys: before, inactivityMs: 30 * MIN })).ok).toBe(true);
      await mustImport(service, text, 'app.json');
      expect((await service.checkSettings({ keys: after, inactivityMs: 10 * MIN })).ok).toBe(true);
      const res = await service.saveSettings({ keys: after, inactivityMs: 10 * MIN });
      if (!res.ok) throw new Error(res.error.message);
      expect(res.value.regrouped).toMatchObject({ approximate: 0, missing: 0, requests: lines.length });
      const regrouped = await shown(service);
      const fresh = await freshImport(service, { keys: after, inactivityMs: 10 * MIN }, [[text, 'app.json']]);
      expect(regrouped.sessions.rows.filter((r) => r.key === 'cookie').length).toBe(after.includes('cookie') ? fresh.sessions.rows.filter((r) => r.key === 'cookie').length : 0);
      expect(regrouped.sessions.rows).toEqual(fresh.sessions.rows);
      expect(regrouped.requests).toEqual(fresh.requests);
    });
  }

  it('the context parameters kept with each request stay with it, hashed ones too', async () => {
    const { service } = realService();
    const context = [
      { field: 'cookie:theme', label: 'Theme', hashed: false },
      { field: 'cookie:sid', label: 'Sid', hashed: true }
    ];
    expect((await service.saveContext(context)).ok).toBe(true);
    await mustImport(service, text, 'app.json');
    const res = await service.saveSettings({ keys: 'ip', inactivityMs: 10 * MIN });
    if (!res.ok) throw new Error(res.error.message);
    const regrouped = await shown(service);
    const values = regrouped.requests.flatMap((p) => p.rows.map((r) => r.context));
    expect(values.some((v) => v?.[0] === 'dark')).toBe(true);
    expect(values.some((v) => typeof v?.[1] === 'string' && /^[0-9a-f]{16}$/.test(v[1]))).toBe(true);
    const fresh = await freshImport(service, { keys: 'ip', inactivityMs: 10 * MIN }, [[text, 'app.json']]);
    expect(regrouped.sessions.rows).toEqual(fresh.sessions.rows);
    expect(regrouped.requests).toEqual(fresh.requests);
  });

  it('a cookie after ip+ua never decided: its values are unknown', async () => {
    const { service } = realService();
    expect((await service.saveSettings({ keys: 'ip+ua,cookie:sid', inactivityMs: 30 * MIN })).ok).toBe(true);
    await mustImport(service, text, 'app.json');
    const check = await service.checkSettings({ keys: 'cookie:sid,ip+ua', inactivityMs: 30 * MIN });
    expect(check).toMatchObject({ ok: true, value: { possible: false, unknownKeys: ['cookie:sid'], files: ['app.json'] } });
  });
});

describe('re-grouping real logs, against the CLI', () => {
  const have = existsSync(`${root}dist/cli.js`);
  const cliSessions = (file: string, args: string[]) => {
    const r = spawnSync(process.execPath, [`${root}bin/sessionlens.js`, 'sessions', ...args, file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  // ids and key hashes depend on the salt (the CLI's is its own): everything else must agree
  const comparable = (rows: Record<string, unknown>[]) =>
    rows.map(({ id, keyHash, ...r }) => (void id, void keyHash, r)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

  // one real log per family of formats (SOURCES.md), and a change each that needs no escaped text
  const cases: [string, GroupingSettings, string[]][] = [
    ['access/logparser/hackers-access.log', { keys: 'ip', inactivityMs: 15 * MIN }, ['--key', 'ip', '--inactivity', '15m']],
    ['access/elastic-examples/apache_logs', { keys: 'ip+ua', inactivityMs: 5 * MIN }, ['--inactivity', '5m']],
    ['access/lnav/w3c_big.0', { keys: 'user,ip', inactivityMs: 30 * MIN }, ['--key', 'user,ip']],
    ['access/crowdsec-hub/traefik_base-http-scenario.log', { keys: 'ip', inactivityMs: 60 * MIN }, ['--key', 'ip', '--inactivity', '60m']],
    ['access/ita-usask/usask_access_log', { keys: 'ip', inactivityMs: 20 * MIN }, ['--key', 'ip', '--inactivity', '20m']],
    ['access/lnav/shop_access_log.0', { keys: 'user,ip+ua', inactivityMs: 10 * MIN }, ['--key', 'user,ip+ua', '--inactivity', '10m']]
  ];
  for (const [name, settings, args] of cases) {
    const file = `${sharedData}/${name}`;
    it.skipIf(!have || !existsSync(file))(`${name}: ip+ua 30 min → ${settings.keys} ${settings.inactivityMs / MIN} min prints what \`sessionlens sessions ${args.join(' ')}\` prints`, async () => {
      const { service } = realService();
      await mustImport(service, readFileSync(file, 'utf8'), name.split('/').pop()!);
      const res = await service.saveSettings(settings);
      if (!res.ok) throw new Error(res.error.message);
      expect(res.value.regrouped).toMatchObject({ missing: 0, approximate: 0 });
      const page = await service.listSessions(0, 1e9);
      const expected = cliSessions(file, args);
      expect(page.total).toBe(expected.length);
      expect(comparable(page.rows.map(sessionJson))).toEqual(comparable(expected));
    });
  }
});

describe('re-grouping what retention left', () => {
  it("a file of an import whose requests are all gone is left out; the other keeps its name and line numbers", async () => {
    const day1 = generateLog({ lines: 300, seed: 3, start: '2024-03-05T00:00:00Z' });
    const day2 = generateLog({ lines: 300, seed: 4, start: '2024-03-09T00:00:00Z' });
    const { service, db } = realService();
    const res = await service.importSources([file(day1, 'old.log'), file(day2, 'new.log')]);
    if (!res.ok) throw new Error(res.error.message);
    // as if retention had dropped old.log's days while a session kept on: its blocks go, not its sessions
    const store = await db();
    for (const key of await store.getAllKeys('requestBlocks')) {
      const b = await store.get('requestBlocks', key);
      if (b && b.requests.file.every((f) => f === 0)) await store.delete('requestBlocks', key);
    }
    const saved = await service.saveSettings({ keys: 'ip', inactivityMs: 30 * MIN });
    if (!saved.ok) throw new Error(saved.error.message);
    expect(saved.value.regrouped).toMatchObject({ requests: 300, missing: 300 });
    const after = await shown(service);
    expect(after.sessions.rows.reduce((s, r) => s + r.requests, 0)).toBe(300);
    for (const page of after.requests) for (const r of page.rows) expect(r.file).toBe('new.log');
    const fresh = await freshImport(service, { keys: 'ip', inactivityMs: 30 * MIN }, [[day2, 'new.log']]);
    expect(after.sessions.rows).toEqual(fresh.sessions.rows);
    expect(after.requests.map((p) => p.rows.map((r) => r.line))).toEqual(fresh.requests.map((p) => p.rows.map((r) => r.line)));
  });
});
