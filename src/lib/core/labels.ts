import type { SessionColumns, Label, LabelName, RiskPart, AttackType, Baseline, EndpointStats } from './types';
import { ATTACK_TYPES, LABELS } from './types';

// Behaviour labels and risk (SPEC §3), from each session's figures and the dataset's own baseline.
// Every label carries its evidence — the numbers that triggered it — and a risk score is the sum
// of named parts, so the page can explain both. Thresholds are named here, in one place.

export const THRESHOLDS = {
  /** Scanner probes (or a scanner's user agent) that make a security crawler. */
  probes: 5,
  /** 401/403 answers on login-like endpoints for brute force. */
  authFailures: 10,
  /** Not-found answers, and their share of the session, for forced browsing. */
  notFound: 20,
  notFoundShare: 0.5,
  /** Distinct object ids on id endpoints, and their share of the session, for enumeration. */
  idPaths: 20,
  idShare: 0.5,
  /** Sessions at least this large are compared with the dataset's 99th percentiles. */
  scrapingMinRequests: 100,
  /** Successive gaps, their least mean (ms) and greatest coefficient of variation for machine timing. */
  timingGaps: 10,
  timingMinMeanMs: 500,
  timingMaxCv: 0.1,
  /** Slow requests (for their endpoint) that mark a session; server errors within a minute for a burst. */
  slowRequests: 3,
  errorBurst: 5
} as const;

const SCANNER_UA = /sqlmap|nikto|nuclei|zgrab|masscan|nmap|acunetix|wpscan|dirbuster|gobuster|dirb\/|ffuf|wfuzz|nessus|openvas|w3af|burp|arachni|skipfish|zmeu|netsparker|qualys|jaeles|commix|whatweb|hydra|zap\//i;
const LIBRARY_UA = /^(curl|wget|python-requests|python-urllib|python\/|aiohttp|httpx|go-http-client|java\/|okhttp|apache-httpclient|axios|node-fetch|undici|got |libwww-perl|lwp::|ruby|php\/|guzzlehttp|powershell|postmanruntime|insomnia|restsharp|dart:io|reqwest|http\.rb|scrapy|mechanize|winhttp)/i;

/** Points of each attack type and label in a session's risk. */
const ATTACK_POINTS: Record<AttackType, number> = { jndi: 45, cmdi: 40, sqli: 35, 'file-inclusion': 35, traversal: 30, xss: 30, scanner: 15 };
const LABEL_POINTS: Record<LabelName, number> = {
  'security-crawler': 20,
  'brute-force': 30,
  'forced-browsing': 15,
  enumeration: 25,
  scraping: 15,
  'machine-timing': 5,
  'library-agent': 5,
  // performance, not threat: shown, but no risk
  'slow-requests': 0,
  'error-burst': 0
};

function percentile(values: Float64Array, q: number): number {
  if (values.length === 0) return Infinity;
  const sorted = values.slice().sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const perMinute = (requests: number, start: number, end: number) => requests / Math.max(1, (end - start) / 60_000);

/** The dataset's 99th percentiles of session size, rate and bytes. */
export function baselineOf(cols: Pick<SessionColumns, 'count' | 'requests' | 'bytes' | 'start' | 'end'>): Baseline {
  const n = cols.count;
  const req = new Float64Array(n), rate = new Float64Array(n), bytes = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    req[i] = cols.requests[i];
    rate[i] = perMinute(cols.requests[i], cols.start[i], cols.end[i]);
    bytes[i] = cols.bytes[i];
  }
  return { requestsP99: percentile(req, 0.99), rateP99: percentile(rate, 0.99), bytesP99: percentile(bytes, 0.99) };
}

