// An import's stored requests read back as a log, so that the core itself groups them again with
// other settings (src/worker/regroup.ts): every figure, label and id then comes from the same code
// as an import's. One JSON line per request (REPLAY_MAPPING), in the order the import read them —
// by file and line, with blank lines where the log had lines that made no request, so the line
// numbers stay the evidence's — and the key each request gets under the new keys given per line
// (assembly/keys.ts KeyKind.Given). Blocks are read from the store one small group at a time.
import type { RequestColumns } from '../lib/core/requests';
import type { LogSource } from '../lib/core/api';
import type { GroupingKey } from '../lib/core/keys';
import type { Store } from '../lib/storage/store';
import type { NewKey, StoredRequest } from './regroup-keys';

/** The named header carrying each line's key; never a real header (the line is made here). */
export const GIVEN_HEADER = 'x-sessionlens-key';
export const GIVEN_KEYS: GroupingKey[] = [{ kind: 'given', name: GIVEN_HEADER }];

/**
 * The unit an import's log wrote durations in, guessed from its format's name: the core reads
 * "0.010" s as 10.000000000000002 ms and "10" ms as 10, and the stored float32 keeps neither
 * difference, so the replay writes the digits in the log's own unit to get the same figures.
 */
export type DurationUnit = 's' | 'ms' | 'us' | 'ns';
export function durationUnitOf(format: string): DurationUnit {
  if (format === 'w3c' || format === 'json:envoy') return 'ms';
  if (format === 'json:traefik') return 'ns';
  if (/^apache:.*%D/.test(format)) return 'us';
  return 's';
}

/** The replay's fields, as a JSON mapping (formats/json.ts jsonMappingSpec). */
export const replayMapping = (unit: DurationUnit) => [
  'time_epoch=t',
  'ip=a',
  'user=u',
  'host=h',
  'method=m',
  // as a path (split at '?' by the core), not a URI: a URI's absolute form ("http://host/p") would be
  // cut to its path, which the combined format's own reading does not do
  'path=q',
  'status=s',
  'bytes=b',
  `duration_${unit}=d`,
  'user_agent=ua',
  'referer=r',
  `header:${GIVEN_HEADER}=k`
].join(',');

/** Rows of one or more blocks in the order the import read them. */
interface Group {
  blocks: RequestColumns[];
  /** Per row in order: block index and row index. */
  block: Uint16Array;
  row: Uint32Array;
  /** file × 2^32 + line of each row in order. */
  at: Float64Array;
}

/** What replaying tells its caller as it goes. */
export interface ReplayTap {
  keyOf(r: StoredRequest): NewKey;
  unit: DurationUnit;
  /** Rows written so far grew by n. */
  onRows(n: number): void;
  /** Each row as it is written (for what the replay does not carry: context.ts columns). */
  onRow?(block: RequestColumns, row: number): void;
  signal?: AbortSignal;
}

const position = (b: RequestColumns, i: number) => b.file[i] * 2 ** 32 + b.line[i];

/**
 * The blocks of one import in groups: consecutive blocks whose rows interleave (one core chunk cut
 * into days) are read together and sorted by file and line; later chunks all come after.
 */
async function* groupsOf(db: Store, importId: number, signal?: AbortSignal): AsyncGenerator<Group> {
  const keys = await db.getAllKeysFromIndex('requestBlocks', 'byImport', importId);
  let pending: RequestColumns[] = [];
  let max = -Infinity;
  for (const key of keys) {
    if (signal?.aborted) throw new DOMException('cancelled', 'AbortError');
    const rec = await db.get('requestBlocks', key);
    if (!rec || rec.requests.count === 0) continue;
    const b = rec.requests;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < b.count; i++) {
      const p = position(b, i);
      if (p < lo) lo = p;
      if (p > hi) hi = p;
    }
    if (pending.length > 0 && lo > max) {
      yield sortGroup(pending);
      pending = [];
    }
    pending.push(b);
    if (hi > max) max = hi;
  }
  if (pending.length > 0) yield sortGroup(pending);
}

