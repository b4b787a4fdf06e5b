import { Slot, Conv, type FieldDef, type SlotId, type ConvId } from '../slots';
import type { FormatSpec } from './spec';

// JSON-lines profiles recognised without configuration (SPEC §1), and explicit mappings for the
// rest. A field name is a path of keys, written here with "." (no profile key contains one).

type Row = [path: string, slot: SlotId, conv?: ConvId, label?: string, prio?: number];

function fields(rows: Row[]): FieldDef[] {
  return rows.map(([path, slot, conv, label, prio]) => ({
    name: path.split('.').join('\0'),
    slot,
    conv,
    label: slot === Slot.Named ? (label ?? `field:${path}`) : undefined,
    prio
  }));
}

/** nginx `log_format … escape=json` with the variables' names as keys, and common synonyms. */
const NGINX: Row[] = [
  ['remote_addr', Slot.Ip],
  ['realip_remote_addr', Slot.Ip, 0, undefined, 1],
  ['ip', Slot.Ip, 0, undefined, 2],
  ['client_ip', Slot.Ip, 0, undefined, 2],
  ['clientip', Slot.Ip, 0, undefined, 2],
  ['remote_ip', Slot.Ip, 0, undefined, 2],
  ['http_x_forwarded_for', Slot.Xff],
  ['x_forwarded_for', Slot.Xff],
  ['remote_user', Slot.User],
  ['time_iso8601', Slot.Time, Conv.Iso],
  ['time_local', Slot.Time, Conv.Clf],
  ['msec', Slot.Time, Conv.Epoch],
  ['timestamp', Slot.Time, Conv.Default, undefined, 1],
  ['@timestamp', Slot.Time, Conv.Default, undefined, 1],
  ['time', Slot.Time, Conv.Default, undefined, 2],
  ['date', Slot.Time, Conv.Default, undefined, 2],
  ['datetime', Slot.Time, Conv.Default, undefined, 2],
  ['request', Slot.Request],
  ['request_method', Slot.Method],
  ['method', Slot.Method, 0, undefined, 1],
  ['request_uri', Slot.Uri],
  ['uri', Slot.Path, 0, undefined, 1],
  ['path', Slot.Uri, 0, undefined, 2],
  ['url', Slot.Uri, 0, undefined, 2],
  ['args', Slot.Query],
  ['query_string', Slot.Query],
  ['server_protocol', Slot.Protocol],
  ['status', Slot.Status],
  ['status_code', Slot.Status, 0, undefined, 1],
  ['body_bytes_sent', Slot.Bytes],
  ['bytes_sent', Slot.Bytes, 0, undefined, 1],
  ['length', Slot.Bytes, 0, undefined, 2],
  ['size', Slot.Bytes, 0, undefined, 2],
  ['request_length', Slot.Named],
  ['request_time', Slot.Duration, Conv.Seconds],
  ['upstream_response_time', Slot.Named],
  // Matomo's documented log_format writes $request_time (seconds) under this name
  ['generation_time_milli', Slot.Duration, Conv.Seconds, undefined, 1],
  ['http_user_agent', Slot.UserAgent],
  ['user_agent', Slot.UserAgent, 0, undefined, 1],
  ['useragent', Slot.UserAgent, 0, undefined, 1],
  ['http_referer', Slot.Referer],
  ['http_referrer', Slot.Referer],
  ['referrer', Slot.Referer, 0, undefined, 1],
  ['referer', Slot.Referer, 0, undefined, 1],
  ['http_cookie', Slot.Cookie],
  ['host', Slot.Host],
  ['http_host', Slot.Host, 0, undefined, 1],
  ['server_name', Slot.Host, 0, undefined, 2],
  ['http_authorization', Slot.Named, 0, 'header:authorization'],
  ['request_id', Slot.Named],
  // Fastly's and other CDNs' usual names
  ['request_protocol', Slot.Protocol, 0, undefined, 1],
  ['request_user_agent', Slot.UserAgent, 0, undefined, 2],
  ['request_referer', Slot.Referer, 0, undefined, 2],
  ['response_status', Slot.Status, 0, undefined, 2],
  ['response_body_size', Slot.Bytes, 0, undefined, 2]
];

