#!/usr/bin/env node
// A tiny static file server that behaves like a CDN in front of the built site (no dependencies).
//
//   node scripts/serve.js build [--port 4173] [--host 127.0.0.1]
//
// - Content-Type by extension (application/wasm, text/javascript, application/manifest+json, …).
// - A directory URL serves its index.html (`/dir` redirects to `/dir/` first, so relative URLs work).
// - `/page` also finds `page.html` (how prerendered pages are written).
// - Any other unknown path without a file extension gets `200.html` with status 200, the SPA
//   fallback of CDNs; an unknown path with an extension (a missing asset) is a 404, so a missing
//   .js or .wasm never comes back as HTML.
// - GET and HEAD only; no directory listings; the resolved path (after symlinks) must stay inside
//   the root.
//
// Importable: `startServer(root, { port: 0, host: '127.0.0.1' })` resolves to `{ url, port, close }`.

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** @type {Record<string, string>} */
export const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.gz': 'application/gzip',
  '.pdf': 'application/pdf'
};

/** @param {string} file */
export function contentType(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** @param {string} p @returns {Promise<fs.Stats | null>} */
async function statOrNull(p) {
  try {
    return await fsp.stat(p);
  } catch {
    return null;
  }
}

/**
 * Map a URL path to a file inside root, or say why not.
 * @param {string} root  real path of the root folder
 * @param {string} urlPath
 * @returns {Promise<{ file: string, stat: fs.Stats, status: number } | { redirect: string } | { error: number }>}
 */
async function resolveRequest(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { error: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { error: 400 };
  const target = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  if (!inside(root, target)) return { error: 403 };

  /** @param {string} p */
  const fileInside = async (p) => {
    const st = await statOrNull(p);
    if (!st) return null;
    // Follow symlinks, then check again that we are still inside the root.
    let real;
    try {
      real = await fsp.realpath(p);
    } catch {
      return null;
    }
    if (!inside(root, real)) return null;
    return { file: real, stat: st };
  };

  const hit = await fileInside(target);
  if (hit && hit.stat.isFile()) return { ...hit, status: 200 };
  if (hit && hit.stat.isDirectory()) {
    if (!urlPath.endsWith('/')) return { redirect: urlPath + '/' };
    const index = await fileInside(path.join(target, 'index.html'));
    if (index && index.stat.isFile()) return { ...index, status: 200 };
  }
  if (!hit && !urlPath.endsWith('/')) {
    const html = await fileInside(target + '.html');
    if (html && html.stat.isFile()) return { ...html, status: 200 };
  }
  // SPA fallback for routes; a missing asset (has an extension) stays a 404.
  if (path.posix.extname(decoded) === '' || (hit && hit.stat.isDirectory())) {
    const fallback = await fileInside(path.join(root, '200.html'));
    if (fallback && fallback.stat.isFile()) return { ...fallback, status: 200 };
  }
  return { error: 404 };
}

/** @param {string} root @param {string} p */
function inside(root, p) {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * @param {string} root real path
 * @returns {http.RequestListener}
 */
function handler(root) {
  return (req, res) => {
    const send = (/** @type {number} */ status, /** @type {string} */ text, /** @type {Record<string, string>} */ headers = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const urlPath = q >= 0 ? raw.slice(0, q) : raw;
    if (!urlPath.startsWith('/')) {
      send(400, 'Bad Request\n');
      return;
    }
    resolveRequest(root, urlPath).then(
      (r) => {
        if ('error' in r) {
          const text = { 400: 'Bad Request\n', 403: 'Forbidden\n', 404: 'Not Found\n' }[r.error] ?? 'Error\n';
          send(r.error, text);
          return;
        }
        if ('redirect' in r) {
          send(301, `Moved to ${r.redirect}\n`, { Location: r.redirect + (q >= 0 ? raw.slice(q) : '') });
          return;
        }
        const etag = `"${r.stat.size.toString(16)}-${Math.floor(r.stat.mtimeMs).toString(16)}"`;
        const rel = path.relative(root, r.file).split(path.sep).join('/');
        const headers = {
          'Content-Type': contentType(r.file),
          'Content-Length': String(r.stat.size),
          ETag: etag,
          'Last-Modified': r.stat.mtime.toUTCString(),
          'X-Content-Type-Options': 'nosniff',
          // Hashed build output never changes; everything else is revalidated.
          'Cache-Control': rel.startsWith('_app/immutable/') ? 'public, max-age=31536000, immutable' : 'no-cache'
        };
        if (req.headers['if-none-match'] === etag && r.status === 200) {
          const { 'Content-Length': _len, ...rest } = headers;
          res.writeHead(304, rest);
          res.end();
          return;
        }
        res.writeHead(r.status, headers);
        if (req.method === 'HEAD') {
          res.end();
          return;
        }
        const stream = fs.createReadStream(r.file);
        stream.on('error', () => res.destroy());
        stream.pipe(res);
      },
      () => send(500, 'Internal Server Error\n')
    );
  };
}

/**
 * Serve a folder. Resolves once listening.
 * @param {string} root
 * @param {{ port?: number, host?: string }} [opts]
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export async function startServer(root, opts = {}) {
  const port = opts.port ?? 0;
  const host = opts.host ?? '127.0.0.1';
  let real;
  try {
    real = await fsp.realpath(root);
  } catch {
    throw new Error(`serve: no such folder: ${root}`);
  }
  if (!(await fsp.stat(real)).isDirectory()) throw new Error(`serve: not a folder: ${root}`);
  const server = http.createServer(handler(real));
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  const shownHost = addr.family === 'IPv6' || host.includes(':') ? `[${addr.address}]` : host;
  return {
    url: `http://${shownHost}:${addr.port}/`,
    port: addr.port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })
  };
}

async function main() {
  const argv = process.argv.slice(2);
  let root = 'build';
  let port = 4173;
  let host = '127.0.0.1';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') port = Number(argv[++i]);
    else if (a === '--host') host = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/serve.js [FOLDER=build] [--port 4173] [--host 127.0.0.1]');
      return;
    } else if (a.startsWith('-')) {
      console.error(`unknown option ${a}`);
      process.exit(2);
    } else root = a;
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !host) {
    console.error('usage: node scripts/serve.js [FOLDER=build] [--port 4173] [--host 127.0.0.1]');
    process.exit(2);
  }
  if (!fs.existsSync(root)) {
    console.error(`serve: ${root} does not exist${root === 'build' ? ' (run `npm run build` first)' : ''}`);
    process.exit(1);
  }
  const { url, close } = await startServer(root, { port, host });
  console.log(`Serving ${path.resolve(root)} at ${url}`);
  const stop = () => close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
