// The grouping keys as the settings form edits them (SPEC §5: "grouping keys (ordered)"): a list
// of keys, each added from a kind and a name, moved up or down, removed. The text the worker stores
// stays `keysToString`'s; every key made here goes through `parseKeys`, the one judge of a key.
import { keysToString, parseKeys, type GroupingKey } from './core/keys';

/** A kind of key the form offers, with what its name is (none for user, ip+ua, ip). */
export interface KeyKindChoice {
  kind: Exclude<GroupingKey['kind'], 'given'>;
  label: string;
  /** What the name field asks for; null when the kind takes none. */
  name: string | null;
}

export const KEY_KIND_CHOICES: KeyKindChoice[] = [
  { kind: 'cookie', label: 'Cookie', name: 'Cookie name' },
  { kind: 'header', label: 'Header', name: 'Header name' },
  { kind: 'jwt', label: 'JWT claim', name: 'Claim (e.g. sub)' },
  { kind: 'query', label: 'Query parameter', name: 'Parameter name' },
  { kind: 'user', label: 'Remote user', name: null },
  { kind: 'ip+ua', label: 'IP and user agent', name: null },
  { kind: 'ip', label: 'IP address', name: null }
];

/** One key as text ("cookie:sid", "jwt:sub@cookie:token", "ip+ua"). */
export function keyText(k: GroupingKey): string {
  return keysToString([k]);
}

/** The keys of a keys text, or [] when it does not parse (the form shows parseKeys' error then). */
export function keyList(text: string): GroupingKey[] {
  const keys = parseKeys(text);
  return typeof keys === 'string' ? [] : keys;
}

/**
 * A key from the form's fields: kind, name and, for a JWT, where the token is ("header:NAME" or
 * "cookie:NAME"; empty: the Authorization header). Resolves to the key or parseKeys' sentence.
 */
export function makeKey(kind: KeyKindChoice['kind'], name: string, from = ''): GroupingKey | string {
  const choice = KEY_KIND_CHOICES.find((c) => c.kind === kind);
  if (!choice) return `unknown key kind "${kind}"`;
  const n = name.trim();
  if (choice.name !== null && n === '') return `give the ${choice.name.toLowerCase().replace(/ \(.*\)$/, '')}`;
  const text = choice.name === null ? kind : `${kind}:${n}${kind === 'jwt' && from.trim() ? `@${from.trim()}` : ''}`;
  const keys = parseKeys(text);
  if (typeof keys === 'string') return keys;
  return keys[0];
}

/** The list with key `k` added at the end; a key already listed is refused. */
export function addKey(list: GroupingKey[], k: GroupingKey): GroupingKey[] | string {
  if (list.some((x) => keyText(x) === keyText(k))) return `${keyText(k)} is already in the list`;
  return [...list, k];
}

/** The list with the key at `i` moved by `delta` places (kept within the list). */
export function moveKey(list: GroupingKey[], i: number, delta: number): GroupingKey[] {
  const j = Math.max(0, Math.min(list.length - 1, i + delta));
  if (i < 0 || i >= list.length || i === j) return list;
  const out = [...list];
  const [k] = out.splice(i, 1);
  out.splice(j, 0, k);
  return out;
}

export function removeKey(list: GroupingKey[], i: number): GroupingKey[] {
  return list.filter((_, k) => k !== i);
}

/** Keys after the first ip+ua are never used: it always has a value. */
export function unreachableFrom(list: GroupingKey[]): number {
  const i = list.findIndex((k) => k.kind === 'ip+ua');
  return i < 0 ? list.length : i + 1;
}
