import type { InputError } from './types';
import type { LineCounts } from './engine';

// Whether a file is a log at all (SPEC §1: binary, or almost no line parses, stops the import).

/** Below this share of parsed non-blank lines a file is "not a log". */
const MIN_PARSED_SHARE = 0.1;
/** Lines to see before judging a file early, so a huge non-log stops quickly. */
const EARLY_LINES = 2000;

function notALog(file: string, c: LineCounts): InputError {
  const nonBlank = c.lines - c.blank;
  // a line over 64 KiB is cut, then parsed: say so, or "0 of 1 lines parse" of a 200 MB line puzzles
  const cut = c.truncated === 0 ? '' : `; ${c.truncated === 1 ? 'one line was' : `${c.truncated} lines were`} longer than 64 KiB and cut`;
  return {
    kind: 'not-a-log',
    file,
    message: `${file}: not an access log in a format SessionLens reads (${c.requests} of ${nonBlank} lines parse${cut})`
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

/** Bytes of a head looked at for NUL bytes: text logs have none, binary files (and UTF-16) do, early on. */
const TEXT_SNIFF = 4096;

/**
 * Why a file's first bytes are not a text log, or null: UTF-16 text (by its byte order mark, or by
 * its ASCII characters' zero halves), or binary data (a NUL byte early on, as git and grep judge).
 * The message says where, so that a log with a stray NUL can be found and mended.
 */
export function notText(file: string, head: Uint8Array): InputError | null {
  const n = Math.min(head.length, TEXT_SNIFF);
  const nul = head.subarray(0, n).indexOf(0);
  const utf16 = utf16Order(head.subarray(0, n));
  if (utf16) {
    return {
      kind: 'binary',
      file,
      message: `${file}: UTF-16 text (${utf16}), which SessionLens does not read: convert it to UTF-8 first (for example \`iconv -f UTF-16 -t UTF-8\`, or save it as UTF-8)`
    };
  }
  if (nul < 0) return null;
  let line = 1;
  for (let i = 0; i < nul; i++) if (head[i] === 10) line++;
  return { kind: 'binary', file, message: `${file}: binary data, not a text log (a NUL byte on line ${line}, byte ${nul + 1})` };
}

/** 'little-endian' or 'big-endian' when `head` reads as UTF-16, else null. */
function utf16Order(head: Uint8Array): string | null {
  if (head[0] === 0xff && head[1] === 0xfe && !(head[2] === 0 && head[3] === 0)) return 'little-endian';
  if (head[0] === 0xfe && head[1] === 0xff) return 'big-endian';
  // no mark: ASCII in UTF-16 is every other byte zero
  const pairs = Math.floor(head.length / 2);
  if (pairs < 8) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (head[i] === 0) evenZero++;
    if (head[i + 1] === 0) oddZero++;
  }
  if (oddZero >= pairs * 0.9 && evenZero <= pairs * 0.05) return 'little-endian';
  if (evenZero >= pairs * 0.9 && oddZero <= pairs * 0.05) return 'big-endian';
  return null;
}
