// Which key a stored request gets under other grouping keys, from what was stored of it (SPEC §2,
// §7): its IP, user agent and user, and the key that grouped it (kind and salted hash). A cookie,
// header, JWT claim or query parameter is stored only as that hash, and only where it was the
// deciding key: such a key can be used again where the old keys prove its value (it decided) or its
// absence (an earlier old key had none), and nowhere else. `regroupKeys` says up front which new
// keys cannot be known, so that nothing is silently grouped wrong.
import { keysToString, type GroupingKey } from '../lib/core/keys';
import { fromHex, hashText, ipKey, ipUaKey, moveValueKey, plainText, toHex, valueKey } from '../lib/core/key-hash';
import { KEY_KINDS } from '../lib/core/types';

/** Kinds whose values are not stored: only their hash, where one decided. */
const OPAQUE = new Set(['cookie', 'header', 'jwt', 'query']);

/** Hashes of texts kept per kind of value (IPs; user agents and users): about 100 bytes each. */
const MAX_CACHED = 200_000;

const KIND_ID = (k: GroupingKey['kind']) => KEY_KINDS.indexOf(k as (typeof KEY_KINDS)[number]);

/** What is known of one stored request. */
export interface StoredRequest {
  /** Index into KEY_KINDS of the key that grouped it, and that key's hash (16 hex digits). */
  keyKind: number;
  keyHash: string;
  ip: string;
  userAgent: string;
  /** '' for none. */
  user: string;
}

/** The key a request gets: kind index and hash; `approximate` when it was hashed from escaped text. */
export interface NewKey {
  kind: number;
  hash: string;
  approximate: boolean;
}

export type RegroupKeys =
  | { ok: true; keyOf: (r: StoredRequest) => NewKey }
  /** The new keys whose values were not stored. */
  | { ok: false; unknown: string[] };

export function regroupKeys(oldKeys: GroupingKey[], newKeys: GroupingKey[], salt: bigint): RegroupKeys {
  const oldNames = oldKeys.map((k) => keysToString([k]));
  // keys after ip+ua are never reached: it always has a value
  const cut = newKeys.findIndex((k) => k.kind === 'ip+ua');
  const reach = cut < 0 ? newKeys : newKeys.slice(0, cut + 1);
  const newNames = reach.map((k) => keysToString([k]));
  const unknown: string[] = [];
  reach.forEach((k, j) => {
    if (!OPAQUE.has(k.kind)) return;
    const p = oldNames.indexOf(newNames[j]);
    // Known where it decided (p) and absent where a key before it did; a request an earlier old key
    // decided must be decided by that key again, before this one, or its value here is unknown.
    if (p < 0 || oldNames.slice(0, p).some((name) => !newNames.slice(0, j).includes(name))) unknown.push(newNames[j]);
  });
  // Which old key decided a request, by its kind: ambiguous when the old keys have two of a kind.
  const positionOf = new Map<number, number>();
  const seen = new Set<number>();
  oldKeys.forEach((k, i) => {
    const id = KIND_ID(k.kind);
    if (seen.has(id)) positionOf.set(id, -1);
    else positionOf.set(id, i);
    seen.add(id);
  });
  if (!positionOf.has(KIND_ID('ip+ua'))) positionOf.set(KIND_ID('ip+ua'), oldKeys.length); // the fallback
  for (const name of newNames) {
    const p = oldNames.indexOf(name);
    if (p >= 0 && positionOf.get(KIND_ID(oldKeys[p].kind)) === -1 && !unknown.includes(name)) unknown.push(name);
  }
  if (unknown.length > 0) return { ok: false, unknown };

  // hashes of the texts met, per value: a block's dictionaries repeat them
  const ipHashes = new Map<string, bigint>();
  const textHashes = new Map<string, bigint>();
  const hashOf = (cache: Map<string, bigint>, text: string) => {
    let h = cache.get(text);
    if (h === undefined) {
      // bounded: a big log's distinct user agents would otherwise all stay
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(text, (h = hashText(text, salt)));
    }
    return h;
  };
  const ipUaId = KIND_ID('ip+ua');
  const keyOf = (r: StoredRequest): NewKey => {
    for (let j = 0; j < reach.length; j++) {
      const k = reach[j];
      switch (k.kind) {
        case 'ip+ua':
          if (r.keyKind === ipUaId) return { kind: ipUaId, hash: r.keyHash, approximate: false };
          return {
            kind: ipUaId,
            hash: toHex(ipUaKey(hashOf(ipHashes, r.ip), hashOf(textHashes, r.userAgent))),
            approximate: !plainText(r.userAgent) || !plainText(r.ip)
          };
        case 'ip':
          if (r.ip === '') continue;
          return { kind: KIND_ID('ip'), hash: toHex(ipKey(hashOf(ipHashes, r.ip))), approximate: !plainText(r.ip) };
        case 'user':
          if (r.user === '') continue;
          return { kind: KIND_ID('user'), hash: toHex(valueKey(hashOf(textHashes, r.user), j)), approximate: !plainText(r.user) };
        default: {
          // an opaque key: it decided this request under the old keys, or it had no value
          const p = oldNames.indexOf(newNames[j]);
          const d = positionOf.get(r.keyKind) ?? -1;
          if (d !== p) continue;
          return { kind: r.keyKind, hash: toHex(moveValueKey(fromHex(r.keyHash), p, j)), approximate: false };
        }
      }
    }
    // no key had a value: the core falls back to ip+ua
    if (r.keyKind === ipUaId) return { kind: ipUaId, hash: r.keyHash, approximate: false };
    return { kind: ipUaId, hash: toHex(ipUaKey(hashOf(ipHashes, r.ip), hashOf(textHashes, r.userAgent))), approximate: !plainText(r.userAgent) };
  };
  return { ok: true, keyOf };
}
