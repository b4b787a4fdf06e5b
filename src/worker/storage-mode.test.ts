// The in-memory fallback when IndexedDB is refused (issue 8 "IndexedDB unavailable"). Runs without
// fake-indexeddb installed up front: this file's realm starts with no IndexedDB at all, as a
// browser that refuses storage behaves for the page.
import { describe, expect, it } from 'vitest';
import { chooseStorage, indexedDbWorks } from './storage-mode';

describe('storage mode', () => {
  it('finds no IndexedDB, falls back to one in memory, and the app stores and reads there', async () => {
    expect((globalThis as { indexedDB?: unknown }).indexedDB).toBeUndefined();
    expect(await indexedDbWorks()).toBe('this browser has no IndexedDB');
    const mode = await chooseStorage(false);
    expect(mode).toEqual({ kind: 'memory', reason: 'refused', detail: 'this browser has no IndexedDB' });
    expect(await indexedDbWorks()).toBeNull();
    const { openStore, listImports, beginImport } = await import('../lib/storage/store');
    const db = await openStore('memory-mode');
    await beginImport(db, [{ name: 'a.log', size: 1 }]);
    expect((await listImports(db)).map((r) => r.status)).toEqual(['pending']);
  });

  it('keeps nothing when asked, even where IndexedDB works', async () => {
    expect(await chooseStorage(true)).toEqual({ kind: 'memory', reason: 'asked' });
  });
});
