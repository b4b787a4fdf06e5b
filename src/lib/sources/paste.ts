// Pasted log lines (SPEC §1 "pasted text") become a file like any other: the same preview, the same
// import, the same stream reading in the worker.

/** The name a paste is shown, previewed and recorded by. */
export const PASTED_NAME = 'pasted.log';

/**
 * The pasted text as a file (UTF-8, as typed: the core reads CRLF and blank lines itself), or null
 * when there is nothing but white space in it.
 */
export function pastedFile(text: string, name = PASTED_NAME): File | null {
  if (!/\S/.test(text)) return null;
  return new File([text], name, { type: 'text/plain' });
}
