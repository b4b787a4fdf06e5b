import { formatByName } from '../lib/core/formats/index';
import type { FormatSpec } from '../lib/core/formats/spec';
import { parseKeys, type GroupingKey } from '../lib/core/keys';
import { parseContextFlag, type ContextParam } from '../lib/core/context';

// Command-line arguments of `sessionlens` (SPEC §6), parsed without a library: few flags, stable.

export type Command = 'summary' | 'sessions' | 'endpoints' | 'preview' | 'requests';

export interface CliArgs {
  command: Command;
  files: string[];
  inactivityMs: number;
  /** Undefined: detect each file's format. */
  format?: FormatSpec;
  verbose: boolean;
  /** preview: how many requests. */
  limit: number;
  keys?: GroupingKey[];
  maxSessionMs?: number;
  /** requests: the context parameters printed with each request. */
  context: ContextParam[];
}

export const USAGE = `usage: sessionlens summary|sessions|endpoints|requests|preview [options] FILE…
  FILE may be - for standard input; .gz files are decompressed; several files are one log.
  summary    one JSON object: files, bytes, lines, blank, requests, malformed, sessions, format
  sessions   NDJSON, one session per line, sorted by start
  endpoints  NDJSON, one endpoint (method + path template) per line, by requests
  requests   NDJSON, one request per line in reading order, with its context parameters
  preview    NDJSON of the first requests as parsed, every field shown (--limit N, default 20)
options:
  --context P1,P2,…  requests: fields printed with each request under "context", each
                   FIELD[=LABEL][:clear|:hashed] with FIELD cookie:NAME, header:NAME, query:NAME,
                   jwt:CLAIM (jwt:CLAIM@cookie:NAME, jwt:CLAIM@header:NAME) or user; hashed (the
                   default) prints a salted hash, never the value: equal values give equal hashes
                   within one run (the salt is random per run); at most 8. Example:
                   --context header:x-tenant=Tenant,cookie:role=Role:clear,jwt:sub
  --key K1,K2,…    grouping keys, first non-empty wins: cookie:NAME, header:NAME, jwt:CLAIM
                   (jwt:CLAIM@cookie:NAME for a token in a cookie), query:NAME, user, ip+ua, ip
                   (default ip+ua)
  --max-session D  cut sessions longer than D (e.g. 4h)
  --format F       combined, json, json:caddy, json:traefik, json:envoy, json:gcp, alb, elb,
                   cloudfront, w3c, 'nginx:<log_format>' or 'apache:<LogFormat>' (default: detect)
  --map M          JSON field mapping, e.g. time=ts,ip=client.addr,uri=req.url,status=code
  --inactivity D   session inactivity timeout: 30m (default), 45m, 1h, 90s
  --verbose        summary: add the first malformed lines with file and line number`;

/** "30m", "45m", "1h", "90s", "1500ms" or a bare number of minutes, to milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 'm';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  return ms > 0 ? ms : null;
}

export function parseArgs(argv: string[]): CliArgs | string {
  const [command, ...rest] = argv;
  if (command !== 'summary' && command !== 'sessions' && command !== 'endpoints' && command !== 'preview' && command !== 'requests') return command ? `unknown command: ${command}` : 'no command given';
  const args: CliArgs = { command, files: [], inactivityMs: 30 * 60_000, verbose: false, limit: 20, context: [] };
  let format: string | undefined;
  let mapping: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const eq = a.indexOf('=');
      return eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : rest[++i];
    };
    if (a === '--verbose' || a === '-v') args.verbose = true;
    else if (a === '--inactivity' || a.startsWith('--inactivity=')) {
      const ms = parseDuration(value() ?? '');
      if (ms === null) return `bad --inactivity value (examples: 30m, 45m, 1h, 90s)`;
      args.inactivityMs = ms;
    } else if (a === '--format' || a.startsWith('--format=')) format = value();
    else if (a === '--map' || a.startsWith('--map=')) mapping = value();
    else if (a === '--key' || a.startsWith('--key=')) {
      const keys = parseKeys(value() ?? '');
      if (typeof keys === 'string') return keys;
      args.keys = keys;
    } else if (a === '--context' || a.startsWith('--context=')) {
      if (command !== 'requests') return '--context applies to the requests command';
      const context = parseContextFlag(value() ?? '');
      if (typeof context === 'string') return `bad --context: ${context}`;
      args.context = context;
    } else if (a === '--max-session' || a.startsWith('--max-session=')) {
      const ms = parseDuration(value() ?? '');
      if (ms === null) return 'bad --max-session value (examples: 4h, 90m)';
      args.maxSessionMs = ms;
    }
    else if (a === '--limit' || a.startsWith('--limit=')) {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1 || n > 10_000) return 'bad --limit value (1 to 10000)';
      args.limit = n;
    } else if (a === '-' || !a.startsWith('-')) args.files.push(a);
    else return `unknown option: ${a}`;
  }
  if (format === '' ) return 'empty --format';
  if (mapping !== undefined || (format !== undefined && format !== 'auto')) {
    const spec = formatByName(format ?? 'json', mapping);
    if (typeof spec === 'string') return spec;
    args.format = spec;
  }
  if (args.files.length === 0) return 'no input files (use - for standard input)';
  return args;
}
