// A log the user asks to stream from a URL (SPEC §1, §7): the address as typed, checked before the
// worker is asked to fetch it, so that what the page's Content-Security-Policy would refuse is refused
// here with a sentence instead of a bare "Failed to fetch".

/**
 * The page's connect-src (svelte.config.js; src/lib/sources/url.test.ts holds them equal). The page
 * never fetches on its own but from its own origin; these are for addresses the user types:
 * - https: any host: logs are served by object stores and servers over TLS, with CORS.
 * - http://localhost, http://127.0.0.1 (any port): a log served from the user's own machine. Browsers
 *   let even an https page reach these (they count as secure), and they leave nothing on the wire.
 * Plain http to other hosts stays out: an https page may not use it anyway (mixed content), and it
 * would send the request and receive the log unencrypted.
 */
export const CONNECT_SRC = ['self', 'https:', 'http://localhost:*', 'http://127.0.0.1:*'] as const;

/** A URL to stream: the absolute address, and the name it is shown and recorded by. */
export interface UrlSource {
  url: string;
  /**
   * The address without its query and fragment (`https://host/logs/access.log`): a query often holds
   * a signed token (pre-signed object-store links), which must not be shown or stored in clear.
   */
  name: string;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1']);

/**
 * Checks an address typed by the user against what the page may fetch (CONNECT_SRC): absolute,
 * http(s), no credentials in it; plain http only to this page's origin or to this machine.
 * `pageOrigin` is `location.origin`.
 */
export function urlSource(text: string, pageOrigin: string): { ok: true; value: UrlSource } | { ok: false; error: string } {
  const typed = text.trim();
  if (!typed) return no('Type or paste the address of a log.');
  let url: URL;
  try {
    url = new URL(typed);
  } catch {
    return no(`${typed} is not a full address: give one starting with https://.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return no(`Only http and https addresses can be streamed (not ${url.protocol}).`);
  }
  if (url.username || url.password) {
    // fetch() refuses such a URL; and the password would be shown and stored.
    return no('An address with a user name or password in it cannot be fetched: remove them from the address.');
  }
  const name = url.origin + url.pathname;
  if (url.protocol === 'http:' && url.origin !== pageOrigin && !LOCAL_HOSTS.has(url.hostname)) {
    return no(
      `${name} is plain http on another host: this page may stream https addresses, or http from this machine (localhost, 127.0.0.1), so that logs never cross the network unencrypted.`
    );
  }
  return { ok: true, value: { url: url.href, name } };
}

function no(message: string): { ok: false; error: string } {
  return { ok: false, error: message };
}
