// The worker's typed surface: the only thing the page imports from the worker side (types only).
import type { InputError, Progress, Result, Session, Summary } from '../lib/core/types';

export type { InputError, Progress, Result, Session, Summary };

/**
 * A log to import. Files are structured-cloned into the worker and streamed there; a URL (absolute,
 * resolved by the page) is fetched by the worker and its body streamed.
 */
export type ImportSource = { kind: 'file'; file: File } | { kind: 'url'; url: string; name: string };

/** The summary of one import, how long it took, and how many sessions are stored after it. */
export interface ImportReport extends Summary {
  /** Time taken to read, parse and group, ms. */
  ms: number;
  /** Sessions stored in total after this import. */
  stored: number;
}

export interface SessionPage {
  /** Sessions stored in total. */
  total: number;
  /** The requested rows, sorted by start (ties by id). */
  rows: Session[];
}

export interface WorkerApi {
  /**
   * Reads, analyses and stores the sources as one import. Never rejects for bad input: a failure comes
   * back as an error value naming the file, and leaves stored data exactly as before. Imports run one at
   * a time; a second call waits for the first. `onProgress` must be passed as a comlink `proxy`.
   */
  importSources(sources: ImportSource[], onProgress?: (p: Progress) => void): Promise<Result<ImportReport>>;
  /** Cancels the running import, if any; it then resolves to an error value and stores nothing. */
  cancelImport(): Promise<void>;
  /** Stored sessions `offset .. offset+limit`, sorted by start. */
  listSessions(offset: number, limit: number): Promise<SessionPage>;
  sessionTotal(): Promise<number>;
}
