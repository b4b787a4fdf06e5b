// The figures of a running import (SPEC §5 "progress (bytes, lines/s, time left)"), from the worker's
// Progress reports and what the page knows of the sources it sent: per file, its bytes read of its
// size; overall, bytes and lines; rates over the last seconds; time left. Plain data, no DOM.
import type { Progress } from './core/types';

/**
 * Rates are measured over the reports of about this long: long enough to smooth the steps of chunked
 * reading (the worker reports at most every 100 ms), short enough to follow a change of pace (a
 * slower .gz file after a plain one).
 */
export const RATE_WINDOW_MS = 2000;

/** Below this span of time between the reports measured, a rate would be noise: none is given. */
export const MIN_RATE_SPAN_MS = 250;

/** A source of the import as the page sent it: a file's size, null when unknown (a URL). */
export interface SourceSize {
  name: string;
  size: number | null;
}

export type FileState = 'done' | 'current' | 'waiting';

export interface FileFigures {
  name: string;
  /** Null when not known (a URL without Content-Length). */
  size: number | null;
  /** Bytes read of this file (compressed bytes for .gz, as its size is). */
  read: number;
  state: FileState;
}

export interface ProgressFigures {
  files: FileFigures[];
  /** Index of the file being read. */
  current: number;
  /** True once the worker has reported anything. */
  started: boolean;
  bytesRead: number;
  /** Null when some source's size is unknown. */
  bytesTotal: number | null;
  lines: number;
  /** Over the last RATE_WINDOW_MS; null until reports span MIN_RATE_SPAN_MS. */
  linesPerSecond: number | null;
  bytesPerSecond: number | null;
  /** Remaining bytes at the recent byte rate; null when the total or the rate is unknown. */
  msLeft: number | null;
  /** Every byte is read (known only with a known total): the sessions are being made and stored. */
  allRead: boolean;
}

interface Sample {
  t: number;
  bytes: number;
  lines: number;
}

export class ProgressTracker {
  readonly #sources: SourceSize[];
  readonly #window: number;
  /** Reports within the window, and the newest one before it (the rates' baseline). */
  #samples: Sample[];
  #last: Progress | null = null;
  /** The most bytes reported while an earlier file was read: where a file of unknown size ended. */
  #readBefore: number[];

  /**
   * `start` is when the import was asked for (ms, the clock `add` is given): it counts as a report of
   * nothing read, so a rate shows from the first real report on.
   */
  constructor(sources: SourceSize[], start: number, windowMs = RATE_WINDOW_MS) {
    this.#sources = sources;
    this.#window = windowMs;
    this.#samples = [{ t: start, bytes: 0, lines: 0 }];
    this.#readBefore = sources.map(() => 0);
  }

  /** Takes a report received at `now` (ms) and gives the figures after it. */
  add(p: Progress, now: number): ProgressFigures {
    const last = this.#last;
    // Reports come in order; one out of it (or a repeat) adds nothing to the rates.
    if (!last || p.bytesRead >= last.bytesRead) {
      this.#samples.push({ t: now, bytes: p.bytesRead, lines: p.lines });
      while (this.#samples.length > 2 && this.#samples[1].t <= now - this.#window) this.#samples.shift();
    }
    for (let i = p.fileIndex + 1; i < this.#readBefore.length; i++) this.#readBefore[i] = Math.max(this.#readBefore[i], p.bytesRead);
    this.#last = p;
    return this.figures();
  }

  figures(): ProgressFigures {
    const p = this.#last;
    const sizes = this.#sizes(p);
    const total = sizes.every((s) => s !== null) ? sizes.reduce<number>((n, s) => n + (s ?? 0), 0) : null;
    const bytesRead = p?.bytesRead ?? 0;
    const current = Math.min(Math.max(p?.fileIndex ?? 0, 0), Math.max(this.#sources.length - 1, 0));
    const allRead = p !== null && total !== null && bytesRead >= total;
    const { bytesPerSecond, linesPerSecond } = this.#rates();
    const files = this.#sources.map((s, i): FileFigures => {
      const size = sizes[i];
      if (i > current) return { name: s.name, size, read: 0, state: 'waiting' };
      const start = this.#start(i, sizes);
      // A file before the current one ends where the next begins; the current one, at the bytes read.
      const end = i < current ? Math.min(bytesRead, this.#start(i + 1, sizes)) : bytesRead;
      const read = Math.max(0, end - start);
      const capped = size === null ? read : Math.min(read, size);
      if (i < current || allRead) return { name: s.name, size, read: size ?? capped, state: 'done' };
      return { name: s.name, size, read: capped, state: 'current' };
    });
    const msLeft =
      total !== null && bytesPerSecond !== null && bytesPerSecond > 0 ? (Math.max(0, total - bytesRead) / bytesPerSecond) * 1000 : null;
    return {
      files,
      current,
      started: p !== null,
      bytesRead,
      bytesTotal: total,
      lines: p?.lines ?? 0,
      linesPerSecond,
      bytesPerSecond,
      msLeft: allRead ? 0 : msLeft,
      allRead
    };
  }

  /**
   * Each source's size: as the page sent it, or, for the one source of unknown size, what the
   * worker's total has beyond the known sizes (a URL's Content-Length). With two or more unknown,
   * they stay unknown.
   */
  #sizes(p: Progress | null): (number | null)[] {
    const sizes = this.#sources.map((s) => (s.size !== null && s.size >= 0 ? s.size : null));
    const unknown = sizes.flatMap((s, i) => (s === null ? [i] : []));
    if (unknown.length !== 1 || !p) return sizes;
    const known = sizes.reduce<number>((n, s) => n + (s ?? 0), 0);
    if (p.bytesTotal > known) sizes[unknown[0]] = p.bytesTotal - known;
    return sizes;
  }

  /** Where file `i` starts in the running byte count: the sizes before it, or what was read before it. */
  #start(i: number, sizes: (number | null)[]): number {
    let known = 0;
    for (let j = 0; j < i; j++) {
      const s = sizes[j];
      if (s === null) return Math.max(known, this.#readBefore[i]);
      known += s;
    }
    return known;
  }

  #rates(): { bytesPerSecond: number | null; linesPerSecond: number | null } {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    const span = last.t - first.t;
    if (span < MIN_RATE_SPAN_MS) return { bytesPerSecond: null, linesPerSecond: null };
    const bytes = last.bytes - first.bytes;
    const lines = last.lines - first.lines;
    return {
      bytesPerSecond: (bytes / span) * 1000,
      // The core counts lines as it parses, a chunk of several MiB at a time, behind the bytes read:
      // bytes that came in with no line counted mean "not parsed yet", not "no lines".
      linesPerSecond: lines === 0 && bytes > 0 ? null : (lines / span) * 1000
    };
  }
}
