// Context parameters through the worker (real core, fake-indexeddb): kept in meta, applied by the next
// import, stored with its request blocks and shown per request — a hashed one never in clear.
import 'fake-indexeddb/auto';
import { coreService, fileSource } from '../../tests/helpers/service';
import { describe, expect, it } from 'vitest';
import { putRetention, type Store } from '../lib/storage/store';
import { core } from '../../tests/helpers/core';

const service = () => coreService('svc-ctx');
const file = fileSource;

/** A JSON log (nginx variable names) of two actors, with a tenant header and a role cookie. */
function log(day: string, tenants: [string, string], roles: [string, string]): string {
  const lines: string[] = [];
  for (let i = 0; i < 6; i++) {
    const a = i % 2;
    lines.push(
      JSON.stringify({
        time_iso8601: `${day}T10:00:0${i}+00:00`,
        remote_addr: `10.0.0.${a + 1}`,
        request: `GET /api/items/${i}?page=${i} HTTP/1.1`,
        status: 200,
        body_bytes_sent: 10,
        http_user_agent: 'curl/8',
        http_x_tenant: tenants[a],
        http_cookie: `sid=z${a}; role=${roles[a]}`
      })
    );
  }
  return lines.join('\n') + '\n';
}

/** Every string stored anywhere in the database (typed arrays hold numbers only). */
async function storedStrings(db: Store): Promise<string[]> {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) Object.values(v).forEach(walk);
  };
  for (const name of db.objectStoreNames) walk(await db.getAll(name));
  return out;
}

describe('context parameters in the worker', () => {
  it('checks and keeps them, whatever sessions are stored', async () => {
    const { service: s, make, db } = service();
    expect(await s.getContext()).toEqual([]);
    expect((await s.saveContext([{ field: 'ip', label: 'x', hashed: true }])).ok).toBe(false);
    expect((await s.saveContext(Array.from({ length: 9 }, (_, i) => ({ field: `query:q${i}`, label: `Q${i}`, hashed: true })))).ok).toBe(false);
    await putRetention(await db(), { days: 36500, anchor: 'data' });
    expect((await s.importSources([file(log('2026-03-01', ['acme', 'globex'], ['admin', 'viewer']), 'a.log')])).ok).toBe(true);
    const saved = await s.saveContext([{ field: 'Header:X-Tenant', label: ' Tenant ', hashed: false }]);
    expect(saved).toEqual({ ok: true, value: [{ field: 'header:x-tenant', label: 'Tenant', hashed: false }] });
    expect(await make().getContext()).toEqual([{ field: 'header:x-tenant', label: 'Tenant', hashed: false }]);
  });

  it('stores the values with the requests and shows them per request; hashed ones only as hashes', async () => {
    const { service: s, db } = service();
    await putRetention(await db(), { days: 36500, anchor: 'data' });
    const context = [
      { field: 'header:x-tenant', label: 'Tenant', hashed: false },
      { field: 'cookie:role', label: 'Role', hashed: true },
      { field: 'query:page', label: 'Page', hashed: false }
    ];
    expect((await s.saveContext(context)).ok).toBe(true);
    expect((await s.importSources([file(log('2026-03-01', ['acme', 'globex'], ['s3cret-admin', 'zz-viewer']), 'a.log')])).ok).toBe(true);
    const sessions = (await s.listSessions(0, 10)).rows;
    expect(sessions).toHaveLength(2);
    const seen = new Map<string, (string | null)[][]>();
    for (const session of sessions) {
      const page = await s.sessionRequests(session.id, 0, 100);
      expect(page.context).toEqual(context);
      seen.set(session.ip, page.rows.map((r) => r.context));
    }
    const first = seen.get('10.0.0.1')!;
    expect(first.map((c) => c[0])).toEqual(['acme', 'acme', 'acme']);
    expect(first.map((c) => c[2])).toEqual(['0', '2', '4']);
    const hashes = [...seen.values()].map((rows) => rows[0][1]);
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(hashes[0]).not.toBe(hashes[1]);
    expect(new Set(first.map((c) => c[1])).size).toBe(1);
    // the hashed values are nowhere in the database; the clear ones are
    const strings = (await storedStrings(await db())).join('\n');
    expect(strings).not.toMatch(/s3cret|zz-viewer/);
    expect(strings).toContain('globex');
  });

  it('reads blocks imported with other parameters, or none: what they lack is null', async () => {
    const { service: s, db } = service();
    await putRetention(await db(), { days: 36500, anchor: 'data' });
    expect((await s.importSources([file(log('2026-03-01', ['acme', 'globex'], ['a', 'b']), 'none.log')])).ok).toBe(true);
    expect((await s.saveContext([{ field: 'header:x-tenant', label: 'Tenant', hashed: false }])).ok).toBe(true);
    expect((await s.importSources([file(log('2026-03-02', ['initech', 'umbrella'], ['a', 'b']), 'tenant.log')])).ok).toBe(true);
    // now hashed instead: the clear column of the second import is not shown as the hashed one
    expect((await s.saveContext([{ field: 'header:x-tenant', label: 'Tenant', hashed: true }, { field: 'cookie:sid', label: 'Sid', hashed: false }])).ok).toBe(true);
    const rows = (await s.listSessions(0, 10)).rows;
    expect(rows).toHaveLength(4);
    for (const session of rows) {
      const page = await s.sessionRequests(session.id, 0, 100);
      for (const r of page.rows) expect(r.context).toEqual([null, null]);
    }
    expect((await s.saveContext([{ field: 'header:x-tenant', label: 'Tenant', hashed: false }])).ok).toBe(true);
    const values = new Set<string | null>();
    for (const session of rows) for (const r of (await s.sessionRequests(session.id, 0, 100)).rows) values.add(r.context[0]);
    expect(values).toEqual(new Set([null, 'initech', 'umbrella']));
  });
});