/** Cloudflare Logpush HTTP requests. */
const CLOUDFLARE: Row[] = [
  ['EdgeStartTimestamp', Slot.Time],
  ['ClientIP', Slot.Ip],
  ['ClientRequestMethod', Slot.Method],
  ['ClientRequestURI', Slot.Uri],
  ['ClientRequestProtocol', Slot.Protocol],
  ['ClientRequestHost', Slot.Host],
  ['ClientRequestUserAgent', Slot.UserAgent],
  ['ClientRequestReferer', Slot.Referer],
  ['EdgeResponseStatus', Slot.Status],
  ['EdgeResponseBytes', Slot.Bytes],
  ['RayID', Slot.Named, 0, 'field:RayID']
];

/** Caddy v2 access logs (`http.log.access`): nested request, epoch seconds, headers as arrays. */
const CADDY: Row[] = [
  ['ts', Slot.Time, Conv.Epoch],
  ['request.client_ip', Slot.Ip],
  ['request.remote_ip', Slot.Ip, 0, undefined, 1],
  ['request.remote_addr', Slot.Ip, 0, undefined, 2],
  ['request.method', Slot.Method],
  ['request.uri', Slot.Uri],
  ['request.host', Slot.Host],
  ['request.proto', Slot.Protocol],
  ['request.headers.User-Agent', Slot.UserAgent],
  ['request.headers.Referer', Slot.Referer],
  ['request.headers.Cookie', Slot.Cookie],
  ['request.headers.X-Forwarded-For', Slot.Xff],
  ['request.headers.Authorization', Slot.Named, 0, 'header:authorization'],
  ['user_id', Slot.User],
  ['status', Slot.Status],
  ['size', Slot.Bytes],
  ['duration', Slot.Duration, Conv.Seconds]
];

/** Traefik's JSON access log. Duration is in nanoseconds. */
const TRAEFIK: Row[] = [
  ['StartUTC', Slot.Time, Conv.Iso],
  ['StartLocal', Slot.Time, Conv.Iso, undefined, 1],
  ['time', Slot.Time, Conv.Default, undefined, 2],
  ['ClientHost', Slot.Ip],
  ['ClientAddr', Slot.Ip, 0, undefined, 1],
  ['ClientUsername', Slot.User],
  ['RequestMethod', Slot.Method],
  ['RequestPath', Slot.Uri],
  ['RequestProtocol', Slot.Protocol],
  ['RequestHost', Slot.Host],
  ['DownstreamStatus', Slot.Status],
  ['OriginStatus', Slot.Status, 0, undefined, 1],
  ['DownstreamContentSize', Slot.Bytes],
  ['Duration', Slot.Duration, Conv.Nanos],
  ['request_User-Agent', Slot.UserAgent],
  ['request_Referer', Slot.Referer],
  ['request_Cookie', Slot.Cookie],
  ['request_X-Forwarded-For', Slot.Xff],
  ['request_Authorization', Slot.Named, 0, 'header:authorization'],
  ['RouterName', Slot.Named],
  ['ServiceName', Slot.Named]
];

/** Envoy's JSON access log (its documented default keys). Duration is in milliseconds. */
const ENVOY: Row[] = [
  ['start_time', Slot.Time, Conv.Iso],
  ['downstream_remote_address', Slot.Ip],
  ['x-forwarded-for', Slot.Xff],
  ['x_forwarded_for', Slot.Xff],
  ['method', Slot.Method],
  ['path', Slot.Uri],
  ['x-envoy-origin-path', Slot.Uri, 0, undefined, 1],
  ['protocol', Slot.Protocol],
  ['response_code', Slot.Status],
  ['bytes_sent', Slot.Bytes],
  ['duration', Slot.Duration, Conv.Millis],
  ['user-agent', Slot.UserAgent],
  ['user_agent', Slot.UserAgent],
  ['referer', Slot.Referer],
  [':authority', Slot.Host],
  ['authority', Slot.Host],
  ['x-request-id', Slot.Named],
  ['response_flags', Slot.Named],
  ['upstream_host', Slot.Named]
];

/** Google Cloud HTTP(S) Load Balancing (LogEntry with httpRequest). */
const GCP: Row[] = [
  ['timestamp', Slot.Time, Conv.Iso],
  ['httpRequest.remoteIp', Slot.Ip],
  ['httpRequest.requestMethod', Slot.Method],
  ['httpRequest.requestUrl', Slot.Uri],
  ['httpRequest.protocol', Slot.Protocol],
  ['httpRequest.status', Slot.Status],
  ['httpRequest.responseSize', Slot.Bytes],
  ['httpRequest.userAgent', Slot.UserAgent],
  ['httpRequest.referer', Slot.Referer]
];

