import { Slot, Conv, Enc, type SlotId, type ConvId } from '../slots';
import type { FormatSpec } from './spec';

// Pasted server formats, compiled into the program assembly/formats/template.ts runs:
//   nginx:<log_format>   e.g. nginx:$remote_addr - $remote_user [$time_local] "$request" …
//   apache:<LogFormat>   e.g. apache:%h %l %u %t \"%r\" %>s %b
// Unknown variables are kept as named fields ("field:NAME"), headers as "header:name",
// cookies as "cookie:NAME".

type Target = { slot: SlotId; conv?: ConvId; label?: string };

const NGINX_VARS: Record<string, Target> = {
  remote_addr: { slot: Slot.Ip },
  realip_remote_addr: { slot: Slot.Ip },
  binary_remote_addr: { slot: Slot.Named, label: 'field:binary_remote_addr' },
  remote_user: { slot: Slot.User },
  time_local: { slot: Slot.Time, conv: Conv.Clf },
  time_iso8601: { slot: Slot.Time, conv: Conv.Iso },
  msec: { slot: Slot.Time, conv: Conv.Epoch },
  request: { slot: Slot.Request },
  request_method: { slot: Slot.Method },
  request_uri: { slot: Slot.Uri },
  uri: { slot: Slot.Path },
  document_uri: { slot: Slot.Path },
  args: { slot: Slot.Query },
  query_string: { slot: Slot.Query },
  server_protocol: { slot: Slot.Protocol },
  status: { slot: Slot.Status },
  body_bytes_sent: { slot: Slot.Bytes },
  request_time: { slot: Slot.Duration, conv: Conv.Seconds },
  http_user_agent: { slot: Slot.UserAgent },
  http_referer: { slot: Slot.Referer },
  http_cookie: { slot: Slot.Cookie },
  http_x_forwarded_for: { slot: Slot.Xff },
  proxy_add_x_forwarded_for: { slot: Slot.Xff },
  host: { slot: Slot.Host },
  http_host: { slot: Slot.Host },
  server_name: { slot: Slot.Host }
};

const APACHE_DIRECTIVES: Record<string, Target> = {
  h: { slot: Slot.Ip },
  a: { slot: Slot.Ip },
  l: { slot: Slot.Named, label: 'field:ident' },
  u: { slot: Slot.User },
  t: { slot: Slot.Time, conv: Conv.Clf },
  r: { slot: Slot.Request },
  s: { slot: Slot.Status },
  b: { slot: Slot.Bytes },
  B: { slot: Slot.Bytes },
  D: { slot: Slot.Duration, conv: Conv.Micros },
  T: { slot: Slot.Duration, conv: Conv.Seconds },
  m: { slot: Slot.Method },
  U: { slot: Slot.Path },
  q: { slot: Slot.Query },
  H: { slot: Slot.Protocol },
  v: { slot: Slot.Host },
  V: { slot: Slot.Host }
};

type Piece = { lit: string } | { target: Target | null; what: string };

/** nginx variables that take a suffix: $http_NAME, $cookie_NAME, $arg_NAME, $sent_http_NAME. */
function nginxTarget(name: string, pieces: Piece[]): Target {
  const known = NGINX_VARS[name];
  if (known) {
    // $bytes_sent and $upstream_response_time count only when nothing better is logged
    return known;
  }
  if (name === 'bytes_sent') return pieces.some((p) => 'what' in p && p.what === 'body_bytes_sent') ? { slot: Slot.Named, label: 'field:bytes_sent' } : { slot: Slot.Bytes };
  if (name === 'upstream_response_time') {
    return pieces.some((p) => 'what' in p && p.what === 'request_time') ? { slot: Slot.Named, label: 'field:upstream_response_time' } : { slot: Slot.Duration, conv: Conv.Seconds };
  }
  if (name.startsWith('http_')) return { slot: Slot.Named, label: `header:${name.slice(5).replaceAll('_', '-')}` };
  if (name.startsWith('cookie_')) return { slot: Slot.Named, label: `cookie:${name.slice(7)}` };
  return { slot: Slot.Named, label: `field:${name}` };
}

/** Strips `log_format NAME [escape=…]`, quotes and the final ";" from a pasted directive. */
function nginxBody(text: string): { body: string; json: boolean } {
  let t = text.trim();
  let json = false;
  const directive = /^log_format\s+\S+\s+/.exec(t);
  if (directive) t = t.slice(directive[0].length);
  const esc = /^escape=(\w+)\s+/.exec(t);
  if (esc) {
    json = esc[1] === 'json';
    t = t.slice(esc[0].length);
  }
  t = t.replace(/;\s*$/, '');
  // one or more quoted strings, concatenated
  const parts = [...t.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)];
  if (parts.length && parts.map((m) => m[0]).join('').replace(/\s+/g, '') === t.replace(/\s+/g, '')) {
    t = parts.map((m) => (m[1] ?? m[2]).replace(/\\(.)/g, '$1')).join('');
  }
  return { body: t, json };
}

