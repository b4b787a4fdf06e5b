import { describe, expect, it } from 'vitest';
import { filesOfEntries, filesOfPickedFolder, isHidden, type EntryLike } from './folder';

/** A fake folder tree: a string is a file's content, an object a folder. */
type Tree = { [name: string]: string | Tree };

/** Fake entries of a dropped `tree`, as Chromium hands them: readEntries in batches of `batch`. */
function entry(name: string, node: string | Tree, parent = '', batch = 2, log: string[] = []): EntryLike {
  const fullPath = `${parent}/${name}`;
  if (typeof node === 'string') {
    return {
      name,
      fullPath,
      isFile: true,
      isDirectory: false,
      file: (ok: (f: File) => void, fail: (e: unknown) => void) =>
        node === '!unreadable' ? fail(new DOMException('A requested file could not be read', 'NotReadableError')) : ok(new File([node], name))
    } as EntryLike;
  }
  const children = Object.entries(node).map(([n, c]) => entry(n, c, fullPath, batch, log));
  return {
    name,
    fullPath,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (e: EntryLike[]) => void) => {
          log.push(`${fullPath}@${at}`);
          const part = children.slice(at, at + batch);
          at += part.length;
          // Asynchronous, like the browser's.
          setTimeout(() => ok(part), 0);
        }
      };
    }
  } as EntryLike;
}

async function read(files: File[]): Promise<[string, string][]> {
  return Promise.all(files.map(async (f) => [f.name, await f.text()] as [string, string]));
}

describe('filesOfEntries', () => {
  it('reads a dropped folder recursively, every batch of every folder, named by path and sorted, hidden ones left out', async () => {
    const log: string[] = [];
    const tree: Tree = {
      'access.log.10': 'ten',
      'access.log.2': 'two',
      '.DS_Store': 'junk',
      'access.log': 'zero',
      'Thumbs.db': 'junk',
      '.git': { HEAD: 'ref' },
      b: { 'access.log': 'b0', '._access.log': 'apple double' },
      a: { 'access.log': 'a0', deeper: { 'x.log.gz': 'gz', 'y.log': 'y', 'z.log': 'z' } }
    };
    const { files, skipped } = await filesOfEntries([entry('logs', tree, '', 2, log)]);
    expect(await read(files)).toEqual([
      ['logs/a/access.log', 'a0'],
      ['logs/a/deeper/x.log.gz', 'gz'],
      ['logs/a/deeper/y.log', 'y'],
      ['logs/a/deeper/z.log', 'z'],
      ['logs/access.log', 'zero'],
      ['logs/access.log.2', 'two'],
      ['logs/access.log.10', 'ten'],
      ['logs/b/access.log', 'b0']
    ]);
    expect(skipped.sort()).toEqual(['logs/.DS_Store', 'logs/.git', 'logs/Thumbs.db', 'logs/b/._access.log']);
    // 8 entries in batches of 2: four full batches and the empty one that ends the folder.
    expect(log.filter((l) => l.startsWith('/logs@'))).toEqual(['/logs@0', '/logs@2', '/logs@4', '/logs@6', '/logs@8']);
    // The hidden folder is not even opened.
    expect(log.some((l) => l.startsWith('/logs/.git'))).toBe(false);
  });

  it('keeps the order and names of dropped files when no folder is among them, and their own hidden files', async () => {
    const { files, skipped } = await filesOfEntries([entry('b.log', 'B'), entry('.hidden.log', 'H'), entry('a.log', 'A')]);
    expect(await read(files)).toEqual([
      ['b.log', 'B'],
      ['.hidden.log', 'H'],
      ['a.log', 'A']
    ]);
    expect(skipped).toEqual([]);
  });

  it('takes files and folders dropped together, all sorted by name', async () => {
    const { files } = await filesOfEntries([entry('z.log', 'Z'), entry('logs', { 'a.log': 'A' }), entry('b.log', 'B')]);
    expect(files.map((f) => f.name)).toEqual(['b.log', 'logs/a.log', 'z.log']);
  });

  it('gives nothing for an empty folder, or one with hidden files only', async () => {
    expect((await filesOfEntries([entry('empty', {})])).files).toEqual([]);
    const only = await filesOfEntries([entry('mac', { '.DS_Store': 'x' })]);
    expect(only).toEqual({ files: [], skipped: ['mac/.DS_Store'] });
  });

  it('rejects naming the file that cannot be read', async () => {
    await expect(filesOfEntries([entry('logs', { 'ok.log': 'x', 'locked.log': '!unreadable' })])).rejects.toThrow(
      /^Could not read logs\/locked\.log: A requested file could not be read$/
    );
  });

  it('rejects naming the folder whose entries cannot be read', async () => {
    const broken = {
      name: 'gone',
      fullPath: '/gone',
      isFile: false,
      isDirectory: true,
      createReader: () => ({ readEntries: (_ok: unknown, fail: (e: unknown) => void) => fail(new DOMException('Not found', 'NotFoundError')) })
    } as EntryLike;
    await expect(filesOfEntries([broken])).rejects.toThrow('Could not read gone: Not found');
  });
});

describe('filesOfPickedFolder', () => {
  function picked(path: string, text = path): File {
    const f = new File([text], path.split('/').pop()!);
    Object.defineProperty(f, 'webkitRelativePath', { value: path });
    return f;
  }

  it('names files by their path in the folder, leaves hidden files and folders out, sorts by name', async () => {
    const { files, skipped } = filesOfPickedFolder([
      picked('logs/web-2.log', 'w2'),
      picked('logs/.DS_Store'),
      picked('logs/web-10.log', 'w10'),
      picked('logs/.cache/x.log'),
      picked('logs/old/web-1.log', 'w1')
    ]);
    expect(await read(files)).toEqual([
      ['logs/old/web-1.log', 'w1'],
      ['logs/web-2.log', 'w2'],
      ['logs/web-10.log', 'w10']
    ]);
    expect(skipped).toEqual(['logs/.DS_Store', 'logs/.cache/x.log']);
  });

  it('keeps a chosen folder that is itself hidden', () => {
    expect(filesOfPickedFolder([picked('.logs/a.log')]).files.map((f) => f.name)).toEqual(['.logs/a.log']);
  });
});

describe('isHidden', () => {
  it('knows dot files and the systems’ bookkeeping files, not logs', () => {
    for (const n of ['.DS_Store', '._a.log', '.git', 'Thumbs.db', 'desktop.ini', 'DESKTOP.INI']) expect(isHidden(n), n).toBe(true);
    for (const n of ['access.log', 'a.DS_Store', 'thumbs.db.log', 'x.gz']) expect(isHidden(n), n).toBe(false);
  });
});
