import type { SessionColumns, Session, EndpointStats } from './types';
import { KEY_KINDS, STATUS_CLASSES, HOSTS_PER_SESSION, ATTACK_TYPES } from './types';
import { labelsOf, riskOf } from './labels';
import { statusRecord } from './engine';

/** Row i of the columns as a plain object. */
export function sessionAt(cols: SessionColumns, i: number): Session {
  const user = cols.user[i];
  const hosts: string[] = [];
  for (let k = cols.hostSetStart[i]; k < cols.hostSetStart[i + 1] && hosts.length < HOSTS_PER_SESSION; k++) hosts.push(cols.hosts[cols.hostSet[k]]);
  const durations = cols.durationCount[i];
  const attacks: Session['attacks'] = {};
  ATTACK_TYPES.forEach((k, j) => {
    if (cols.attacks[i * 7 + j] > 0) attacks[k] = cols.attacks[i * 7 + j];
  });
  const labels = labelsOf(cols, i);
  const { risk, parts } = riskOf(cols, i, labels);
  return {
    id: cols.id[i],
    key: (KEY_KINDS[cols.keyKind[i]] || 'ip+ua') as Session['key'],
    keyHash: cols.keyHash[i],
    ip: cols.ips[cols.ip[i]],
    userAgent: cols.userAgents[cols.userAgent[i]],
    user: user >= 0 ? cols.users[user] : null,
    start: cols.start[i],
    end: cols.end[i],
    requests: cols.requests[i],
    bytes: cols.bytes[i],
    status: statusRecord(cols.status.subarray(i * 6, i * 6 + 6)),
    durationMs: durations > 0 ? { avg: Math.round((cols.durationSum[i] / durations) * 1000) / 1000, max: cols.durationMax[i] } : null,
    ips: cols.distinctIps[i],
    endpoints: cols.distinctEndpoints[i],
    hosts,
    firstEndpoint: cols.endpoints[cols.firstEndpoint[i]],
    lastEndpoint: cols.endpoints[cols.lastEndpoint[i]],
    attacks,
    labels,
    risk,
    riskParts: parts
  };
}

/** Status counts without the zero classes ("2xx": 10, "4xx": 2). */
function nonZero(status: Session['status']): Partial<Session['status']> {
  return Object.fromEntries(STATUS_CLASSES.filter((c) => status[c] > 0).map((c) => [c, status[c]]));
}

/** A session as the CLI prints it (SPEC §6): times as ISO 8601 UTC. */
export function sessionJson(s: Session): Record<string, unknown> {
  return {
    id: s.id,
    key: s.key,
    keyHash: s.keyHash,
    ip: s.ip,
    userAgent: s.userAgent,
    user: s.user,
    start: new Date(s.start).toISOString(),
    end: new Date(s.end).toISOString(),
    requests: s.requests,
    endpoints: s.endpoints,
    status: nonZero(s.status),
    bytes: s.bytes,
    ips: s.ips,
    hosts: s.hosts,
    firstEndpoint: s.firstEndpoint,
    lastEndpoint: s.lastEndpoint,
    durationMs: s.durationMs,
    attacks: s.attacks,
    labels: s.labels.map((l) => l.name),
    risk: s.risk
  };
}

/** An endpoint as the CLI prints it: without its raw sketch. */
export function endpointJson(e: EndpointStats): Record<string, unknown> {
  const { sketch, status, attacks, ...rest } = e;
  void sketch;
  return { ...rest, status: nonZero(status), attacks: Object.fromEntries(Object.entries(attacks).filter(([, n]) => n > 0)) };
}
