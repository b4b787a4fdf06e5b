// Names of the core's malformed-line reasons; keep in step with `Reason` in assembly/request.ts.
const REASONS = [
  'ok',
  'no client address',
  'no [timestamp]',
  'bad timestamp',
  'no quoted request line',
  'bad status code',
  'bad byte count',
  'unterminated quoted field'
] as const;

export function reasonName(code: number): string {
  return REASONS[code] ?? `reason ${code}`;
}
