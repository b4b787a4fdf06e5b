// The sentence for a URL that could not be fetched at all (SPEC §1 "a URL read as a stream").
//
// When fetch() rejects, the browser says only "Failed to fetch" (Chromium), "NetworkError when
// attempting to fetch resource." (Firefox) or "Load failed" (Safari), and on purpose tells a page no
// more: a server that refused the page's origin (CORS), a name that does not resolve, a refused
// connection and a blocked request all look the same. So the sentence names the URL and the likely
// causes, and adds the browser's words only when they say something more.
import type { ImportSource, InputError } from '../worker/api';

/** What browsers and Node say when a fetch failed without an HTTP answer: nothing beyond that. */
const GENERIC = /^(failed to fetch|fetch failed|load failed|networkerror when attempting to fetch resource\.?|network error|type ?error)$/i;

/** `Could not fetch NAME: the server did not allow this page to read it (CORS) or could not be reached.` */
export function fetchErrorMessage(name: string, err: unknown): string {
  const detail = (err instanceof Error ? err.message : String(err ?? '')).trim();
  const base = `Could not fetch ${name}: the server did not allow this page to read it (CORS) or could not be reached.`;
  return detail && !GENERIC.test(detail) ? `${base} (${detail})` : base;
}

/**
 * The worker's error for a URL source, in those words, until the worker writes them itself: it says
 * `Could not fetch NAME: <the browser's message>` when fetch() rejects. Any other error (an HTTP
 * status, a parse failure, a file) is returned as it is.
 */
export function clarifyFetchError(error: InputError, sources: readonly ImportSource[]): InputError {
  if (error.kind !== 'read-failed') return error;
  for (const src of sources) {
    if (src.kind !== 'url' || error.file !== src.name) continue;
    const prefix = `Could not fetch ${src.name}: `;
    if (!error.message.startsWith(prefix)) continue;
    const rest = error.message.slice(prefix.length);
    if (rest.startsWith('the server answered') || rest.startsWith('the server did not allow')) continue;
    return { ...error, message: fetchErrorMessage(src.name, new Error(rest)) };
  }
  return error;
}
