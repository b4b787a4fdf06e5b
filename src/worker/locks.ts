// One writer across tabs (SPEC §4): imports, settings changes, clearing and pruning run under one
// Web Lock, so two tabs never write at once; when one has written, the others hear of it on a
// BroadcastChannel and reload. Both are injectable so the service runs in Node tests.

export const LOCK_NAME = 'sessionlens-write';
export const CHANNEL_NAME = 'sessionlens';

/** Runs `job` holding the write lock; waits for any other holder first. */
export type Lock = <T>(job: () => Promise<T>) => Promise<T>;

/** What a tab tells the others: the stored data changed (new generation), written by `from`. */
export interface ChangeMessage {
  type: 'changed';
  from: string;
}

/** The Web Lock where there is one, else a queue in this realm (Node, or a browser without locks). */
export function defaultLock(): Lock {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks) return (job) => locks.request(LOCK_NAME, { mode: 'exclusive' }, job) as Promise<Awaited<ReturnType<typeof job>>>;
  return localQueue();
}

/** Jobs one after another in this realm only (each waits for the one before, failed or not). */
export function localQueue(): Lock {
  let queue: Promise<unknown> = Promise.resolve();
  return (job) => {
    const run = queue.then(job);
    queue = run.catch(() => {});
    return run;
  };
}

/** Posts change messages to the other tabs (nothing where BroadcastChannel is missing). */
export function defaultAnnounce(): (msg: ChangeMessage) => void {
  if (typeof BroadcastChannel === 'undefined') return () => {};
  const channel = new BroadcastChannel(CHANNEL_NAME);
  return (msg) => channel.postMessage(msg);
}
