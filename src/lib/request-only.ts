// "Show only" in a session's request table (SPEC §5): a preset (attacks, 401 and 403, 404, object
// ids, a status class — the evidence of labels, evidence.ts) or one value of a distribution (an IP,
// a method, a status code, an endpoint, an attack type). Written as one URL parameter, `only`, so a
// copied link reopens the session with the same requests shown: "4xx", "ip:203.0.113.9",
// "endpoint:GET /api/users/{int}".
import { displayIp } from './privacy';
import type { RequestFilter } from '../worker/api';
import { filterOf, SHOW_NAMES, type Show } from './evidence';

/** The fields of a session's distributions that "show only" can pick a value of. */
export const ONLY_FIELDS = ['attack', 'ip', 'method', 'status', 'endpoint'] as const;
export type OnlyField = (typeof ONLY_FIELDS)[number];

const FIELD_NAMES: Record<OnlyField, string> = { attack: 'attack type', ip: 'IP', method: 'method', status: 'status', endpoint: 'endpoint' };

/** The `only` of one value of a field. */
export function onlyOf(field: OnlyField, value: string): string {
  return `${field}:${value}`;
}

function split(only: string): [OnlyField, string] | null {
  const at = only.indexOf(':');
  if (at < 0) return null;
  const field = only.slice(0, at) as OnlyField;
  return ONLY_FIELDS.includes(field) ? [field, only.slice(at + 1)] : null;
}

/** `only` as read from a URL: a preset other than 'all', or a known field with a value; else nothing. */
export function cleanOnly(only: string | null | undefined): string | undefined {
  const t = String(only ?? '');
  if (t !== 'all' && t in SHOW_NAMES) return t;
  const f = split(t);
  if (!f || !f[1]) return undefined;
  if (f[0] === 'status' && !/^\d{1,3}$/.test(f[1])) return undefined;
  return t;
}

/** The worker's request filter of `only` (none for undefined). */
export function onlyFilter(only: string | undefined): RequestFilter {
  const t = cleanOnly(only);
  if (!t) return {};
  const f = split(t);
  if (!f) return filterOf(t as Show);
  const [field, value] = f;
  if (field === 'status') return { statuses: [Number(value)] };
  return { [field]: value };
}

/** Words for `only`: "4xx", "IP 203.0.113.9" ("IP 203.0.x.x" with `maskIps`: privacy mode). */
export function onlyLabel(only: string | undefined, maskIps = false): string {
  const t = cleanOnly(only);
  if (!t) return SHOW_NAMES.all;
  const f = split(t);
  return f ? `${FIELD_NAMES[f[0]]} ${f[0] === 'ip' ? displayIp(f[1], maskIps) : f[1]}` : SHOW_NAMES[t as Show];
}

/** Is `only` a preset (the request table's own choices) rather than a value picked in a distribution? */
export function isPreset(only: string | undefined): boolean {
  const t = cleanOnly(only);
  return !t || !split(t);
}

/** A file-name part for `only` ("4xx", "ip-203.0.113.9"; "ip-203.0.x.x" with `maskIps`): safe characters only. */
export function onlySlug(only: string | undefined, maskIps = false): string {
  let t = cleanOnly(only);
  const f = t ? split(t) : null;
  if (t && f && f[0] === 'ip') t = t.slice(0, t.length - f[1].length) + displayIp(f[1], maskIps);
  return t ? t.replace(/[^A-Za-z0-9.{}_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) : '';
}
