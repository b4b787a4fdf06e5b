// A database as schema v1 left it, for the upgrade tests: v1's upgrade step verbatim, and blocks as
// v1's saveImport wrote them (one per import) — an old one without the key columns, and one the
// current core wrote (with key hashes, but made with the core's built-in salt).
import { openDB } from 'idb';
import { makeColumns } from './sessions';

export const V1_SALT = '00112233445566778899aabbccddeeff';

export async function makeV1Store(name: string): Promise<{ first: number; second: number }> {
  const v1 = await openDB(name, 1, {
    upgrade(db) {
      db.createObjectStore('imports', { keyPath: 'id', autoIncrement: true });
      const blocks = db.createObjectStore('sessionBlocks', { keyPath: 'id', autoIncrement: true });
      blocks.createIndex('byImport', 'importId');
      const meta = db.createObjectStore('meta', { keyPath: 'key' });
      void meta.put({ key: 'salt', value: V1_SALT });
    }
  });
  const record = (file: string, sessions: number) => ({
    time: Date.UTC(2024, 0, 5),
    files: [{ name: file, size: 100 }],
    format: 'combined',
    bytes: 100,
    lines: 3,
    blank: 0,
    requests: 3,
    malformed: 0,
    truncated: 0,
    sessions,
    ms: 5,
    status: 'complete'
  });
  const old = makeColumns(2) as unknown as Record<string, unknown>;
  for (const k of ['keyKind', 'keyHash', 'status', 'bytes', 'ipSet', 'ipSetStart']) delete old[k];
  const first = (await v1.add('imports', record('monday.log', 2))) as number;
  await v1.add('sessionBlocks', { importId: first, columns: old });
  const second = (await v1.add('imports', record('tuesday.log', 4))) as number;
  await v1.add('sessionBlocks', { importId: second, columns: makeColumns(4) });
  v1.close();
  return { first, second };
}
