// The worker's service on the real core and an in-memory IndexedDB (fake-indexeddb, imported by the
// test file): a database of its own per call, `make` for a second service on it (another tab).
import { analyse, previewLogs } from '../../src/lib/core/analyse';
import { openStore } from '../../src/lib/storage/store';
import type { ImportSource } from '../../src/worker/api';
import { SessionService, type Analyse } from '../../src/worker/service';
import { core } from './core';

let n = 0;

export function coreService(prefix = 'svc', wrap?: (a: Analyse) => Analyse, name = `${prefix}-${++n}`) {
  const base: Analyse = async (sources, opts) => analyse(await core(), sources, opts);
  const make = () =>
    new SessionService({
      analyse: wrap ? wrap(base) : base,
      preview: async (sources, opts) => previewLogs(await core(), sources, opts),
      openStore: (onClose) => openStore(name, onClose)
    });
  return { service: make(), make, name, db: () => openStore(name) };
}

/** Log text as a picked file. */
export const fileSource = (text: string, name = 'access.log'): ImportSource => ({ kind: 'file', file: new File([text], name) });
