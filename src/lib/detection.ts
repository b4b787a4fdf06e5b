// How the page words detection (SPEC §3): attack types and labels in a sentence, attack counts in a
// line, risk as a level. The core decides what is an attack and why; this only says it.
import { ATTACK_TYPES, LABELS, type AttackType, type LabelName } from './core/types';

export { ATTACK_TYPES, LABELS };
export type { AttackType, LabelName };

/** The attack filter's value for sessions with at least one attack request of any type. */
export const ANY_ATTACK = '*';

/** What each attack type is, for the filter's options and the session detail. */
export const ATTACK_NAMES: Record<AttackType, string> = {
  sqli: 'SQL injection',
  xss: 'cross-site scripting',
  traversal: 'path traversal',
  cmdi: 'command injection',
  jndi: 'JNDI / Log4Shell',
  'file-inclusion': 'file inclusion / PHP wrappers',
  scanner: 'scanner probes'
};

/** What each label means, for the filter's options and the label chips. */
export const LABEL_NAMES: Record<LabelName, string> = {
  'security-crawler': 'security scanner at work',
  'brute-force': 'brute force on login endpoints',
  'forced-browsing': 'many distinct not-found paths',
  enumeration: 'enumeration of object ids',
  scraping: 'scraping / excessive consumption',
  'machine-timing': 'machine-regular request timing',
  'library-agent': 'library, tool or no user agent',
  'slow-requests': 'requests slow for their endpoint',
  'error-burst': 'burst of server errors'
};

/** Attack requests by type, largest first (ties in ATTACK_TYPES order), the zero types left out. */
export function attackList(attacks: Partial<Record<AttackType, number>>): [AttackType, number][] {
  const out: [AttackType, number][] = [];
  for (const k of ATTACK_TYPES) {
    const n = attacks[k] ?? 0;
    if (n > 0) out.push([k, n]);
  }
  return out.sort((a, b) => b[1] - a[1]);
}

/** `traversal 12 · scanner 3`; '' when there is none. */
export function formatAttacks(attacks: Partial<Record<AttackType, number>>): string {
  return attackList(attacks)
    .map(([k, n]) => `${k} ${n}`)
    .join(' · ');
}

export type RiskLevel = 'none' | 'low' | 'medium' | 'high';

/** 0: none; below 30 (labels alone, a scanner probe): low; below 60: medium; else high. */
export function riskLevel(risk: number): RiskLevel {
  if (!(risk > 0)) return 'none';
  if (risk < 30) return 'low';
  if (risk < 60) return 'medium';
  return 'high';
}
