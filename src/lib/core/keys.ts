import type { FormatSpec } from './formats/spec';
import { Slot, type FieldDef } from './slots';

// Grouping keys (SPEC §2): parsed from "cookie:sid,header:x-api-key,jwt:sub,ip+ua", turned into
// the fields each format must keep for them, and encoded for the core (assembly/keys.ts).

export type GroupingKey =
  | { kind: 'cookie'; name: string }
  | { kind: 'header'; name: string }
  /** A claim of a bearer JWT, from the Authorization header or the named header/cookie. */
  | { kind: 'jwt'; claim: string; from?: { kind: 'header' | 'cookie'; name: string } }
  | { kind: 'query'; name: string }
  | { kind: 'user' }
  | { kind: 'ip+ua' }
  | { kind: 'ip' }
  /**
   * Internal, never parsed from text: the key already decided per request, read as "K:HEX16" from
   * the named header (see assembly/keys.ts KeyKind.Given; used to re-group stored requests).
   */
  | { kind: 'given'; name: string };

const KIND_IDS = { cookie: 1, header: 2, jwt: 3, query: 4, user: 5, 'ip+ua': 6, ip: 7, given: 8 } as const;

/** "cookie:sid,jwt:sub@cookie:token,ip+ua" → keys, or an error sentence. */
export function parseKeys(text: string): GroupingKey[] | string {
  const keys: GroupingKey[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const colon = part.indexOf(':');
    const kind = (colon < 0 ? part : part.slice(0, colon)).toLowerCase();
    const arg = colon < 0 ? '' : part.slice(colon + 1).trim();
    if (kind === 'user' || kind === 'ip+ua' || kind === 'ip') {
      keys.push({ kind });
      continue;
    }
    if (!arg || arg.length > 60 || /[\s,;=]/.test(arg)) return `bad key "${part}": write ${kind}:NAME`;
    if (kind === 'cookie') keys.push({ kind, name: arg });
    else if (kind === 'header') keys.push({ kind, name: arg.toLowerCase() });
    else if (kind === 'query') keys.push({ kind, name: arg });
    else if (kind === 'jwt') {
      const [claim, from] = arg.split('@');
      if (!from) keys.push({ kind, claim });
      else {
        const m = /^(header|cookie):(.+)$/i.exec(from);
        if (!m) return `bad key "${part}": the token comes from header:NAME or cookie:NAME`;
        keys.push({ kind, claim, from: { kind: m[1].toLowerCase() as 'header' | 'cookie', name: m[1].toLowerCase() === 'header' ? m[2].toLowerCase() : m[2] } });
      }
    } else return `unknown key kind "${kind}" (cookie:NAME, header:NAME, jwt:CLAIM, query:NAME, user, ip+ua, ip)`;
  }
  if (keys.length === 0) return 'no grouping key given';
  return keys;
}

export function keysToString(keys: GroupingKey[]): string {
  return keys
    .map((k) => {
      switch (k.kind) {
        case 'cookie':
        case 'header':
        case 'query':
        case 'given':
          return `${k.kind}:${k.name}`;
        case 'jwt':
          return `jwt:${k.claim}${k.from ? `@${k.from.kind}:${k.from.name}` : ''}`;
        default:
          return k.kind;
      }
    })
    .join(',');
}

/** The headers the keys read (a JWT's by default from Authorization). */
function headersOf(keys: GroupingKey[]): string[] {
  const out = new Set<string>();
  for (const k of keys) {
    if (k.kind === 'header' || k.kind === 'given') out.add(k.name);
    if (k.kind === 'jwt') out.add(k.from?.kind === 'header' ? k.from.name : 'authorization');
  }
  return [...out];
}

const canonical = (h: string) => h.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());

/**
 * Fields a format must keep for the keys: a header by its name in that format (nginx JSON
 * `http_x_api_key`, Caddy `request.headers.X-Api-Key`, Traefik `request_X-Api-Key`, Envoy
 * `x-api-key`, W3C `cs(x-api-key)`). Cookies come from the Cookie field each format maps already.
 */
export function keyFieldDefs(spec: FormatSpec, keys: GroupingKey[]): FieldDef[] {
  const defs: FieldDef[] = [];
  for (const h of headersOf(keys)) {
    const label = `header:${h}`;
    const names: string[] = [];
    if (spec.kind === 'json') {
      if (spec.name === 'json') names.push(`http_${h.replaceAll('-', '_')}`);
      else if (spec.name === 'json:caddy') names.push(['request', 'headers', canonical(h)].join('\0'));
      else if (spec.name === 'json:traefik') names.push(`request_${canonical(h)}`);
      else if (spec.name === 'json:envoy') names.push(h, h.replaceAll('-', '_'));
    } else if (spec.kind === 'columns') names.push(`cs(${h})`);
    for (const name of names) defs.push({ name, slot: Slot.Named, label });
  }
  for (const k of keys) {
    if (k.kind === 'cookie' && spec.kind === 'json' && spec.name === 'json') defs.push({ name: `cookie_${k.name}`, slot: Slot.Named, label: `cookie:${k.name}` });
  }
  return defs;
}

/**
 * The key list as the core reads it: count, then per key kind u8, label id i32 (the named field
 * carrying it, -1 none), name length u8, name bytes (a JWT's claim, then "\0" and the cookie it is
 * in, when it is in one).
 */
export function encodeKeys(keys: GroupingKey[], labelId: (label: string) => number): Uint8Array {
  const enc = new TextEncoder();
  const out: number[] = [Math.min(keys.length, 16)];
  for (const k of keys.slice(0, 16)) {
    let label = -1;
    let name = '';
    switch (k.kind) {
      case 'cookie':
        label = labelId(`cookie:${k.name}`);
        name = k.name;
        break;
      case 'header':
        label = labelId(`header:${k.name}`);
        name = k.name;
        break;
      case 'query':
        name = k.name;
        break;
      case 'given':
        label = labelId(`header:${k.name}`);
        break;
      case 'jwt':
        if (k.from?.kind === 'cookie') {
          name = `${k.claim}\0${k.from.name}`;
        } else {
          label = labelId(`header:${k.from?.name ?? 'authorization'}`);
          name = k.claim;
        }
        break;
    }
    const bytes = enc.encode(name).subarray(0, 63);
    out.push(KIND_IDS[k.kind], label & 0xff, (label >> 8) & 0xff, (label >> 16) & 0xff, (label >> 24) & 0xff, bytes.length, ...bytes);
  }
  return Uint8Array.from(out);
}
