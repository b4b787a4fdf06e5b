import type { SessionColumns, Session } from './types';

/** Row i of the columns as a plain object. */
export function sessionAt(cols: SessionColumns, i: number): Session {
  const actor = cols.actors[cols.actor[i]];
  const user = cols.user[i];
  return {
    id: cols.id[i],
    key: actor.keyKind,
    keyHash: actor.keyHash,
    ip: actor.ip,
    userAgent: actor.userAgent,
    user: user >= 0 ? cols.users[user] : null,
    start: cols.start[i],
    end: cols.end[i],
    requests: cols.requests[i]
  };
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
    requests: s.requests
  };
}
