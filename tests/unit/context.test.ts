// Context parameters (SPEC §5 Settings): the fields the user picks, found per request by the core in
// every format that carries them, kept in clear or as a salted hash, and only when asked for.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { run, memorySource, sharedData, hasSharedData, type RunOptions } from '../helpers/core';
import { formatByName } from '../../src/lib/core/formats';
import { contextAt, referrerAt, type RequestColumns } from '../../src/lib/core/requests';
import { pickRequests } from '../../src/lib/core/request-rows';
import { parseContextFlag, checkContext, columnName, type ContextParam } from '../../src/lib/core/context';
import type { FormatSpec } from '../../src/lib/core/formats/spec';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims: object) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2ln`;

function params(flag: string): ContextParam[] {
  const p = parseContextFlag(flag);
  if (typeof p === 'string') throw new Error(p);
  return p;
}

/** Each request's context values by label, in line order. */
async function contextRows(log: string, context: ContextParam[], format?: FormatSpec | string, opts: RunOptions = {}) {
  const spec = typeof format === 'string' ? formatByName(format) : format;
  if (typeof spec === 'string') throw new Error(spec);
  const blocks: RequestColumns[] = [];
  const r = await run([memorySource('log', log, 97)], { ...opts, format: spec, context, onRequests: (b) => void blocks.push(b) });
  if (!r.ok) throw new Error(r.error.message);
  return blocks.flatMap((b) =>
    Array.from({ length: b.count }, (_, i) => Object.fromEntries(context.map((p) => [p.label, contextAt(b, columnName(p), i)])))
  );
}

/** Every log under the shared access folder (INDEX.tsv and the like excluded). */
function accessLogs(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/\.(tsv|md|bz2)$/.test(name)) out.push(p);
    }
  };
  walk(path.join(sharedData, 'access'));
  return out;
}

const T = '2026-03-01T10:00:00+00:00';
const nginxJson = (o: object) => JSON.stringify({ time_iso8601: T, remote_addr: '10.0.0.1', request: 'GET /a HTTP/1.1', status: 200, ...o });

describe('context parameters in the core', () => {
  it('finds headers, cookies, query parameters, JWT claims and the user in nginx JSON', async () => {
    const token = jwt({ sub: 'user-42', role: 'admin' });
    const log = [
      nginxJson({ http_x_tenant: 'acme', http_cookie: 'sid=s1; role=editor', request: 'GET /a?page=2&q=x HTTP/1.1', http_authorization: `Bearer ${token}`, remote_user: 'alice' }),
      nginxJson({ http_x_tenant: 'globex', cookie_role: 'viewer' }),
      nginxJson({})
    ].join('\n');
    const ctx = params('header:X-Tenant=Tenant:clear,cookie:role=Role:clear,query:page=Page:clear,jwt:sub=Subject:clear,user=User:clear');
    expect(await contextRows(log, ctx, 'json')).toEqual([
      { Tenant: 'acme', Role: 'editor', Page: '2', Subject: 'user-42', User: 'alice' },
      { Tenant: 'globex', Role: 'viewer', Page: null, Subject: null, User: null },
      { Tenant: null, Role: null, Page: null, Subject: null, User: null }
    ]);
  });

  it('reads the extra fields of a pasted nginx log_format and query parameters of combined logs', async () => {
    const fmt = 'nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_tenant" "$cookie_role"';
    const line = (tenant: string, role: string, q = '') =>
      `10.0.0.1 - - [01/Mar/2026:10:00:00 +0000] "GET /a${q} HTTP/1.1" 200 5 "-" "curl/8" "${tenant}" "${role}"`;
    const ctx = params('header:x-tenant=Tenant:clear,cookie:role=Role:clear,query:page=Page:clear,header:user-agent=UA:clear');
    expect(await contextRows([line('acme', 'admin', '?page=3'), line('-', '-')].join('\n'), ctx, fmt)).toEqual([
      { Tenant: 'acme', Role: 'admin', Page: '3', UA: 'curl/8' },
      { Tenant: null, Role: null, Page: null, UA: 'curl/8' }
    ]);
    // plain combined: no header fields, but the target's query
    const combined = '10.0.0.1 - - [01/Mar/2026:10:00:00 +0000] "GET /list?page=7&page=8 HTTP/1.1" 200 5 "-" "curl/8"';
    expect(await contextRows(combined, ctx, 'combined')).toEqual([{ Tenant: null, Role: null, Page: '7', UA: 'curl/8' }]);
  });

  it('reads Caddy header arrays and W3C cs(header) columns', async () => {
    const caddy = JSON.stringify({ ts: 1772359200.5, request: { client_ip: '10.0.0.2', method: 'GET', uri: '/x?page=1', host: 'h', headers: { 'X-Tenant': ['initech'], Cookie: ['role=ops'] } }, status: 200, size: 3 });
    const ctx = params('header:x-tenant=Tenant:clear,cookie:role=Role:clear,query:page=Page:clear');
    expect(await contextRows(caddy, ctx, 'json:caddy')).toEqual([{ Tenant: 'initech', Role: 'ops', Page: '1' }]);
    const w3c = ['#Fields: date time c-ip cs-method cs-uri-stem cs-uri-query sc-status cs(X-Tenant) cs(Cookie)', '2026-03-01 10:00:00 10.0.0.3 GET /y page=5 200 umbrella role=root'].join('\n');
    expect(await contextRows(w3c, ctx, 'w3c')).toEqual([{ Tenant: 'umbrella', Role: 'root', Page: '5' }]);
  });

  it('reads an Apache LogFormat\'s %{Name}i and %{Name}C, a JSON mapping\'s header: fields, and a JWT in a cookie', async () => {
    const apache = 'apache:%h %l %u %t \\"%r\\" %>s %b \\"%{X-Tenant}i\\" \\"%{role}C\\"';
    const ctx = params('header:x-tenant=Tenant:clear,cookie:role=Role:clear');
    const line = '10.0.0.1 - - [01/Mar/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "hooli \\"q\\"" "dev"';
    expect(await contextRows(line, ctx, apache)).toEqual([{ Tenant: 'hooli "q"', Role: 'dev' }]);
    const mapped = formatByName('json', 'time=ts,ip=addr,uri=url,header:x-tenant=req.tenant');
    const json = JSON.stringify({ ts: 1772359200, addr: '10.0.0.1', url: '/z', req: { tenant: 'vehement' } });
    expect(await contextRows(json, params('header:x-tenant=Tenant:clear'), mapped as FormatSpec)).toEqual([{ Tenant: 'vehement' }]);
    const token = jwt({ sub: 'u-7', n: 1 });
    const inCookie = [
      nginxJson({ http_cookie: `a=1; token=${token}` }),
      nginxJson({ http_cookie: 'token=not.a-jwt!.x' }),
      nginxJson({ http_cookie: `token=${'A'.repeat(9000)}.${'B'.repeat(9000)}.c` })
    ].join('\n');
    expect(await contextRows(inCookie, params('jwt:sub@cookie:token=Sub:clear'), 'json')).toEqual([{ Sub: 'u-7' }, { Sub: null }, { Sub: null }]);
  });

  it('survives hostile lines with every kind of parameter on (seeded)', async () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const base = nginxJson({ http_x_tenant: 'acme', http_cookie: `role=r; token=${jwt({ sub: 'x' })}`, http_authorization: `Bearer ${jwt({ sub: 'y' })}`, remote_user: 'u', request: 'GET /a?page=1&id=2 HTTP/1.1' });
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const b = [...Buffer.from(base)];
      for (let k = 0, n = 1 + Math.floor(rnd() * 6); k < n; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      lines.push(Buffer.from(b).toString('latin1'));
    }
    const ctx = params('header:x-tenant=T:clear,cookie:role=R,query:page=P:clear,query:id=I,jwt:sub=S:clear,jwt:sub@cookie:token=C,user=U:clear,header:user-agent=A');
    const rows = await contextRows(lines.join('\n'), ctx, 'json');
    expect(rows.length).toBeGreaterThan(1000);
    for (const r of rows) for (const k of ['R', 'I', 'C', 'A']) if (r[k] !== null) expect(r[k]).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps hashed values as 16 hex digits of a salted hash, never the value', async () => {
    const log = [
      nginxJson({ http_x_tenant: 'acme-secret', http_cookie: 'role=admin' }),
      nginxJson({ http_x_tenant: 'acme-secret', http_cookie: 'role=viewer' }),
      // the same value JSON-escaped: the value as sent is hashed, not its spelling in the log
      nginxJson({ http_x_tenant: 'acme\\u002dsecret' }).replace('\\\\u002d', '\\u002d')
    ].join('\n');
    const ctx = params('header:x-tenant=Tenant,cookie:role=Role');
    const rows = await contextRows(log, ctx, 'json');
    for (const r of rows.slice(0, 2)) for (const v of Object.values(r)) expect(v).toMatch(/^[0-9a-f]{16}$/);
    expect(rows[0].Tenant).toBe(rows[1].Tenant);
    expect(rows[2].Tenant).toBe(rows[0].Tenant);
    expect(rows[0].Role).not.toBe(rows[1].Role);
    expect(rows[2].Role).toBeNull();
    expect(JSON.stringify(rows)).not.toMatch(/acme|admin|viewer/);
    // another database (salt) gives other hashes
    const other = await contextRows(log, ctx, 'json', { salt: [1, 2] });
    expect(other[0].Tenant).toMatch(/^[0-9a-f]{16}$/);
    expect(other[0].Tenant).not.toBe(rows[0].Tenant);
    // hashed and clear of one field side by side
    const both = await contextRows(log, params('header:x-tenant=H,header:x-tenant=C:clear'), 'json');
    expect(both[0]).toEqual({ H: rows[0].Tenant, C: 'acme-secret' });
  });

  it('keeps hostile values as text: escapes undone, cut at 256 bytes on a character boundary', async () => {
    const long = 'é'.repeat(200);
    const log = [
      nginxJson({ http_x_tenant: '<img src=x onerror=alert(1)>', http_x_note: '=HYPERLINK("http://evil")', http_x_quote: 'a"b\\c\u0007' }),
      nginxJson({ http_x_tenant: long })
    ].join('\n');
    const rows = await contextRows(log, params('header:x-tenant=T:clear,header:x-note=N:clear,header:x-quote=Q:clear'), 'json');
    expect(rows[0]).toEqual({ T: '<img src=x onerror=alert(1)>', N: '=HYPERLINK("http://evil")', Q: 'a"b\\c\u0007' });
    expect(rows[1].T).toBe('é'.repeat(128));
  });

  it('survives cuts between chunks and a row pick, and costs nothing when not asked', async () => {
    const log = Array.from({ length: 300 }, (_, i) => nginxJson({ http_x_tenant: `t${i % 7}` })).join('\n');
    const ctx = params('header:x-tenant=Tenant:clear');
    const blocks: RequestColumns[] = [];
    const r = await run([memorySource('log', log, 333)], { format: formatByName('json') as FormatSpec, context: ctx, chunkSize: 1000, onRequests: (b) => void blocks.push(b) });
    expect(r.ok).toBe(true);
    expect(blocks.length).toBeGreaterThan(5);
    const all = blocks.flatMap((b) => Array.from({ length: b.count }, (_, i) => contextAt(b, 'header:x-tenant', i)));
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => `t${i % 7}`));
    // a block's dictionary holds each value once
    expect(blocks[0].context!.dict[0].length).toBeLessThanOrEqual(7);
    const picked = pickRequests(blocks[1], [2, 0]);
    expect([contextAt(picked, 'header:x-tenant', 0), contextAt(picked, 'header:x-tenant', 1)]).toEqual([contextAt(blocks[1], 'header:x-tenant', 2), contextAt(blocks[1], 'header:x-tenant', 0)]);
    // no parameters: no context columns at all
    const plain: RequestColumns[] = [];
    await run([memorySource('log', log)], { format: formatByName('json') as FormatSpec, onRequests: (b) => void plain.push(b) });
    expect(plain[0].context).toBeUndefined();
    expect(contextAt(plain[0], 'header:x-tenant', 0)).toBeNull();
  });

  it('does not change the sessions', async () => {
    const log = Array.from({ length: 50 }, (_, i) => nginxJson({ remote_addr: `10.0.0.${i % 5}`, http_x_tenant: `t${i}`, http_cookie: `role=r${i}` })).join('\n');
    const spec = formatByName('json') as FormatSpec;
    const a = await run([memorySource('log', log)], { format: spec, onRequests: () => {} });
    const b = await run([memorySource('log', log)], { format: spec, context: params('header:x-tenant,cookie:role:clear,jwt:sub'), onRequests: () => {} });
    if (!a.ok || !b.ok) throw new Error('failed');
    expect(b.value.sessions.keyHash).toEqual(a.value.sessions.keyHash);
    expect(b.value.summary).toEqual(a.value.summary);
  });
});

describe('context parameter syntax', () => {
  it('reads the --context flag, hashed by default', () => {
    expect(parseContextFlag('header:X-Tenant=Tenant,cookie:role=Role:clear,jwt:sub@cookie:tok,query:clear,user:clear')).toEqual([
      { field: 'header:x-tenant', label: 'Tenant', hashed: true },
      { field: 'cookie:role', label: 'Role', hashed: false },
      { field: 'jwt:sub@cookie:tok', label: 'jwt:sub@cookie:tok', hashed: true },
      { field: 'query:clear', label: 'query:clear', hashed: true },
      { field: 'user', label: 'user', hashed: false }
    ]);
    expect(parseContextFlag('ip+ua')).toMatch(/not a request field/);
    expect(parseContextFlag('body:x')).toMatch(/unknown field kind/);
    expect(parseContextFlag('header:a=A,header:b=A')).toMatch(/already used/);
    expect(parseContextFlag(Array.from({ length: 9 }, (_, i) => `query:q${i}`).join(','))).toMatch(/at most 8/);
  });

  it('checks what the settings form sends', () => {
    expect(checkContext([{ field: ' Header:X-A ', label: '', hashed: false }])).toEqual({ ok: true, value: [{ field: 'header:x-a', label: 'header:x-a', hashed: false }] });
    expect(checkContext([{ field: 'cookie:a', label: 'x'.repeat(41) }])).toMatchObject({ ok: false });
    expect(checkContext([{ field: 'cookie:a', label: 'a\u202eb' }])).toMatchObject({ ok: false });
    expect(checkContext([{ field: 'cookie:a b' }])).toMatchObject({ ok: false });
  });
});

describe.skipIf(!hasSharedData)('context parameters on the shared real logs', () => {
  it('reads every log with parameters on: the user agent and referrer columns agree with the request columns', async () => {
    const ctx = params('header:user-agent=UA:clear,header:referer=Ref:clear,jwt:sub=Sub,cookie:session=S,query:id=Id');
    const utf8 = new TextEncoder();
    /** A value as the core keeps it in clear: at most 256 bytes, cut on a character boundary. */
    const cut = (s: string) => {
      if (utf8.encode(s).length <= 256) return s;
      let out = '';
      for (const ch of s) {
        if (utf8.encode(out + ch).length > 256) break;
        out += ch;
      }
      return out;
    };
    let files = 0;
    let compared = 0;
    for (const file of accessLogs()) {
      const blocks: RequestColumns[] = [];
      const r = await run([memorySource(path.basename(file), readFileSync(file))], { context: ctx, onRequests: (b) => void blocks.push(b) });
      if (!r.ok) continue;
      files++;
      expect(blocks.reduce((n, b) => n + b.count, 0)).toBe(r.value.summary.requests);
      for (const b of blocks) {
        for (let i = 0; i < b.count; i++) {
          const ua = contextAt(b, 'header:user-agent', i);
          const agent = b.dict.userAgents[b.userAgent[i]];
          if (ua !== null && !ua.includes('\uFFFD')) {
            expect(cut(agent), `${file}:${b.line[i]}`).toBe(ua);
            compared++;
          }
          const ref = contextAt(b, 'header:referer', i);
          if (ref !== null && !ref.includes('\uFFFD')) expect(referrerAt(b, i).startsWith(ref), `${file}:${b.line[i]}`).toBe(true);
          for (const name of ['#jwt:sub', '#cookie:session', '#query:id']) {
            const v = contextAt(b, name, i);
            if (v !== null) expect(v).toMatch(/^[0-9a-f]{16}$/);
          }
        }
      }
    }
    expect(files).toBeGreaterThan(50);
    expect(compared).toBeGreaterThan(10_000);
  });
});
