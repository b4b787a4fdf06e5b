import { describe, expect, it } from 'vitest';
import type { ImportSource, InputError } from '../worker/api';
import { clarifyFetchError, fetchErrorMessage } from './fetch-error';

const URL_ = 'http://127.0.0.1:9/logs/access.log';
const CLEAR = `Could not fetch ${URL_}: the server did not allow this page to read it (CORS) or could not be reached.`;

describe('fetchErrorMessage', () => {
  it('names the URL and the likely causes for what browsers say of a failed fetch', () => {
    for (const said of ['Failed to fetch', 'NetworkError when attempting to fetch resource.', 'Load failed', 'fetch failed']) {
      expect(fetchErrorMessage(URL_, new TypeError(said)), said).toBe(CLEAR);
    }
    expect(fetchErrorMessage(URL_, undefined)).toBe(CLEAR);
  });

  it('adds the browser’s words when they say more', () => {
    expect(fetchErrorMessage(URL_, new TypeError('Failed to parse URL from x'))).toBe(`${CLEAR} (Failed to parse URL from x)`);
    expect(fetchErrorMessage(URL_, 'connect ECONNREFUSED 127.0.0.1:9')).toBe(`${CLEAR} (connect ECONNREFUSED 127.0.0.1:9)`);
  });
});

describe('clarifyFetchError', () => {
  const sources: ImportSource[] = [
    { kind: 'file', file: new File(['x'], 'a.log') },
    { kind: 'url', url: `${URL_}?sig=1`, name: URL_ }
  ];
  const err = (message: string, file = URL_): InputError => ({ kind: 'read-failed', file, message });

  it('rewords the worker’s "Could not fetch NAME: Failed to fetch" of a URL source', () => {
    expect(clarifyFetchError(err(`Could not fetch ${URL_}: Failed to fetch`), sources)).toEqual(err(CLEAR));
  });

  it('leaves an HTTP status, an already clear message, other kinds and other files alone', () => {
    for (const e of [
      err(`Could not fetch ${URL_}: the server answered 404 Not Found.`),
      err(CLEAR),
      { ...err(`Could not fetch ${URL_}: Failed to fetch`), kind: 'cancelled' as const },
      err(`${URL_}: not an access log (binary)`),
      err('Could not fetch a.log: Failed to fetch', 'a.log')
    ]) {
      expect(clarifyFetchError(e, sources)).toBe(e);
    }
  });
});
