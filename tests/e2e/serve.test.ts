// scripts/serve.js, the static server the end-to-end tests (and `npm start`) put in front of build/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { startServer } from '../../scripts/serve.js';

let dir: string;
let server: { url: string; port: number; close: () => Promise<void> };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'serve-test-'));
  const site = path.join(dir, 'site');
  mkdirSync(path.join(site, 'sub'), { recursive: true });
  mkdirSync(path.join(site, '_app/immutable'), { recursive: true });
  mkdirSync(path.join(dir, 'outside'));
  writeFileSync(path.join(site, 'index.html'), '<h1>home</h1>');
  writeFileSync(path.join(site, '200.html'), '<h1>spa</h1>');
  writeFileSync(path.join(site, 'about.html'), '<h1>about</h1>');
  writeFileSync(path.join(site, 'sub/index.html'), '<h1>sub</h1>');
  writeFileSync(path.join(site, 'core.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(path.join(site, '_app/immutable/app.abc.js'), 'export {}');
  writeFileSync(path.join(site, 'manifest.webmanifest'), '{}');
  writeFileSync(path.join(site, 'data.json'), '{}');
  writeFileSync(path.join(site, 'icon.svg'), '<svg/>');
  writeFileSync(path.join(site, 'site.css'), 'body{}');
  writeFileSync(path.join(dir, 'outside/secret.txt'), 'secret');
  symlinkSync(path.join(dir, 'outside'), path.join(site, 'link'));
  server = await startServer(site, { port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw GET (fetch would normalise `..` away before sending). */
function get(urlPath: string, method = 'GET'): Promise<{ status: number; type: string; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: urlPath, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve.js', () => {
  it('says where it listens', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('serves files with their content type', async () => {
    const cases: [string, string][] = [
      ['/core.wasm', 'application/wasm'],
      ['/_app/immutable/app.abc.js', 'text/javascript; charset=utf-8'],
      ['/manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
      ['/data.json', 'application/json; charset=utf-8'],
      ['/icon.svg', 'image/svg+xml'],
      ['/site.css', 'text/css; charset=utf-8'],
      ['/', 'text/html; charset=utf-8']
    ];
    for (const [p, type] of cases) {
      const r = await get(p);
      expect([p, r.status, r.type]).toEqual([p, 200, type]);
    }
    expect((await get('/_app/immutable/app.abc.js')).headers['cache-control']).toContain('immutable');
    expect((await get('/')).headers['cache-control']).toBe('no-cache');
  });

  it('serves index.html for directories, page.html for /page', async () => {
    expect((await get('/')).body).toBe('<h1>home</h1>');
    expect((await get('/?x=1')).body).toBe('<h1>home</h1>');
    expect((await get('/sub/')).body).toBe('<h1>sub</h1>');
    const redirect = await get('/sub?q=1');
    expect([redirect.status, redirect.headers.location]).toEqual([301, '/sub/?q=1']);
    expect((await get('/about')).body).toBe('<h1>about</h1>');
  });

  it('falls back to 200.html for unknown routes, but not for missing assets', async () => {
    const route = await get('/sessions/abc');
    expect([route.status, route.body, route.type]).toEqual([200, '<h1>spa</h1>', 'text/html; charset=utf-8']);
    expect((await get('/missing.js')).status).toBe(404);
    expect((await get('/_app/immutable/missing.wasm')).status).toBe(404);
  });

  it('never leaves the root', async () => {
    for (const p of ['/../outside/secret.txt', '/%2e%2e/outside/secret.txt', '/..%2foutside/secret.txt', '/link/secret.txt', '/sub/../../outside/secret.txt']) {
      const r = await get(p);
      expect(r.body, p).not.toContain('secret');
      expect(r.status === 404 || r.status === 403 || r.status === 400, `${p}: ${r.status}`).toBe(true);
    }
    expect((await get('/a%00b')).status).toBe(400);
    expect((await get('/%E0%A4%A')).status).toBe(400);
    expect((await get('/..%5c..%5coutside')).status).toBe(400);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('/core.wasm', 'HEAD');
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', '8']);
    expect((await get('/', 'POST')).status).toBe(405);
  });
});
