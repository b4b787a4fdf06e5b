import { describe, expect, it } from 'vitest';
import { readStorage, requestPersistence } from './storage-figures';

const manager = (over: Partial<StorageManager>): StorageManager => over as StorageManager;

describe('storage figures', () => {
  it('reads use, quota and persistence, and asks for persistence', async () => {
    let asked = 0;
    const m = manager({
      estimate: async () => ({ usage: 1234, quota: 10_000 }),
      persisted: async () => false,
      persist: async () => (++asked, true)
    });
    expect(await readStorage(m)).toEqual({ usage: 1234, quota: 10_000, persisted: false, canPersist: true });
    expect(await requestPersistence(m)).toBe(true);
    expect(asked).toBe(1);
  });

  it('says nothing is known where the browser has no StorageManager or it fails', async () => {
    expect(await readStorage(undefined)).toEqual({ usage: 0, quota: 0, persisted: false, canPersist: false });
    const failing = manager({ estimate: () => Promise.reject(new Error('no')), persisted: () => Promise.reject(new Error('no')) });
    expect(await readStorage(failing)).toEqual({ usage: 0, quota: 0, persisted: false, canPersist: false });
    expect(await requestPersistence(manager({ persist: () => Promise.reject(new Error('denied')) }))).toBe(false);
  });
});
