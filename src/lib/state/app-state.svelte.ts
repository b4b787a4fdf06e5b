// The page's state: a small runes class around the worker. Views read its getters and call its methods;
// they never talk to the worker themselves.
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import type { ImportReport, ImportSource, InputError, Progress, Session, WorkerApi } from '../../worker/api';

/** Rows shown in the sessions table; a virtualised list replaces this cap later (SPEC §5). */
export const PAGE_SIZE = 200;

function createWorker(): Worker {
  // Written out in full here so Vite sees it and bundles the worker as a module.
  return new Worker(new URL('../../worker/worker.ts', import.meta.url), { type: 'module', name: 'sessionlens' });
}

export class AppState {
  #api: Remote<WorkerApi> | undefined;
  #worker: Worker | undefined;

  #rows = $state.raw<Session[]>([]);
  #total = $state(0);
  #loaded = $state(false);
  #busy = $state(false);
  #progress = $state.raw<Progress | null>(null);
  #report = $state.raw<ImportReport | null>(null);
  #error = $state.raw<InputError | null>(null);

  /** The first PAGE_SIZE stored sessions, by start. */
  get rows(): Session[] {
    return this.#rows;
  }
  /** Sessions stored in total. */
  get total(): number {
    return this.#total;
  }
  /** True once the stored sessions have been read at start-up. */
  get loaded(): boolean {
    return this.#loaded;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get progress(): Progress | null {
    return this.#progress;
  }
  /** The last successful import, until the next one starts. */
  get report(): ImportReport | null {
    return this.#report;
  }
  /** The last failure, until the next import starts. */
  get error(): InputError | null {
    return this.#error;
  }

  /** `api` is for tests; the page lets the class start its own worker. */
  constructor(api?: Remote<WorkerApi>) {
    this.#api = api;
  }

  /** Starts the worker (once) and shows what is already stored. */
  async start(): Promise<void> {
    if (!this.#api) {
      const worker = createWorker();
      worker.addEventListener('error', () => {
        // Calls already made will never be answered; say so rather than spin.
        this.#fail('', 'The import worker could not start. Reload the page to try again.');
        this.#busy = false;
        this.#loaded = true;
      });
      this.#worker = worker;
      this.#api = wrap<WorkerApi>(worker);
    }
    await this.refresh();
  }

  /** Re-reads the first page of stored sessions and the total. */
  async refresh(): Promise<void> {
    try {
      const page = await this.#remote().listSessions(0, PAGE_SIZE);
      this.#rows = page.rows;
      this.#total = page.total;
    } catch (err) {
      this.#fail('', `Could not read the stored sessions: ${messageOf(err)}`);
    } finally {
      this.#loaded = true;
    }
  }

  importFiles(files: File[]): Promise<void> {
    return this.#import(files.map((file) => ({ kind: 'file', file })));
  }

  /** `url` must be absolute: the worker resolves nothing against the page. */
  importUrl(url: string, name: string): Promise<void> {
    return this.#import([{ kind: 'url', url, name }]);
  }

  cancel(): void {
    if (this.#busy) void this.#remote().cancelImport();
  }

  /** Stops the worker; for the page's teardown and tests. */
  dispose(): void {
    this.#api?.[releaseProxy]();
    this.#worker?.terminate();
    this.#api = undefined;
    this.#worker = undefined;
  }

  async #import(sources: ImportSource[]): Promise<void> {
    if (this.#busy || sources.length === 0) return;
    this.#busy = true;
    this.#error = null;
    this.#report = null;
    this.#progress = null;
    try {
      const onProgress = proxy((p: Progress) => {
        this.#progress = p;
      });
      const res = await this.#remote().importSources(sources, onProgress);
      if (res.ok) {
        this.#report = res.value;
        await this.refresh();
      } else {
        this.#error = res.error;
      }
    } catch (err) {
      const names = sources.map((s) => (s.kind === 'file' ? s.file.name : s.name)).join(', ');
      this.#fail(names, `Import of ${names} failed: ${messageOf(err)}`);
    } finally {
      this.#busy = false;
      this.#progress = null;
    }
  }

  #remote(): Remote<WorkerApi> {
    if (!this.#api) throw new Error('the worker is not started');
    return this.#api;
  }

  #fail(file: string, message: string): void {
    this.#error = { kind: 'read-failed', file, message };
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
