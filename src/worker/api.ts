// The worker's typed surface: the only thing the page imports from the worker side (types only).
import type { FilePreview } from '../lib/core/analyse';
import type { InputError, ParsedRequest, Progress, Result, Session, Summary } from '../lib/core/types';

export type { FilePreview, InputError, ParsedRequest, Progress, Result, Session, Summary };

/**
 * The format the user chose for every file of an import. `format` is a name of the core's
 * FORMAT_CHOICES, `nginx:<log_format>` or `apache:<LogFormat>`; undefined, '' or 'auto' detects each
 * file's own. `mapping` is a JSON field mapping (`time=ts,ip=client.addr,…`), for JSON logs only.
 */
export interface FormatChoice {
  format?: string;
  mapping?: string;
}

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
  importSources(
    sources: ImportSource[],
    onProgress?: (p: Progress) => void,
    choice?: FormatChoice
  ): Promise<Result<ImportReport>>;
  /**
   * Reads only the head of each source: its format (detected, or the chosen one) and its first parsed
   * requests, one entry per source in order. Stores nothing and never rejects for bad input: a file
   * that cannot be read or recognised, or an invalid choice (kind 'bad-format'), comes back as the
   * entry's `error`.
   */
  previewSources(sources: ImportSource[], choice?: FormatChoice): Promise<FilePreview[]>;
  /** Cancels the running import, if any; it then resolves to an error value and stores nothing. */
  cancelImport(): Promise<void>;
  /** Stored sessions `offset .. offset+limit`, sorted by start. */
  listSessions(offset: number, limit: number): Promise<SessionPage>;
  sessionTotal(): Promise<number>;
}
