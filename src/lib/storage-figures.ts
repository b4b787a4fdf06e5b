// Storage use and persistence as the browser reports them (navigator.storage); nothing where the
// browser has no StorageManager.

export interface StorageFigures {
  usage: number;
  /** 0 when unknown. */
  quota: number;
  persisted: boolean;
  /** The browser can be asked to keep the data (persist()). */
  canPersist: boolean;
}

export async function readStorage(storage: StorageManager | undefined = globalThis.navigator?.storage): Promise<StorageFigures> {
  if (!storage) return { usage: 0, quota: 0, persisted: false, canPersist: false };
  const [estimate, persisted] = await Promise.all([
    storage.estimate?.().catch(() => ({}) as StorageEstimate) ?? Promise.resolve({} as StorageEstimate),
    storage.persisted?.().catch(() => false) ?? Promise.resolve(false)
  ]);
  return { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0, persisted, canPersist: typeof storage.persist === 'function' };
}

/** Asks the browser to keep the data (it may ask the user, or decide by itself); true when granted. */
export async function requestPersistence(storage: StorageManager | undefined = globalThis.navigator?.storage): Promise<boolean> {
  try {
    return (await storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
