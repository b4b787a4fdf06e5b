// What the worker and the CLI call. Implemented in engine.ts / analyse.ts (owned by the core).
// This file only documents the contract so the page and the CLI can be built against it.
export type { Summary, SessionColumns, Session, InputError, Result, Progress, MalformedSample } from './types';

/** A log to read: a File/Blob, a fetched body, a Node file or stdin — anything that streams bytes. */
export interface LogSource {
  name: string;
  /** Size in bytes when known (for progress); compressed size for .gz. */
  size?: number;
  stream(): ReadableStream<Uint8Array>;
  /**
   * Where the platform can (the CLI's files): reads the raw bytes on from `offset` synchronously
   * straight into the caller's buffer, which for a plain (not gzip) log spares a buffer per read
   * and a copy through the stream. The stream still opens the file (compression, format).
   */
  readAt?(offset: number): DirectReader;
}

/** A synchronous reader of raw bytes (see LogSource.readAt). */
export interface DirectReader {
  /** Reads into `into`; returns how many bytes, 0 at the end of the file. */
  read(into: Uint8Array): number;
  close(): void;
}

export interface AnalyseOptions {
  /** Inactivity timeout in ms (default 30 min). */
  inactivityMs?: number;
  onProgress?: (p: import('./types').Progress) => void;
  signal?: AbortSignal;
  /**
   * Every parsed request, a block per chunk read (several per file, none lost or repeated),
   * awaited before reading on: a slow consumer slows the import. A file that then fails may
   * already have delivered blocks. An error thrown here rejects analyse(). The block is the
   * consumer's alone (analyse keeps no reference): it may let it go at once (releaseRequests).
   */
  onRequests?: (block: import('./requests').RequestColumns) => void | Promise<void>;
  /**
   * Whether the sessions get their labels and risk (default true). Without them the columns'
   * labelBits and risk stay zero: for callers that print counts or endpoints only.
   */
  scores?: boolean;
}