function parseNginx(text: string): { pieces: Piece[]; json: boolean } | string {
  const { body, json } = nginxBody(text);
  const pieces: Piece[] = [];
  const re = /\$\{(\w+)\}|\$(\w+)/g;
  let last = 0;
  for (const m of body.matchAll(re)) {
    if (m.index > last) pieces.push({ lit: body.slice(last, m.index) });
    pieces.push({ target: null, what: m[1] ?? m[2] });
    last = m.index + m[0].length;
  }
  if (last < body.length) pieces.push({ lit: body.slice(last) });
  for (const p of pieces) if ('what' in p) p.target = nginxTarget(p.what, pieces);
  if (!pieces.some((p) => 'what' in p)) return 'the nginx format has no $variables';
  return { pieces, json };
}

/** Strips `LogFormat "…" nickname` and Apache's \" escapes from a pasted directive. */
function apacheBody(text: string): string {
  let t = text.trim();
  const directive = /^(?:Custom)?LogFormat\s+"((?:[^"\\]|\\.)*)"(?:\s+\S+)?$/i.exec(t);
  if (directive) t = directive[1];
  else if (/^".*"$/.test(t)) t = t.slice(1, -1);
  return t.replace(/\\"/g, '"').replace(/\\t/g, '\t');
}

function parseApache(text: string): Piece[] | string {
  const body = apacheBody(text);
  const pieces: Piece[] = [];
  const re = /%(?:[<>]|!?[\d,]+)*(?:\{([^}]*)\})?([a-zA-Z%])/g;
  let last = 0;
  for (const m of body.matchAll(re)) {
    if (m.index > last) pieces.push({ lit: body.slice(last, m.index) });
    last = m.index + m[0].length;
    const [, arg, d] = m;
    if (d === '%') {
      pieces.push({ lit: '%' });
      continue;
    }
    let target: Target;
    if (arg !== undefined && d === 'i') {
      const h = arg.toLowerCase();
      target =
        h === 'user-agent' ? { slot: Slot.UserAgent }
        : h === 'referer' ? { slot: Slot.Referer }
        : h === 'cookie' ? { slot: Slot.Cookie }
        : h === 'x-forwarded-for' ? { slot: Slot.Xff }
        : h === 'host' ? { slot: Slot.Host }
        : { slot: Slot.Named, label: `header:${h}` };
    } else if (arg !== undefined && d === 'C') {
      target = { slot: Slot.Named, label: `cookie:${arg}` };
    } else if (arg !== undefined && d === 't') {
      target = { slot: Slot.Time };
    } else if (arg !== undefined) {
      target = { slot: Slot.Named, label: `field:%{${arg}}${d}` };
    } else {
      target = APACHE_DIRECTIVES[d] ?? { slot: Slot.Named, label: `field:%${d}` };
    }
    pieces.push({ target, what: m[0] });
  }
  if (last < body.length) pieces.push({ lit: body.slice(last) });
  if (!pieces.some((p) => 'what' in p)) return 'the Apache format has no %directives';
  return pieces;
}

/** Merges adjacent literals and refuses two fields with nothing between them. */
function normalise(pieces: Piece[]): Piece[] | string {
  const out: Piece[] = [];
  for (const p of pieces) {
    const prev = out.at(-1);
    if ('lit' in p && prev && 'lit' in prev) prev.lit += p.lit;
    else if ('what' in p && prev && 'what' in prev) return `${prev.what} and ${p.what} touch: with nothing between them they cannot be told apart`;
    else out.push({ ...p });
  }
  return out;
}

/** Compiles a pasted format ("nginx:…" or "apache:…") into a FormatSpec, or an error sentence. */
export function templateSpec(text: string): FormatSpec | string {
  const colon = text.indexOf(':');
  const flavour = text.slice(0, colon).toLowerCase();
  const source = text.slice(colon + 1);
  let parsed: Piece[] | string;
  let enc: 0 | 1 = Enc.Log;
  if (flavour === 'nginx') {
    const r = parseNginx(source);
    if (typeof r === 'string') return r;
    parsed = r.pieces;
    if (r.json) enc = Enc.Json;
  } else if (flavour === 'apache') {
    parsed = parseApache(source);
  } else {
    return 'a format string starts with nginx: or apache:';
  }
  if (typeof parsed === 'string') return parsed;
  const pieces = normalise(parsed);
  if (typeof pieces === 'string') return pieces;
  if (!pieces.some((p) => 'target' in p && p.target && (p.target.slot === Slot.Time))) return 'the format has no time field ($time_local, $time_iso8601, $msec or %t)';

  const labels: string[] = [];
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  pieces.forEach((p, i) => {
    if ('lit' in p) {
      const lit = encoder.encode(p.lit);
      bytes.push(1, lit.length & 0xff, lit.length >> 8, ...lit);
      return;
    }
    const t = p.target ?? { slot: Slot.Named, label: `field:${p.what}` };
    let nameId = 0;
    if (t.slot === Slot.Named) {
      const label = t.label ?? `field:${p.what}`;
      nameId = labels.indexOf(label);
      if (nameId < 0) nameId = labels.push(label) - 1;
    }
    const before = pieces[i - 1];
    const after = pieces[i + 1];
    const quoted = before && 'lit' in before && before.lit.endsWith('"') && after && 'lit' in after && after.lit.startsWith('"');
    const mode = quoted ? (t.slot === Slot.Request ? 2 : 1) : 0;
    bytes.push(2, t.slot, t.conv ?? 0, nameId & 0xff, nameId >> 8, mode);
  });
  return { kind: 'template', name: `${flavour}:${source.trim()}`, program: Uint8Array.from(bytes), labels, enc };
}
