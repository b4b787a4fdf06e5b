import type { SessionColumns } from './types';
import { KEY_KINDS, STATUS_CLASSES, HOSTS_PER_SESSION, ATTACK_TYPES } from './types';
import { labelsOf } from './labels';

// The CLI's `sessions` output (SPEC §6) written straight from the columns: the bytes of
// JSON.stringify(sessionJson(sessionAt(cols, i))), without the two objects per row that cost
// ~7 µs a session. Every string from the log still goes through JSON.stringify, alone; table
// strings (IPs, agents, hosts, endpoints) are escaped once each, not once per session.

const q = (s: string) => JSON.stringify(s);
const KEY_JSON = KEY_KINDS.map((k) => q(k || 'ip+ua'));
const STATUS_KEYS = STATUS_CLASSES.map((c) => q(c) + ':');
const ATTACK_KEYS = ATTACK_TYPES.map((t) => q(t) + ':');

/** A number as JSON.stringify writes it (NaN and ±Infinity as null). */
const num = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

/** Table strings as JSON, escaped on first use (undefined stays undefined, as JSON.stringify leaves it). */
function escaper(table: string[]): (k: number) => string | undefined {
  const done: (string | undefined)[] = new Array(table.length);
  return (k) => done[k] ?? (done[k] = q(table[k]));
}

/**
 * A function giving session i's NDJSON line (without the newline). `cols` must be scored
 * (scoreSessions, as engine.sessions() does by default): labels and risk are read from labelBits
 * and risk, which then say what labelsOf and riskOf would.
 */
export function sessionLines(cols: SessionColumns): (i: number) => string {
  const ip = escaper(cols.ips);
  const agent = escaper(cols.userAgents);
  const user = escaper(cols.users);
  const host = escaper(cols.hosts);
  const endpoint = escaper(cols.endpoints);
  // labels in labelsOf's order (not LABELS'), taken from the first row with those bits
  const labelsJson = new Map<number, string>();
  const labels = (i: number) => {
    const bits = cols.labelBits[i];
    let out = labelsJson.get(bits);
    if (out === undefined) labelsJson.set(bits, (out = q(labelsOf(cols, i).map((l) => l.name))));
    return out;
  };
  const iso = isoWriter();
  return (i) => {
    let s = '{"id":' + q(cols.id[i]) + ',"key":' + (KEY_JSON[cols.keyKind[i]] ?? KEY_JSON[0]) + ',"keyHash":' + q(cols.keyHash[i]);
    s = field(s, 'ip', ip(cols.ip[i]));
    s = field(s, 'userAgent', agent(cols.userAgent[i]));
    const u = cols.user[i];
    s = field(s, 'user', u >= 0 ? user(u) : 'null');
    s += ',"start":"' + iso(cols.start[i]) + '","end":"' + iso(cols.end[i]) + '"';
    s += ',"requests":' + cols.requests[i] + ',"endpoints":' + cols.distinctEndpoints[i] + ',"status":{';
    let sep = '';
    for (let c = 0; c < 6; c++) {
      const n = cols.status[i * 6 + c];
      if (n > 0) {
        s += sep + STATUS_KEYS[c] + n;
        sep = ',';
      }
    }
    s += '},"bytes":' + num(cols.bytes[i]) + ',"ips":' + cols.distinctIps[i] + ',"hosts":[';
    const to = Math.min(cols.hostSetStart[i + 1], cols.hostSetStart[i] + HOSTS_PER_SESSION);
    for (let k = cols.hostSetStart[i]; k < to; k++) s += (k > cols.hostSetStart[i] ? ',' : '') + (host(cols.hostSet[k]) ?? 'null');
    s = field(s + ']', 'firstEndpoint', endpoint(cols.firstEndpoint[i]));
    s = field(s, 'lastEndpoint', endpoint(cols.lastEndpoint[i]));
    const durations = cols.durationCount[i];
    s += ',"durationMs":';
    s += durations > 0 ? '{"avg":' + num(Math.round((cols.durationSum[i] / durations) * 1000) / 1000) + ',"max":' + num(cols.durationMax[i]) + '}' : 'null';
    s += ',"attacks":{';
    sep = '';
    for (let t = 0; t < 7; t++) {
      const n = cols.attacks[i * 7 + t];
      if (n > 0) {
        s += sep + ATTACK_KEYS[t] + n;
        sep = ',';
      }
    }
    return s + '},"labels":' + labels(i) + ',"risk":' + cols.risk[i] + '}';
  };
}

/** `,"name":value`, or nothing for an undefined value (JSON.stringify leaves such keys out). */
function field(s: string, name: string, json: string | undefined): string {
  return json === undefined ? s : s + ',"' + name + '":' + json;
}

const DAY_MS = 86_400_000;
/** Years 0000..9999: toISOString's "YYYY-MM-DDTHH:mm:ss.sssZ" (outside them it writes ±YYYYYY). */
const ISO_END = 253_402_300_800_000;
const PAD2 = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/**
 * new Date(ms).toISOString() for whole milliseconds of years 0000..9999, the date part made once
 * per day: toISOString took ~0.5 µs a call, a sixth of a session's line. Other values go to it.
 */
function isoWriter(): (ms: number) => string {
  let day = NaN;
  let prefix = '';
  return (ms) => {
    if (!(Number.isInteger(ms) && ms >= 0 && ms < ISO_END)) return new Date(ms).toISOString();
    const d = Math.floor(ms / DAY_MS);
    if (d !== day) {
      day = d;
      prefix = new Date(d * DAY_MS).toISOString().slice(0, 11);
    }
    let t = ms - d * DAY_MS;
    const milli = t % 1000;
    t = (t - milli) / 1000;
    const sec = t % 60;
    t = (t - sec) / 60;
    return prefix + PAD2[(t - (t % 60)) / 60] + ':' + PAD2[t % 60] + ':' + PAD2[sec] + '.' + PAD3[milli] + 'Z';
  };
}
