// Grouping settings (SPEC §2, §5 Settings): the grouping keys and the inactivity timeout that every
// import of a database is analysed and merged with. Read the same way by the page (to validate what
// is typed) and by the worker (which stores them in `meta` and passes them to the core).
import { keysToString, parseKeys } from './core/keys';

export interface GroupingSettings {
  /** Grouping keys in order, as `parseKeys` reads them: "cookie:sid,ip+ua". */
  keys: string;
  /** Inactivity timeout, ms. */
  inactivityMs: number;
}

/** The core's defaults: ip+ua, 30 minutes. */
export const DEFAULT_GROUPING: GroupingSettings = { keys: 'ip+ua', inactivityMs: 30 * 60_000 };

/** The longest inactivity timeout accepted, in minutes (one day). */
export const MAX_INACTIVITY_MINUTES = 24 * 60;

/** The syntax of the keys, for a hint beside the input. */
export const KEYS_HINT =
  'Comma-separated, the first with a value decides: cookie:NAME, header:NAME, jwt:CLAIM (jwt:CLAIM@cookie:NAME), query:NAME, user, ip+ua, ip';

export type Checked = { ok: true; value: GroupingSettings } | { ok: false; error: string };

/**
 * Settings as typed (keys text, timeout in minutes) made canonical — keys as `keysToString` writes
 * them, so "IP+UA , cookie:sid" and "ip+ua,cookie:sid" are the same settings — or the sentence
 * saying what is wrong (parseKeys' own for the keys).
 */
export function checkGrouping(keys: string, minutes: number): Checked {
  const parsed = parseKeys(keys);
  if (typeof parsed === 'string') return { ok: false, error: `Grouping keys: ${parsed}.` };
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0 || minutes > MAX_INACTIVITY_MINUTES) {
    return { ok: false, error: `Inactivity timeout: give a number of minutes above 0 and at most ${MAX_INACTIVITY_MINUTES}.` };
  }
  return { ok: true, value: { keys: keysToString(parsed), inactivityMs: Math.round(minutes * 60_000) } };
}

export function sameGrouping(a: GroupingSettings, b: GroupingSettings): boolean {
  return a.keys === b.keys && a.inactivityMs === b.inactivityMs;
}

/** The timeout in minutes, as the form shows it. */
export function minutesOf(s: GroupingSettings): number {
  return s.inactivityMs / 60_000;
}
