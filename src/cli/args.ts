// Command-line arguments of `sessionlens` (SPEC §6), parsed without a library: few flags, stable.

export type Command = 'summary' | 'sessions';

export interface CliArgs {
  command: Command;
  files: string[];
  inactivityMs: number;
  format: 'auto' | 'combined' | 'common';
  verbose: boolean;
}

export const USAGE = `usage: sessionlens summary|sessions [--format auto|combined|common] [--inactivity 30m] [--verbose] FILE…
  FILE may be - for standard input; .gz files are decompressed.
  summary   one JSON object: files, bytes, lines, blank, requests, malformed, sessions, format
  sessions  NDJSON, one session per line, sorted by start`;

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
  if (command !== 'summary' && command !== 'sessions') return command ? `unknown command: ${command}` : 'no command given';
  const args: CliArgs = { command, files: [], inactivityMs: 30 * 60_000, format: 'auto', verbose: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const eq = a.indexOf('=');
      return eq > 0 ? a.slice(eq + 1) : rest[++i];
    };
    if (a === '--verbose' || a === '-v') args.verbose = true;
    else if (a.startsWith('--inactivity')) {
      const ms = parseDuration(value() ?? '');
      if (ms === null) return `bad --inactivity value (examples: 30m, 45m, 1h, 90s)`;
      args.inactivityMs = ms;
    } else if (a.startsWith('--format')) {
      const f = value();
      if (f !== 'auto' && f !== 'combined' && f !== 'common') return `unknown format: ${f} (this version reads auto, combined, common)`;
      args.format = f;
    } else if (a === '-' || !a.startsWith('-')) args.files.push(a);
    else return `unknown option: ${a}`;
  }
  if (args.files.length === 0) return 'no input files (use - for standard input)';
  return args;
}
