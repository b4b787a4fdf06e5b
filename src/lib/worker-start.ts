// Starts the analysis worker under the page's Content-Security-Policy.
//
// A worker loaded from its own URL gets the policy of its own HTTP response, and a static host sends
// none: its fetches (the sample, a URL to stream) and its WebAssembly compile would be bound by
// nothing. A worker made from a blob: URL inherits the policy of the page that made it instead, so
// the worker is a one-line blob module that imports the real, bundled worker: connect-src then binds
// the worker's fetches and script-src 'wasm-unsafe-eval' allows its compile of the core. The import
// is from the site itself ('self'), and import.meta.url inside the worker stays the bundle's real URL,
// so the core's .wasm is found next to it under any CDN subpath.
import workerUrl from '../worker/worker.ts?worker&url';

let bootUrl: string | undefined;

/** The blob: URL of the boot module; made once, kept for restarts of the worker. */
function boot(): string {
  if (!bootUrl) {
    const target = new URL(workerUrl, document.baseURI).href;
    const source = `import ${JSON.stringify(target)};\n`;
    bootUrl = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  }
  return bootUrl;
}

/** `keepNothing`: the worker keeps its data in memory only (src/worker/storage-mode.ts). */
export function startWorker(keepNothing = false): Worker {
  return new Worker(boot(), { type: 'module', name: keepNothing ? 'sessionlens-memory' : 'sessionlens' });
}

/** The page was opened with `?store=none`: analyse, keep nothing. */
export function keepNothingAsked(): boolean {
  return typeof location !== 'undefined' && new URLSearchParams(location.search).get('store') === 'none';
}
