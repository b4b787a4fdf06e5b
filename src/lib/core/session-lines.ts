import type { SessionColumns } from './types';
import { KEY_KINDS, STATUS_CLASSES, HOSTS_PER_SESSION, ATTACK_TYPES, LABELS } from './types';
import { labelsOf } from './labels';
import { ByteWriter, constant, type Constant } from './byte-writer';

// The CLI's `sessions` output (SPEC §6) written straight from the columns into UTF-8 bytes: the
// bytes of JSON.stringify(sessionJson(sessionAt(cols, i))), without the two objects per row and
// the ~40 joined strings per line that cost ~6 µs a session. Every string from the log still
// goes through JSON.stringify, alone (or ByteWriter.jsonString, its equal); the strings of
// agents, hosts and endpoints are escaped and encoded once each, not once per session.

const encoder = new TextEncoder();
const q = (s: string) => JSON.stringify(s);
const utf8 = (s: string) => constant(encoder.encode(s));

// the line's fixed parts, in sessionJson's key order
const OPEN_ID = utf8('{"id":');
const KEY = KEY_KINDS.map((k) => utf8(`,"key":${q(k || 'ip+ua')},"keyHash":`));
const IP = utf8(',"ip":');
const USER = utf8(',"user":');
const NULL = utf8('null');
const NULL_USER_START = utf8(',"user":null,"start":"');
const COMMA_NULL = utf8(',null');
const START = utf8(',"start":"');
const END = utf8('","end":"');
const REQUESTS = utf8('","requests":');
const ENDPOINTS = utf8(',"endpoints":');
const STATUS = utf8(',"status":{');
/** Keys of the counts that are written, [first, after a comma]: a comma is part of the constant, not a call of its own. */
const keysOf = (names: readonly string[]) => [names.map((n) => utf8(q(n) + ':')), names.map((n) => utf8(',' + q(n) + ':'))];
const STATUS_KEYS = keysOf(STATUS_CLASSES);
const BYTES = utf8('},"bytes":');
const IPS = utf8(',"ips":');
const HOSTS = utf8(',"hosts":[');
const HOSTS_END = utf8(']');
const AVG = utf8(',"durationMs":{"avg":');
const MAX = utf8(',"max":');
const ATTACKS = utf8('},"attacks":{');
const NO_DURATION_ATTACKS = utf8(',"durationMs":null,"attacks":{');
const ATTACK_KEYS = keysOf(ATTACK_TYPES);
/** Risk is 0..100: a line's end, by labelBits and risk, is found at bits * RISKS + risk. */
const RISKS = 101;

/** Table strings as JSON bytes, made on first use; undefined for a missing one (JSON.stringify leaves such keys out). */
function encoded(table: string[], before = ''): (k: number) => Constant | undefined {
  const done: (Constant | undefined)[] = new Array(table.length);
  return (k) => {
    let b = done[k];
    if (b === undefined && table[k] !== undefined) done[k] = b = utf8(before + q(table[k]));
    return b;
  };
}

/**
 * Session rows as NDJSON lines, gathered into bytes: add(i) appends row i's line, take() hands
 * the bytes over. `cols` must be scored (scoreSessions, as engine.sessions() does by default):
 * labels and risk are read from labelBits and risk, which then say what labelsOf and riskOf would.
 */
export class SessionLines {
  readonly #cols: SessionColumns;
  readonly #out: ByteWriter;
  // table strings with what comes before them in a line: one copy where there were two
  readonly #agentField;
  readonly #host;
  readonly #hostAfter;
  readonly #firstEndpointField;
  readonly #lastEndpointField;
  /**
   * `},"labels":[…],"risk":N}\n` by labelBits and risk (at bits * RISKS + risk), names in labelsOf's
   * order (not LABELS'): taken from the first row with those bits. One constant for the line's end.
   */
  readonly #ends: Constant[] = [];