export const JSON_PROFILES: Record<string, Row[]> = { nginx: NGINX, caddy: CADDY, traefik: TRAEFIK, envoy: ENVOY, gcp: GCP, cloudflare: CLOUDFLARE };

/** The keys by which a profile is told apart from the others (all must be present). */
const MARKERS: Record<string, string[]> = {
  caddy: ['ts', 'request.method'],
  traefik: ['RequestMethod', 'DownstreamStatus'],
  envoy: ['start_time', 'response_code'],
  gcp: ['httpRequest.requestMethod'],
  cloudflare: ['ClientRequestMethod', 'EdgeStartTimestamp']
};

export function jsonSpec(profile: string): FormatSpec {
  return { kind: 'json', name: profile === 'nginx' ? 'json' : `json:${profile}`, fields: fields(JSON_PROFILES[profile]) };
}

/** Key paths of a parsed JSON object ("request.headers.User-Agent"). */
export function keyPaths(value: unknown, prefix = '', out = new Set<string>(), depth = 0): Set<string> {
  if (value && typeof value === 'object' && !Array.isArray(value) && depth < 4) {
    for (const [k, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      out.add(path);
      keyPaths(v, path, out, depth + 1);
    }
  }
  return out;
}

/**
 * The profile whose keys a set of records has: a marked profile if all its markers are there,
 * else nginx when its keys give at least a time and a client or a request. Null when none fits.
 */
export function jsonProfileOf(keys: Set<string>): string | null {
  for (const [profile, markers] of Object.entries(MARKERS)) {
    if (markers.every((m) => keys.has(m))) return profile;
  }
  const has = (slot: SlotId) => NGINX.some(([p, s]) => s === slot && keys.has(p));
  if (has(Slot.Time) && (has(Slot.Ip) || has(Slot.Request) || has(Slot.Uri) || has(Slot.Path))) return 'nginx';
  return null;
}

/** Slot names accepted by an explicit mapping (`--map time=ts,ip=client.addr,…`). */
const MAP_SLOTS: Record<string, [SlotId, ConvId?]> = {
  time: [Slot.Time],
  time_iso: [Slot.Time, Conv.Iso],
  time_epoch: [Slot.Time, Conv.Epoch],
  time_clf: [Slot.Time, Conv.Clf],
  ip: [Slot.Ip],
  xff: [Slot.Xff],
  user: [Slot.User],
  method: [Slot.Method],
  uri: [Slot.Uri],
  path: [Slot.Path],
  query: [Slot.Query],
  protocol: [Slot.Protocol],
  request: [Slot.Request],
  status: [Slot.Status],
  bytes: [Slot.Bytes],
  duration_s: [Slot.Duration, Conv.Seconds],
  duration_ms: [Slot.Duration, Conv.Millis],
  duration_us: [Slot.Duration, Conv.Micros],
  duration_ns: [Slot.Duration, Conv.Nanos],
  user_agent: [Slot.UserAgent],
  referer: [Slot.Referer],
  host: [Slot.Host],
  cookie: [Slot.Cookie]
};

export const MAP_SLOT_NAMES = Object.keys(MAP_SLOTS);

/**
 * An explicit mapping for any JSON: "time=ts,ip=client.addr,uri=req.url,header:x-api-key=h.key".
 * Returns an error sentence when a part is not understood.
 */
export function jsonMappingSpec(mapping: string): FormatSpec | string {
  const defs: FieldDef[] = [];
  for (const part of mapping.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) return `bad mapping "${part}": write field=key.path`;
    const what = part.slice(0, eq).trim();
    const name = part.slice(eq + 1).trim().split('.').join('\0');
    if (/^(header|cookie|field):./.test(what)) {
      defs.push({ name, slot: Slot.Named, label: what.toLowerCase().startsWith('cookie:') ? what : what.toLowerCase() });
      continue;
    }
    const slot = MAP_SLOTS[what.toLowerCase()];
    if (!slot) return `unknown field "${what}" in the mapping (known: ${MAP_SLOT_NAMES.join(', ')}, header:NAME, cookie:NAME, field:NAME)`;
    defs.push({ name, slot: slot[0], conv: slot[1] });
  }
  if (!defs.some((d) => d.slot === Slot.Time)) return 'the mapping needs a time field (time=KEY)';
  return { kind: 'json', name: 'json:mapped', fields: defs };
}