/** The labels of session i, with their evidence. */
export function labelsOf(cols: SessionColumns, i: number): Label[] {
  const out: Label[] = [];
  const t = THRESHOLDS;
  const n = cols.requests[i];
  const attack = (k: AttackType) => cols.attacks[i * 7 + ATTACK_TYPES.indexOf(k)];
  const ua = cols.userAgents[cols.userAgent[i]] ?? '';
  const probes = attack('scanner');
  const scannerUa = SCANNER_UA.exec(ua)?.[0];
  if (scannerUa || probes >= t.probes) {
    // with a scanner's user agent every request counts as scanner activity, not only the probes
    const what = scannerUa ? 'requests from a scanner or probing for files and panels' : 'requests probe for files or panels';
    out.push({ name: 'security-crawler', evidence: [scannerUa ? `scanner user agent "${scannerUa}"` : '', probes ? `${probes} of ${n} ${what}` : ''].filter(Boolean).join('; ') });
  }
  if (cols.authFailures[i] >= t.authFailures) {
    out.push({ name: 'brute-force', evidence: `${cols.authFailures[i]} requests answered 401/403 on login endpoints` });
  }
  const nf = cols.notFound[i];
  if (nf >= t.notFound && nf >= n * t.notFoundShare) {
    out.push({ name: 'forced-browsing', evidence: `${nf} of ${n} requests not found, over ${cols.distinctEndpoints[i]} distinct endpoints` });
  }
  const ids = cols.idPaths[i];
  if (ids >= t.idPaths && ids >= n * t.idShare) {
    out.push({ name: 'enumeration', evidence: `${ids} distinct object ids requested in ${n} requests` });
  }
  const b = cols.baseline;
  if (n >= t.scrapingMinRequests) {
    const rate = perMinute(n, cols.start[i], cols.end[i]);
    const why: string[] = [];
    if (n >= b.requestsP99) why.push(`${n} requests (99th percentile of sessions: ${Math.round(b.requestsP99)})`);
    if (rate >= b.rateP99) why.push(`${rate.toFixed(1)} requests/min (99th percentile: ${b.rateP99.toFixed(1)})`);
    if (cols.bytes[i] >= b.bytesP99 && cols.bytes[i] > 0) why.push(`${Math.round(cols.bytes[i] / 1024)} KiB (99th percentile: ${Math.round(b.bytesP99 / 1024)} KiB)`);
    if (why.length) out.push({ name: 'scraping', evidence: why.join('; ') });
  }
  const gaps = cols.gapCount[i];
  if (gaps >= t.timingGaps) {
    const mean = cols.gapSum[i] / gaps;
    const variance = Math.max(0, cols.gapSumSq[i] / gaps - mean * mean);
    const cv = Math.sqrt(variance) / mean;
    if (mean >= t.timingMinMeanMs && cv <= t.timingMaxCv) {
      out.push({ name: 'machine-timing', evidence: `${gaps} gaps of ${(mean / 1000).toFixed(1)} s on average, varying by ${(cv * 100).toFixed(1)}%` });
    }
  }
  if (cols.slowRequests[i] >= t.slowRequests) {
    out.push({ name: 'slow-requests', evidence: `${cols.slowRequests[i]} requests slower than their endpoint's 99th percentile and thrice its median` });
  }
  if (cols.errorBurst[i] >= t.errorBurst) {
    out.push({ name: 'error-burst', evidence: `${cols.errorBurst[i]} server errors (5xx) within a minute` });
  }
  const lib = LIBRARY_UA.exec(ua)?.[0];
  if (ua === '' || ua === '-' || lib) {
    out.push({ name: 'library-agent', evidence: ua === '' || ua === '-' ? 'no user agent' : `user agent of a library or tool: "${lib}"` });
  }
  return out;
}

/** The risk of session i, 0..100, as the parts that make it. */
export function riskOf(cols: SessionColumns, i: number, labels: Label[]): { risk: number; parts: RiskPart[] } {
  const parts: RiskPart[] = [];
  ATTACK_TYPES.forEach((k, j) => {
    const count = cols.attacks[i * 7 + j];
    if (count > 0) parts.push({ part: `${count} ${k} request${count > 1 ? 's' : ''}`, points: ATTACK_POINTS[k] });
  });
  for (const l of labels) if (LABEL_POINTS[l.name] > 0) parts.push({ part: l.name, points: LABEL_POINTS[l.name] });
  const risk = Math.min(100, parts.reduce((s, p) => s + p.points, 0));
  return { risk, parts };
}

/** Sets baseline, labelBits and risk of every session. Call after building or merging columns. */
export function scoreSessions(cols: SessionColumns): SessionColumns {
  cols.baseline = baselineOf(cols);
  cols.labelBits = new Uint16Array(cols.count);
  cols.risk = new Uint8Array(cols.count);
  for (let i = 0; i < cols.count; i++) {
    const labels = labelsOf(cols, i);
    let bits = 0;
    for (const l of labels) bits |= 1 << LABELS.indexOf(l.name);
    cols.labelBits[i] = bits;
    cols.risk[i] = riskOf(cols, i, labels).risk;
  }
  return cols;
}

/** An endpoint's risk: the share of its requests that are attacks, weighted by the worst type. */
export function endpointRisk(e: Pick<EndpointStats, 'requests' | 'attacks'>): number {
  let attacked = 0;
  let worst = 0;
  for (const k of ATTACK_TYPES) {
    const n = e.attacks[k] ?? 0;
    if (n > 0) {
      attacked += n;
      worst = Math.max(worst, ATTACK_POINTS[k]);
    }
  }
  if (attacked === 0) return 0;
  const share = Math.min(1, attacked / Math.max(1, e.requests));
  return Math.min(100, Math.round(worst + (100 - worst) * share));
}
