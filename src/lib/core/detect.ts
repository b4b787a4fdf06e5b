import type { FormatSpec } from './formats/spec';
import { CANDIDATES } from './formats/index';
import { jsonSpec, jsonProfileOf, keyPaths } from './formats/json';

// Which format a log is in, from its first bytes (SPEC §1). Cheap, certain signs first (W3C and
// CloudFront headers, JSON objects); then the text formats are tried by the core itself on the
// sample, and the one that parses most lines wins.

/** Bytes of a file read before detecting: enough for a couple of hundred lines. */
export const DETECT_BYTES = 64 * 1024;
const SAMPLE_LINES = 200;
/** Below this share of parsed sample lines no format is claimed. */
const MIN_SHARE = 0.5;

export type Detection = { ok: true; spec: FormatSpec } | { ok: false; reason: 'json-needs-mapping' | 'not-recognised' | 'not-a-log'; detail: string };

/** Lines that speak of HTTP requests: a log in a format we do not know, rather than no log at all. */
const HTTP_ISH = /\b(GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH|CONNECT|PROPFIND)\b|HTTP\/\d|\b[1-5]\d\d\b.*\b\d{1,2}[:/]\d\d/;

/** Parsed share of the sample for a candidate, from a scratch run of the core. */
export type Trial = (spec: FormatSpec, sample: Uint8Array) => number;

function sampleLines(head: Uint8Array, complete: boolean): string[] {
  // The head may be a whole 8 MiB read: decode a growing prefix until it holds the sample's lines
  // (the complete lines of a prefix are the first lines of the whole).
  for (let size = DETECT_BYTES; ; size *= 4) {
    const whole = size >= head.length;
    // latin1 keeps one char per byte: the structure is ASCII, the rest does not matter here
    const text = new TextDecoder('latin1').decode(whole ? head : head.subarray(0, size));
    const lines = text.split('\n');
    if (!(complete && whole) && lines.length > 1) lines.pop();
    const sample = lines.map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '').slice(0, SAMPLE_LINES);
    if (whole || sample.length === SAMPLE_LINES) return sample;
  }
}

function jsonRecords(lines: string[]): unknown[] {
  const out: unknown[] = [];
  for (const line of lines) {
    const brace = line.indexOf('{');
    if (brace < 0) continue;
    try {
      out.push(JSON.parse(line.slice(brace)));
    } catch {
      // not JSON, or cut at the sample's end
    }
  }
  return out;
}

/**
 * Detects the format of a file from its head. `complete` tells whether the head is the whole
 * file. `trial` runs a candidate through the core.
 */
export function detectFormat(head: Uint8Array, complete: boolean, fileName: string, trial: Trial): Detection {
  const lines = sampleLines(head, complete);
  // nothing to tell by: read it as the commonest format and let the counts speak
  if (lines.length === 0) return { ok: true, spec: CANDIDATES.clf };

  const sample = new TextEncoder().encode(lines.join('\n'));
  const fieldsLine = lines.slice(0, 30).find((l) => l.startsWith('#Fields:'));
  let header: FormatSpec | null = null;
  if (fieldsLine || /^#(Version|Software|Date):/.test(lines[0])) {
    header = fieldsLine && (fieldsLine.includes('x-edge-location') || fieldsLine.includes('\t')) ? CANDIDATES.cloudfront : CANDIDATES.w3c;
    // The header decides, unless most lines are of another format (logs of two servers joined
    // into one file, a W3C header among combined lines) and that format parses at least half.
    if (trial(header, sample) >= MIN_SHARE) return { ok: true, spec: header };
  }

  // comment lines ("# …") may quote JSON; they do not make a JSON log
  const content = lines.filter((l) => !l.startsWith('#'));
  const records = jsonRecords(content);
  if (records.length > content.length * 0.5) {
    const keys = new Set<string>();
    for (const r of records) keyPaths(r, '', keys);
    const profile = jsonProfileOf(keys);
    if (profile) return { ok: true, spec: jsonSpec(profile) };
    return {
      ok: false,
      reason: 'json-needs-mapping',
      detail: `JSON lines with keys SessionLens does not know (${[...keys].slice(0, 12).join(', ')}${keys.size > 12 ? ', …' : ''}): give a field mapping`
    };
  }

  let best: FormatSpec | null = null;
  let bestShare = 0;
  // The order breaks ties: the common formats first; the file name can put one ahead.
  const order: FormatSpec[] = [CANDIDATES.clf, CANDIDATES.alb, CANDIDATES.elb, CANDIDATES.cloudfront, CANDIDATES.w3c];
  if (/u_ex\d+|\biis\b|w3c/i.test(fileName)) order.unshift(CANDIDATES.w3c);
  if (/elasticloadbalancing|\balb\b/i.test(fileName)) order.unshift(CANDIDATES.alb);
  for (const spec of order) {
    // a header that did not fit is not second-guessed by its own family's anchored reading
    if (header && (spec === CANDIDATES.w3c || spec === CANDIDATES.cloudfront)) continue;
    const share = trial(spec, sample);
    // at equal shares the earlier candidate stays
    if (share > bestShare) {
      best = spec;
      bestShare = share;
    }
    if (share === 1) break;
  }
  if (best && bestShare >= MIN_SHARE) return { ok: true, spec: best };
  if (header) return { ok: true, spec: header };
  const detail = `at best ${Math.round(bestShare * 100)}% of the first ${lines.length} lines parse in any known format`;
  const httpish = lines.filter((l) => HTTP_ISH.test(l)).length;
  return { ok: false, reason: httpish >= lines.length * 0.3 ? 'not-recognised' : 'not-a-log', detail };
}
