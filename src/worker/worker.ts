// The worker entry: compiles the core once, opens the store, exposes the service. Nothing else.
import { expose } from 'comlink';
import wasmUrl from '../../dist/core.wasm?url&no-inline';
import { analyse, compileCore, previewLogs } from '../lib/core/analyse';
import { openStore } from '../lib/storage/store';
import { defaultAnnounce, defaultLock } from './locks';
import { SessionService } from './service';
import { chooseStorage } from './storage-mode';
import type { WorkerApi } from './api';

let core: Promise<WebAssembly.Module> | undefined;

/** Compiled on first use, once; a failed compile (e.g. the file missing) is retried next time. */
function compiled(): Promise<WebAssembly.Module> {
  // Resolved against this module: the worker runs from a blob: URL (src/lib/worker-start.ts), against
  // which a path (Vite's dev server gives one) cannot be resolved. The build gives an absolute URL.
  core ??= compileCore(fetch(new URL(wasmUrl, import.meta.url))).catch((err: unknown) => {
    core = undefined;
    throw err;
  });
  return core;
}

const service: WorkerApi = new SessionService({
  analyse: async (sources, opts) => analyse(await compiled(), sources, opts),
  preview: async (sources, opts) => previewLogs(await compiled(), sources, opts),
  // The page names the worker 'sessionlens-memory' when the user asked to keep nothing.
  storage: chooseStorage(self.name === 'sessionlens-memory'),
  openStore: (onClose) => openStore(undefined, onClose),
  lock: defaultLock(),
  announce: defaultAnnounce()
});

expose(service);

// The service returns failures as values; anything that still escapes is a bug: log it, keep running.
self.addEventListener('unhandledrejection', (e) => {
  console.error('SessionLens worker: unhandled rejection', e.reason);
  e.preventDefault();
});
// The page's Content-Security-Policy binds this worker (it starts from a blob: URL, see
// src/lib/worker-start.ts); a refusal here is reported on this worker, not the page: say it where the
// page's console (and the end-to-end tests watching it) will see it.
self.addEventListener('securitypolicyviolation', (e) => {
  console.error(`SessionLens worker: Content-Security-Policy refused ${e.blockedURI || 'an action'} (${e.effectiveDirective})`);
});
