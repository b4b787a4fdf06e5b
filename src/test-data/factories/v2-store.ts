// A database as schema v2 left it, for the upgrade tests: v1's and v2's upgrade steps verbatim, one
// merged session block and one endpoint statistics record, as v2's saveImport wrote them.
import { openDB } from 'idb';
import type { EndpointStats, SessionColumns } from '../../lib/core/types';

export const V2_SALT = '0123456789abcdef0123456789abcdef';

export async function makeV2Store(name: string, sessions: SessionColumns, endpoints: EndpointStats[]): Promise<void> {
  const v2 = await openDB(name, 2, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('imports', { keyPath: 'id', autoIncrement: true });
        const blocks = db.createObjectStore('sessionBlocks', { keyPath: 'id', autoIncrement: true });
        blocks.createIndex('byImport', 'importId');
        const meta = db.createObjectStore('meta', { keyPath: 'key' });
        void meta.put({ key: 'salt', value: V2_SALT });
      }
      if (oldVersion < 2) db.createObjectStore('endpoints', { keyPath: 'key' });
    }
  });
  const importId = (await v2.add('imports', {
    time: Date.UTC(2024, 0, 5),
    files: [{ name: 'week.log', size: 1000 }],
    format: 'combined',
    bytes: 1000,
    lines: 30,
    blank: 0,
    requests: 30,
    malformed: 0,
    truncated: 0,
    sessions: sessions.count,
    ms: 5,
    status: 'complete',
    stored: sessions.count
  })) as number;
  await v2.add('sessionBlocks', { importId, columns: sessions });
  await v2.put('endpoints', { key: 'all', stats: endpoints });
  v2.close();
}
