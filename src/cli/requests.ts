import { columnName, type ContextParam } from '../lib/core/context';
import { contextAt, referrerAt, targetAt, type RequestColumns } from '../lib/core/requests';
import { ATTACK_TYPES } from '../lib/core/types';

// `sessionlens requests`: every parsed request as one NDJSON line, in reading order, with the
// context parameters asked for (--context) under "context", by label.

export function requestLines(r: RequestColumns, files: readonly string[], context: readonly ContextParam[]): string {
  const names = context.map(columnName);
  let out = '';
  for (let i = 0; i < r.count; i++) {
    const endpoint = r.dict.endpoints[r.endpoint[i]] ?? '';
    const sp = endpoint.indexOf(' ');
    const d = r.duration[i];
    const row: Record<string, unknown> = {
      file: files[r.file[i]] ?? '?',
      line: r.line[i],
      time: new Date(r.time[i]).toISOString(),
      ip: r.dict.ips[r.ip[i]] ?? '',
      user: r.user[i] ? (r.dict.users[r.user[i] - 1] ?? null) : null,
      method: sp < 0 ? '' : endpoint.slice(0, sp),
      target: targetAt(r, i),
      endpoint,
      status: r.status[i],
      bytes: r.bytes[i],
      durationMs: d === d ? Math.round(d * 1000) / 1000 : null,
      host: r.host[i] ? (r.dict.hosts[r.host[i] - 1] ?? null) : null,
      userAgent: r.dict.userAgents[r.userAgent[i]] ?? '',
      referrer: referrerAt(r, i),
      attacks: ATTACK_TYPES.filter((_, b) => r.attacks[i] & (1 << b))
    };
    if (context.length) row.context = Object.fromEntries(context.map((p, j) => [p.label, contextAt(r, names[j], i)]));
    out += JSON.stringify(row) + '\n';
  }
  return out;
}
