import type { InputError } from './types';
import type { LineCounts } from './engine';

// Whether a file is a log at all (SPEC §1: binary, or almost no line parses, stops the import).

/** Below this share of parsed non-blank lines a file is "not a log". */
const MIN_PARSED_SHARE = 0.1;
/** Lines to see before judging a file early, so a huge non-log stops quickly. */
const EARLY_LINES = 2000;

function notALog(file: string, c: LineCounts): InputError {
  const nonBlank = c.lines - c.blank;
  return {
    kind: 'not-a-log',
    file,
    message: `${file}: not an access log in a format SessionLens reads (${c.requests} of ${nonBlank} lines parse)`
  };
}

/** Judged while reading: only clear cases, after enough lines. */
export function earlyVerdict(file: string, c: LineCounts): InputError | null {
  const nonBlank = c.lines - c.blank;
  if (nonBlank >= EARLY_LINES && c.requests < nonBlank * MIN_PARSED_SHARE) return notALog(file, c);
  return null;
}

/** Judged at the end of a file. */
export function finalVerdict(file: string, c: LineCounts, bytes: number, format = ''): InputError | null {
  if (bytes === 0) return { kind: 'empty', file, message: `${file}: the file is empty` };
  if (c.requests === 0 && c.skipped > 0) {
    return {
      kind: 'not-a-log',
      file,
      message: `${file}: none of its ${c.skipped} records has the request fields of the ${format || 'chosen'} format; choose another format or give a field mapping`
    };
  }
  const nonBlank = c.lines - c.blank;
  if (nonBlank === 0) return { kind: 'empty', file, message: `${file}: the file has only blank lines` };
  if (c.requests < nonBlank * MIN_PARSED_SHARE || c.requests === 0) return notALog(file, c);
  return null;
}

/** Text logs have no NUL bytes; binary files (and UTF-16 text) do, early on. */
export function looksBinary(head: Uint8Array): boolean {
  const n = Math.min(head.length, 4096);
  for (let i = 0; i < n; i++) if (head[i] === 0) return true;
  return false;
}
