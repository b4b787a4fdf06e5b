// Offline (SPEC §7): the app shell, the built code (the worker and the core's .wasm among it) and the
// static files (the sample log, the icons, the manifest) are cached when the service worker installs,
// so after one visit the page loads and imports with the network cut. Only this site's own GET
// requests are answered; anything else (a URL the user chose to stream) goes to the network untouched.
// Paths come from $service-worker, relative to where this file is served: any CDN subpath works.
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/// <reference types="@sveltejs/kit" />
import { base, build, files, prerendered, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE = `sessionlens-${version}`;
/** The page itself: `${base}/` is the prerendered start page (index.html). */
const SHELL = `${base}/`;
const ASSETS = [...new Set([...build, ...files, ...prerendered, SHELL])];
const CACHED = new Set(ASSETS);

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS);
      // A new version takes over at once: hashed files never change, and the old page has its code.
      await sw.skipWaiting();
    })()
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key !== CACHE && key.startsWith('sessionlens-')) await caches.delete(key);
      }
      await sw.clients.claim();
    })()
  );
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;
  if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return;

  if (request.mode === 'navigate') {
    event.respondWith(page(request));
  } else if (CACHED.has(url.pathname)) {
    event.respondWith(cacheFirst(request, url.pathname));
  }
  // Anything else of this site (none today) goes to the network as usual.
});

/** Built and static files: from the cache (they belong to this version), else the network. */
async function cacheFirst(request: Request, path: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  return (await cache.match(path)) ?? fetch(request);
}

/**
 * A page: the network first, so that a new deployment is seen at once; offline, the cached shell.
 * Every route is the same single page (the 200.html fallback of a CDN), so any path gets the shell.
 */
async function page(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (err) {
    const cache = await caches.open(CACHE);
    const shell = (await cache.match(request, { ignoreSearch: true })) ?? (await cache.match(SHELL));
    if (shell) return shell;
    throw err;
  }
}