  /** `alloc`: see ByteWriter. */
  constructor(cols: SessionColumns, alloc?: (size: number) => Uint8Array) {
    this.#cols = cols;
    this.#out = new ByteWriter(alloc);
    this.#agentField = encoded(cols.userAgents, ',"userAgent":');
    this.#host = encoded(cols.hosts);
    this.#hostAfter = encoded(cols.hosts, ',');
    this.#firstEndpointField = encoded(cols.endpoints, '],"firstEndpoint":');
    this.#lastEndpointField = encoded(cols.endpoints, ',"lastEndpoint":');
    // all made here: a first made mid-way sent the optimised add() back to the interpreter
    const labels: string[] = [];
    for (let i = 0; i < cols.count; i++) {
      const bits = cols.labelBits[i];
      labels[bits] ??= this.#labelsOf(i);
      this.#ends[bits * RISKS + cols.risk[i]] ??= utf8(`${labels[bits]},"risk":${cols.risk[i]}}\n`);
    }
  }

  /** Bytes gathered so far. */
  get length(): number {
    return this.#out.length;
  }

  /** The bytes gathered, handed over (the next lines go to fresh memory). */
  take(): Uint8Array {
    return this.#out.take();
  }

  /** Appends session i's line and a newline. */
  add(i: number): void {
    const c = this.#cols;
    const o = this.#out;
    o.constant(OPEN_ID);
    o.jsonString(c.id[i]);
    o.constant(KEY[c.keyKind[i]] ?? KEY[0]);
    o.jsonString(c.keyHash[i]);
    // a missing string leaves its key out, as JSON.stringify does with undefined;
    // IPs and users are mostly one session's each: written as they come, not kept
    const ip = c.ips[c.ip[i]];
    if (ip !== undefined) {
      o.constant(IP);
      o.jsonString(ip);
    }
    const agent = this.#agentField(c.userAgent[i]);
    if (agent !== undefined) o.constant(agent);
    const u = c.user[i];
    if (u < 0) o.constant(NULL_USER_START);
    else {
      if (c.users[u] !== undefined) {
        o.constant(USER);
        o.jsonString(c.users[u]);
      }
      o.constant(START);
    }
    o.time(c.start[i]);
    o.constant(END);
    o.time(c.end[i]);
    o.constant(REQUESTS);
    o.number(c.requests[i]);
    o.constant(ENDPOINTS);
    o.number(c.distinctEndpoints[i]);
    o.constant(STATUS);
    let keys = STATUS_KEYS[0];
    for (let k = 0; k < 6; k++) {
      const n = c.status[i * 6 + k];
      if (n > 0) {
        o.constant(keys[k]);
        o.number(n);
        keys = STATUS_KEYS[1];
      }
    }
    o.constant(BYTES);
    o.number(c.bytes[i]);
    o.constant(IPS);
    o.number(c.distinctIps[i]);
    o.constant(HOSTS);
    const from = c.hostSetStart[i];
    const to = Math.min(c.hostSetStart[i + 1], from + HOSTS_PER_SESSION);
    // a missing array element prints as null
    if (from < to) o.constant(this.#host(c.hostSet[from]) ?? NULL);
    for (let k = from + 1; k < to; k++) o.constant(this.#hostAfter(c.hostSet[k]) ?? COMMA_NULL);
    o.constant(this.#firstEndpointField(c.firstEndpoint[i]) ?? HOSTS_END);
    const last = this.#lastEndpointField(c.lastEndpoint[i]);
    if (last !== undefined) o.constant(last);
    const durations = c.durationCount[i];
    if (durations > 0) {
      o.constant(AVG);
      o.number(Math.round((c.durationSum[i] / durations) * 1000) / 1000);
      o.constant(MAX);
      o.number(c.durationMax[i]);
      o.constant(ATTACKS);
    } else o.constant(NO_DURATION_ATTACKS);
    keys = ATTACK_KEYS[0];
    for (let k = 0; k < 7; k++) {
      const n = c.attacks[i * 7 + k];
      if (n > 0) {
        o.constant(keys[k]);
        o.number(n);
        keys = ATTACK_KEYS[1];
      }
    }
    o.constant(this.#ends[c.labelBits[i] * RISKS + c.risk[i]]);
  }

  #labelsOf(i: number): string {
    const names = labelsOf(this.#cols, i).map((l) => l.name);
    // unscored columns (scores: false) have no bits: better stop than print no labels
    if (names.reduce((b, name) => b | (1 << LABELS.indexOf(name)), 0) !== this.#cols.labelBits[i]) throw new Error(`session ${i}: labelBits disagree with labelsOf (columns not scored?)`);
    return `},"labels":${JSON.stringify(names)}`;
  }
}
