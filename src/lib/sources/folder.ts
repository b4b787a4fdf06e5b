// Files out of a dropped or picked folder (SPEC §1 "a dropped folder"): every file in it, recursively,
// without hidden files, named by their path in the folder and sorted by it. No DOM types needed: the
// walker takes the small part of the File and Directory Entries API it uses, so tests pass fakes.

/** What the walker reads of a `FileSystemEntry`. */
export interface EntryLike {
  readonly name: string;
  /** `/logs/a/access.log` for a file of a dropped folder `logs`. */
  readonly fullPath: string;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
}

export interface FileEntryLike extends EntryLike {
  file(success: (file: File) => void, error?: (err: unknown) => void): void;
}

export interface DirectoryEntryLike extends EntryLike {
  createReader(): { readEntries(success: (entries: EntryLike[]) => void, error?: (err: unknown) => void): void };
}

/** What a walk found: the files to import, and the paths of the hidden ones it left out. */
export interface FolderFiles {
  files: File[];
  skipped: string[];
}

/**
 * Names a folder holds that are not logs but the system's bookkeeping: dot files and folders
 * (`.DS_Store`, `._name` AppleDouble files, `.git/`), and Windows' `Thumbs.db` and `desktop.ini`.
 */
export function isHidden(name: string): boolean {
  return name.startsWith('.') || /^(thumbs\.db|desktop\.ini)$/i.test(name);
}

// Numeric, so `access.log.2` comes before `access.log.10`; a fixed locale, so the order is the same
// on every machine.
const collator = new Intl.Collator('en', { numeric: true });

/** Files sorted by name (their path, when they came from a folder). */
export function sortByName(files: File[]): File[] {
  return [...files].sort((a, b) => collator.compare(a.name, b.name));
}

/** The file under another name, without copying its bytes (a Blob made of a Blob refers to it). */
export function renamed(file: File, name: string): File {
  if (file.name === name) return file;
  return new File([file], name, { type: file.type, lastModified: file.lastModified });
}

/**
 * Reads dropped entries: a file is kept as it is; a folder gives every file in it and its subfolders,
 * each named by its path from the dropped folder (`logs/a/access.log`: two `access.log` of different
 * folders stay apart), hidden ones left out. Sorted by name when a folder was among them; a drop of
 * files only keeps its order. Rejects, naming the path, when a folder or file cannot be read.
 */
export async function filesOfEntries(entries: EntryLike[]): Promise<FolderFiles> {
  const out: FolderFiles = { files: [], skipped: [] };
  for (const entry of entries) {
    if (entry.isDirectory) await walk(entry as DirectoryEntryLike, out);
    else if (entry.isFile) out.files.push(await fileOf(entry as FileEntryLike));
  }
  return { files: entries.some((e) => e.isDirectory) ? sortByName(out.files) : out.files, skipped: out.skipped };
}

async function walk(dir: DirectoryEntryLike, out: FolderFiles): Promise<void> {
  for (const entry of await readAll(dir)) {
    if (isHidden(entry.name)) {
      out.skipped.push(pathOf(entry));
      continue;
    }
    if (entry.isDirectory) await walk(entry as DirectoryEntryLike, out);
    else if (entry.isFile) out.files.push(await fileOf(entry as FileEntryLike));
  }
}

/** A folder's entries: readEntries hands them out in batches (Chromium: 100 a call) until an empty one. */
async function readAll(dir: DirectoryEntryLike): Promise<EntryLike[]> {
  const reader = dir.createReader();
  const all: EntryLike[] = [];
  for (;;) {
    const batch = await new Promise<EntryLike[]>((resolve, reject) =>
      reader.readEntries(resolve, (err) => reject(readError(pathOf(dir), err)))
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function fileOf(entry: FileEntryLike): Promise<File> {
  const file = await new Promise<File>((resolve, reject) => entry.file(resolve, (err) => reject(readError(pathOf(entry), err))));
  return renamed(file, pathOf(entry));
}

/** `logs/a/access.log`: the entry's path without the leading slash (its name if it has none). */
function pathOf(entry: EntryLike): string {
  return entry.fullPath.replace(/^\/+/, '') || entry.name;
}

function readError(path: string, err: unknown): Error {
  const why = err instanceof Error || err instanceof DOMException ? err.message : String(err);
  return new Error(`Could not read ${path}: ${why}`);
}

/**
 * Files of an `<input type=file webkitdirectory>`: each carries its path from the chosen folder in
 * `webkitRelativePath` (`logs/a/access.log`). Named by that path, hidden files and the contents of
 * hidden folders left out, sorted by name.
 */
export function filesOfPickedFolder(files: File[]): FolderFiles {
  const out: FolderFiles = { files: [], skipped: [] };
  for (const file of files) {
    const path = file.webkitRelativePath || file.name;
    // The first part is the chosen folder itself: the user picked it, hidden or not.
    const parts = path.split('/').slice(1);
    if (parts.some(isHidden)) out.skipped.push(path);
    else out.files.push(renamed(file, path));
  }
  return { files: sortByName(out.files), skipped: out.skipped };
}

/**
 * The entries of a drop, read while the event lasts (the DataTransfer is emptied once it returns), or
 * null where the browser gives none (no `webkitGetAsEntry`): then its `files` are all there is.
 */
export function entriesOfDrop(items: DataTransferItemList | undefined): EntryLike[] | null {
  if (!items) return null;
  const entries: EntryLike[] = [];
  for (const item of Array.from(items)) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (!entry) return null;
    entries.push(entry);
  }
  return entries;
}
