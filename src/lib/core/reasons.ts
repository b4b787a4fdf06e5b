// Names of the core's malformed-line reasons; keep in step with `Reason` in assembly/fields.ts.
const REASONS = [
  'ok',
  'no client address',
  'no [timestamp]',
  'bad timestamp',
  'no quoted request line',
  'bad status code',
  'bad byte count',
  'unterminated quoted field',
  'not a JSON object',
  'no request fields',
  'fewer fields than the format has',
  'directive'
] as const;

export function reasonName(code: number): string {
  return REASONS[code] ?? `reason ${code}`;
}