function sortGroup(blocks: RequestColumns[]): Group {
  const n = blocks.reduce((s, b) => s + b.count, 0);
  const block = new Uint16Array(n);
  const row = new Uint32Array(n);
  const at = new Float64Array(n);
  let k = 0;
  for (const [j, b] of blocks.entries()) {
    for (let i = 0; i < b.count; i++, k++) {
      block[k] = j;
      row[k] = i;
      at[k] = position(b, i);
    }
  }
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((x, y) => at[x] - at[y] || x - y);
  const g: Group = { blocks, block: new Uint16Array(n), row: new Uint32Array(n), at: new Float64Array(n) };
  for (let j = 0; j < n; j++) {
    g.block[j] = block[order[j]];
    g.row[j] = row[order[j]];
    g.at[j] = at[order[j]];
  }
  return g;
}

/** Per block, what its dictionaries give each row: made once per block. */
interface BlockText {
  target: (i: number) => string;
  referrer: (i: number) => string;
  method: string[];
  /** JSON-quoted strings, made once per dictionary entry. */
  ip: string[];
  ipText: string[];
  ua: string[];
  uaText: string[];
  user: string[];
  userText: string[];
  host: string[];
}

/**
 * A JSON string of the text. A lone "-" is written escaped: the JSON reader takes "-" for "not
 * logged", while a combined log's "-" user agent is a value (kept, and hashed, as the text "-").
 */
const q = (s: string) => (s === '-' ? '"\\u002d"' : JSON.stringify(s));

const utf8 = new TextDecoder();

/**
 * Row i's text of a byte arena (targets, referrers). Mostly ASCII: then the arena is decoded once and
 * sliced (byte offsets are character offsets), rather than decoded a row at a time.
 */
