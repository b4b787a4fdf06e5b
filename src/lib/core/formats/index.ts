import type { FormatSpec } from './spec';
import { w3c, cloudfront, alb, elb } from './columns';
import { jsonSpec, jsonMappingSpec, JSON_PROFILES } from './json';
import { templateSpec } from './template';

export type { FormatSpec } from './spec';

const CLF: FormatSpec = { kind: 'clf', name: 'clf' };

/** Formats a user can name (CLI --format, the page's override), with what each is. */
export const FORMAT_CHOICES: { name: string; label: string }[] = [
  { name: 'combined', label: 'combined / common (Apache, nginx), with or without a virtual host' },
  { name: 'json', label: 'JSON lines, nginx variable names' },
  ...Object.keys(JSON_PROFILES)
    .filter((p) => p !== 'nginx')
    .map((p) => ({ name: `json:${p}`, label: `JSON lines, ${p}` })),
  { name: 'alb', label: 'AWS Application Load Balancer' },
  { name: 'elb', label: 'AWS classic Elastic Load Balancer' },
  { name: 'cloudfront', label: 'Amazon CloudFront standard logs' },
  { name: 'w3c', label: 'W3C extended / IIS' }
];

/**
 * A format by name: a FORMAT_CHOICES name, "nginx:<log_format>", "apache:<LogFormat>", or "json"
 * with an explicit field mapping. Returns an error sentence for anything else.
 */
export function formatByName(name: string, mapping?: string): FormatSpec | string {
  const n = name.trim();
  const lower = n.toLowerCase();
  if (lower.startsWith('nginx:') || lower.startsWith('apache:')) return templateSpec(n);
  if (mapping) {
    if (lower !== 'json' && lower !== 'auto') return 'a field mapping applies to JSON logs only (--format json)';
    return jsonMappingSpec(mapping);
  }
  switch (lower) {
    case 'combined':
    case 'common':
    case 'vcombined':
    case 'vcommon':
    case 'clf':
      return CLF;
    case 'json':
      return jsonSpec('nginx');
    case 'alb':
      return alb;
    case 'elb':
      return elb;
    case 'cloudfront':
      return cloudfront;
    case 'w3c':
    case 'iis':
      return w3c;
  }
  if (lower.startsWith('json:') && JSON_PROFILES[lower.slice(5)]) return jsonSpec(lower.slice(5));
  return `unknown format "${n}" (known: ${FORMAT_CHOICES.map((c) => c.name).join(', ')}, nginx:<log_format>, apache:<LogFormat>)`;
}

export const CANDIDATES = { clf: CLF, alb, elb, w3c, cloudfront };
