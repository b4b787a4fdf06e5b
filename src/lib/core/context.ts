import type { FormatSpec } from './formats/spec';
import { Slot, type FieldDef } from './slots';
import { encodeKeys, keyFieldDefs, keysToString, parseKeys, type GroupingKey } from './keys';

// Context parameters (SPEC §5 Settings; Wallarm's "context parameters"): request fields shown with
// each request of a session, each with a label and kept hashed (the default: like grouping keys,
// only a salted hash is stored) or in clear. Fields are written as grouping keys are: cookie:NAME,
// header:NAME, query:NAME, jwt:CLAIM[@cookie:NAME|@header:NAME], user. The core finds them as it
// finds keys (assembly/context.ts) and only when some are configured.

export interface ContextParam {
  /** The field, as keysToString writes a key: "header:x-tenant", "jwt:sub@cookie:token", "user". */
  field: string;
  /** The column's heading. */
  label: string;
  /** Only a salted hash of the value is kept (hex); false keeps the value itself, cut at 256 bytes. */
  hashed: boolean;
}

/**
 * At most 8: each costs a field search per request while importing, a column (values and a
 * dictionary) in every stored request block, and a column in the request table; and a log line
 * keeps at most 16 named fields (assembly/fields.ts MAX_NAMED), shared with the grouping keys'.
 */
export const MAX_CONTEXT = 8;
export const MAX_LABEL = 40;

export const CONTEXT_HINT = 'cookie:NAME, header:NAME, query:NAME, jwt:CLAIM (jwt:CLAIM@cookie:NAME, jwt:CLAIM@header:NAME) or user';

type FieldKey = Exclude<GroupingKey, { kind: 'ip+ua' } | { kind: 'ip' }>;

/** One field as a key ("header:X-Tenant" → header x-tenant), or an error sentence. */
export function parseContextField(text: string): FieldKey | string {
  const t = text.trim();
  if (!t) return 'no field given';
  if (t.includes(',')) return `bad field "${t}": one field per parameter`;
  const keys = parseKeys(t);
  if (typeof keys === 'string') return keys.replace(/^unknown key kind/, 'unknown field kind').replace(/, user, ip\+ua, ip\)$/, ', user)');
  const k = keys[0];
  if (k.kind === 'ip+ua' || k.kind === 'ip') return `"${t}" is not a request field: write ${CONTEXT_HINT}`;
  return k;
}

/**
 * Parameters as typed made canonical (fields as keysToString writes them, labels trimmed, the field
 * as label when none is given), or the sentence saying what is wrong.
 */
export function checkContext(params: readonly Partial<ContextParam>[]): { ok: true; value: ContextParam[] } | { ok: false; error: string } {
  if (!Array.isArray(params)) return { ok: false, error: 'Context parameters: not a list.' };
  if (params.length > MAX_CONTEXT) return { ok: false, error: `Context parameters: at most ${MAX_CONTEXT}.` };
  const out: ContextParam[] = [];
  for (const [i, p] of params.entries()) {
    const key = parseContextField(String(p?.field ?? ''));
    if (typeof key === 'string') return { ok: false, error: `Context parameter ${i + 1}: ${key}.` };
    const field = keysToString([key]);
    const label = String(p?.label ?? '').trim() || field;
    if (label.length > MAX_LABEL) return { ok: false, error: `Context parameter ${i + 1}: a label of at most ${MAX_LABEL} characters.` };
    if (/[\p{Cc}\p{Cf}]/u.test(label)) return { ok: false, error: `Context parameter ${i + 1}: the label has control characters.` };
    const hashed = p?.hashed !== false;
    if (out.some((q) => q.field === field && q.hashed === hashed)) return { ok: false, error: `Context parameter ${i + 1}: ${field} is already listed.` };
    if (out.some((q) => q.label === label)) return { ok: false, error: `Context parameter ${i + 1}: the label "${label}" is already used.` };
    out.push({ field, label, hashed });
  }
  return { ok: true, value: out };
}

/**
 * The command line's `--context`: comma-separated FIELD[=LABEL][:clear|:hashed], hashed by default:
 * "header:x-tenant=Tenant,cookie:role=Role:clear,jwt:sub".
 */
export function parseContextFlag(text: string): ContextParam[] | string {
  const params: Partial<ContextParam>[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    let rest = part;
    let hashed = true;
    const mode = /:(clear|hashed)$/i.exec(rest);
    // "query:clear" is the parameter named clear; "user:clear" and "query:q:clear" carry a mode
    if (mode && (rest.slice(0, mode.index).includes(':') || rest.slice(0, mode.index).includes('=') || rest.slice(0, mode.index).toLowerCase() === 'user')) {
      hashed = mode[1].toLowerCase() === 'hashed';
      rest = rest.slice(0, mode.index);
    }
    const eq = rest.indexOf('=');
    params.push({ field: eq < 0 ? rest : rest.slice(0, eq), label: eq < 0 ? '' : rest.slice(eq + 1), hashed });
  }
  if (params.length === 0) return 'no context parameter given';
  const checked = checkContext(params);
  return checked.ok ? checked.value : checked.error.replace(/\.$/, '');
}

export function contextToFlag(params: readonly ContextParam[]): string {
  return params.map((p) => `${p.field}${p.label === p.field ? '' : `=${p.label}`}${p.hashed ? '' : ':clear'}`).join(',');
}

/** Names of a block's context columns: the field, with "#" before it when hashed. */
export function columnName(p: Pick<ContextParam, 'field' | 'hashed'>): string {
  return p.hashed ? `#${p.field}` : p.field;
}

/** Headers every format keeps in a slot of its own: read from there, never redefined as named fields. */
const SLOT_HEADERS: Record<string, number> = {
  'user-agent': Slot.UserAgent,
  referer: Slot.Referer,
  host: Slot.Host,
  cookie: Slot.Cookie,
  'x-forwarded-for': Slot.Xff
};

function keyOf(p: ContextParam): FieldKey {
  const k = parseContextField(p.field);
  if (typeof k === 'string') throw new Error(`bad context field ${p.field}`);
  return k;
}

/** The named fields a format must keep for the parameters (as keyFieldDefs for keys), not those it maps already. */
export function contextFieldDefs(spec: FormatSpec, params: readonly ContextParam[]): FieldDef[] {
  const keys = params.map(keyOf).filter((k) => !(k.kind === 'header' && k.name in SLOT_HEADERS));
  const taken = new Set(spec.kind === 'json' || spec.kind === 'columns' ? spec.fields.map((f) => f.name.toLowerCase()) : []);
  return keyFieldDefs(spec, keys).filter((d) => !taken.has(d.name.toLowerCase()));
}

/** The parameters as assembly/context.ts reads them (the label ids are the engine's). */
export function encodeContext(params: readonly ContextParam[], labelId: (label: string) => number): Uint8Array {
  const out: number[] = [Math.min(params.length, MAX_CONTEXT)];
  for (const p of params.slice(0, MAX_CONTEXT)) {
    const k = keyOf(p);
    const slot = k.kind === 'header' ? SLOT_HEADERS[k.name] : undefined;
    if (slot !== undefined) {
      out.push(p.hashed ? 1 : 0, 8, slot, 0, 0, 0, 0);
      continue;
    }
    // one key as encodeKeys writes it, after its count byte
    out.push(p.hashed ? 1 : 0, ...encodeKeys([k], labelId).subarray(1));
  }
  return Uint8Array.from(out);
}
