import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../helpers/core';

// `sessionlens requests --context …`: every request with the context parameters asked for; a
// hashed one is printed as a hash only.

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/sessionlens.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'sessionlens-cli-ctx-'));
const line = (t: number, o: object) =>
  JSON.stringify({ time_iso8601: `2026-03-01T10:00:0${t}+00:00`, remote_addr: '10.0.0.1', request: `GET /a?page=${t} HTTP/1.1`, status: 200, ...o });
writeFileSync(
  join(dir, 'app.log'),
  [line(1, { http_x_tenant: 'acme', http_cookie: 'role=hunter2-admin' }), line(2, { http_x_tenant: '=cmd|x', http_cookie: 'role=hunter2-admin' }), line(3, {})].join('\n')
);
const nginx = '10.0.0.9 - - [01/Mar/2026:10:00:00 +0000] "GET /x?page=4 HTTP/1.1" 200 5 "-" "curl/8" "globex"\n';
writeFileSync(join(dir, 'nginx.log'), nginx);

describe('sessionlens requests', () => {
  it('prints each request with its context parameters by label, hashed by default', () => {
    const r = cli(['requests', '--context', 'header:x-tenant=Tenant:clear,cookie:role=Role,query:page=Page:clear', join(dir, 'app.log')]);
    expect(r.code, r.err).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((x) => [x.line, x.target, x.context.Tenant, x.context.Page])).toEqual([
      [1, '/a?page=1', 'acme', '1'],
      [2, '/a?page=2', '=cmd|x', '2'],
      [3, '/a?page=3', null, '3']
    ]);
    expect(rows[0].context.Role).toMatch(/^[0-9a-f]{16}$/);
    expect(rows[1].context.Role).toBe(rows[0].context.Role);
    expect(rows[2].context.Role).toBeNull();
    expect(r.out).not.toContain('hunter2');
    // a random salt per run: the hash of one run is no key to another's
    const again = JSON.parse(cli(['requests', '--context', 'cookie:role=Role', join(dir, 'app.log')]).out.split('\n')[0]);
    expect(again.context.Role).toMatch(/^[0-9a-f]{16}$/);
    expect(again.context.Role).not.toBe(rows[0].context.Role);
  });

  it('reads a pasted log_format\'s header fields; without --context prints no context', () => {
    const fmt = 'nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_tenant"';
    const r = cli(['requests', '--format', fmt, '--context', 'header:x-tenant=Tenant:clear', join(dir, 'nginx.log')]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ip: '10.0.0.9', userAgent: 'curl/8', context: { Tenant: 'globex' } });
    expect(JSON.parse(cli(['requests', join(dir, 'nginx.log')]).out)).not.toHaveProperty('context');
  });

  it('refuses a bad or misplaced --context', () => {
    expect(cli(['requests', '--context', 'ip+ua', join(dir, 'app.log')]).code).toBe(2);
    const misplaced = cli(['sessions', '--context', 'header:x', join(dir, 'app.log')]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.err).toContain('--context applies to the requests command');
  });
});
