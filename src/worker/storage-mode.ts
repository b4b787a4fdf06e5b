// Where the worker keeps data: the browser's IndexedDB, or — when the browser refuses it (storage
// blocked for the site, some private modes) or the user asked to keep nothing — an IndexedDB that
// lives in this worker's memory (fake-indexeddb, loaded only then). The same code runs on both; in
// memory nothing outlives the tab, and the page says so (SPEC §7, issue 8 "IndexedDB unavailable").

export type StorageMode = { kind: 'persistent' } | { kind: 'memory'; reason: 'refused' | 'asked'; detail?: string };

/** True when this realm's IndexedDB opens a database (a throwaway one, deleted again). */
export async function indexedDbWorks(timeoutMs = 5000): Promise<string | null> {
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) return 'this browser has no IndexedDB';
  try {
    return await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve('IndexedDB did not answer'), timeoutMs);
      const req = factory.open('sessionlens-probe');
      req.onsuccess = () => {
        clearTimeout(timer);
        req.result.close();
        factory.deleteDatabase('sessionlens-probe');
        resolve(null);
      };
      req.onerror = () => {
        clearTimeout(timer);
        resolve(req.error?.message || req.error?.name || 'IndexedDB refused to open');
      };
      req.onblocked = () => {
        clearTimeout(timer);
        resolve(null);
      };
    });
  } catch (err) {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
}

/**
 * Decides the mode once, before anything touches IndexedDB (idb caches the classes it wraps): when
 * memory it is, an in-memory IndexedDB takes the place of the browser's in this worker.
 */
export async function chooseStorage(keepNothing: boolean): Promise<StorageMode> {
  const refused = keepNothing ? null : await indexedDbWorks();
  if (!keepNothing && refused === null) return { kind: 'persistent' };
  await import('fake-indexeddb/auto');
  return keepNothing ? { kind: 'memory', reason: 'asked' } : { kind: 'memory', reason: 'refused', detail: refused ?? undefined };
}