function arenaText(bytes: Uint8Array, ends: Uint32Array): (i: number) => string {
  let ascii = true;
  for (let j = 0; j < bytes.length; j++) {
    if (bytes[j] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) return (i) => utf8.decode(bytes.subarray(i === 0 ? 0 : ends[i - 1], ends[i]));
  const all = utf8.decode(bytes);
  return (i) => all.slice(i === 0 ? 0 : ends[i - 1], ends[i]);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex32 = (w: number) => HEX[w >>> 24] + HEX[(w >>> 16) & 255] + HEX[(w >>> 8) & 255] + HEX[w & 255];

function textOf(b: RequestColumns): BlockText {
  const d = b.dict;
  return {
    target: arenaText(b.target, b.targetEnd),
    referrer: arenaText(b.referrer, b.referrerEnd),
    method: d.endpoints.map((e) => q(e.slice(0, Math.max(0, e.indexOf(' '))))),
    ip: d.ips.map(q),
    ipText: d.ips,
    ua: d.userAgents.map(q),
    uaText: d.userAgents,
    user: d.users.map(q),
    userText: d.users,
    host: d.hosts.map(q)
  };
}

const SHIFT: Record<DurationUnit, number> = { s: -3, ms: 0, us: 3, ns: 6 };

/** A decimal string's point moved `k` places (k < 0: divided by 10^-k), without float arithmetic. */
export function shiftDecimal(s: string, k: number): string {
  if (k === 0 || /e/i.test(s)) return k === 0 ? s : String(Number(s) * 10 ** k);
  const [int, frac = ''] = s.split('.');
  const digits = int + frac;
  let point = int.length + k;
  let d = digits;
  if (point <= 0) {
    d = '0'.repeat(1 - point) + d;
    point = 1;
  } else if (point > d.length) d = d + '0'.repeat(point - d.length);
  const whole = d.slice(0, point).replace(/^0+(?=\d)/, '');
  const rest = d.slice(point).replace(/0+$/, '');
  return rest ? `${whole}.${rest}` : whole;
}

/** A float32 duration (ms) as the shortest decimal that reads back to it, in the log's unit. */
const durations = new Map<number, string>();
function durationText(ms: number, unit: DurationUnit): string {
  let s = durations.get(ms);
  if (s === undefined) {
    for (let p = 1; p <= 9; p++) {
      s = String(Number(ms.toPrecision(p)));
      if (Math.fround(Number(s)) === ms) break;
    }
    if (durations.size > 100_000) durations.clear();
    durations.set(ms, s!);
  }
  return shiftDecimal(s!, SHIFT[unit]);
}

/** One request as a replay line. */
function lineOf(b: RequestColumns, t: BlockText, i: number, key: NewKey, unit: DurationUnit): string {
  let s = `{"t":${b.time[i]}`;
  if (t.ipText[b.ip[i]] !== '') s += `,"a":${t.ip[b.ip[i]]}`;
  if (b.user[i] !== 0) s += `,"u":${t.user[b.user[i] - 1]}`;
  if (b.host[i] !== 0) s += `,"h":${t.host[b.host[i] - 1]}`;
  const m = t.method[b.endpoint[i]];
  if (m !== '""') s += `,"m":${m}`;
  s += `,"q":${JSON.stringify(t.target(i))}`;
  if (b.status[i] !== 0) s += `,"s":${b.status[i]}`;
  if (b.bytes[i] > 0) s += `,"b":${b.bytes[i]}`;
  if (!Number.isNaN(b.duration[i])) s += `,"d":${durationText(b.duration[i], unit)}`;
  if (t.uaText[b.userAgent[i]] !== '') s += `,"ua":${t.ua[b.userAgent[i]]}`;
  const ref = t.referrer(i);
  if (ref !== '') s += `,"r":${JSON.stringify(ref)}`;
  return `${s},"k":"${key.kind}:${key.hash}"}\n`;
}

/**
 * The import's files as log sources (in the import's order), each streaming its own requests. The
 * core reads them one after the other, so they share one pass over the blocks.
 */
export function replaySources(db: Store, importId: number, files: string[], tap: ReplayTap): LogSource[] {
  const groups = groupsOf(db, importId, tap.signal);
  let group: Group | null | undefined;
  let texts: BlockText[] = [];
  let k = 0;
  const enc = new TextEncoder();
  /** The current group, or the next one once it is read through; null at the end. */
  const current = async (): Promise<Group | null> => {
    if (group && k < group.row.length) return group;
    if (group === null) return null;
    const next = await groups.next();
    group = next.done ? null : next.value;
    texts = group ? group.blocks.map(textOf) : [];
    k = 0;
    return group;
  };
  return files.map((name, f) => {
    let line = 0;
    return {
      name,
      stream: () =>
        new ReadableStream<Uint8Array>({
          async pull(ctrl) {
            const g = await current();
            if (!g || Math.floor(g.at[k] / 2 ** 32) > f) return ctrl.close();
            const out: string[] = [];
            const from = k;
            for (; k < g.row.length; k++) {
              const file = Math.floor(g.at[k] / 2 ** 32);
              if (file > f) break;
              if (file < f) continue; // not expected: files come in order
              const b = g.blocks[g.block[k]];
              const t = texts[g.block[k]];
              const i = g.row[k];
              const ln = b.line[i];
              // blank lines stand for the log's lines that gave no request: line numbers stay
              if (ln > line + 1) out.push('\n'.repeat(ln - line - 1));
              line = Math.max(line, ln);
              const u = b.user[i];
              const key = tap.keyOf({
                keyKind: b.keyKind[i],
                keyHash: hex32(b.keyHash[2 * i + 1]) + hex32(b.keyHash[2 * i]),
                ip: t.ipText[b.ip[i]],
                userAgent: t.uaText[b.userAgent[i]],
                user: u === 0 ? '' : t.userText[u - 1]
              });
              out.push(lineOf(b, t, i, key, tap.unit));
              tap.onRow?.(b, i);
            }
            tap.onRows(k - from);
            ctrl.enqueue(enc.encode(out.join('')));
          }
        })
    };
  });
}
