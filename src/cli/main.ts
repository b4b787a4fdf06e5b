import { readFile, stat } from 'node:fs/promises';
import { openSync, readSync, fstatSync, closeSync } from 'node:fs';
import { compileCore, analyse, previewLogs } from '../lib/core/analyse';
import { endpointJson } from '../lib/core/sessions';
import { SessionLines } from '../lib/core/session-lines';
import type { LogSource, DirectReader } from '../lib/core/api';
import { parseArgs, USAGE } from './args';
import { requestLines } from './requests';

// `sessionlens`: the page's core in Node. dist/cli.js sits next to dist/core.wasm.

/** Streamed files (gzip) are read 8 MiB at a time: the size the core takes per call. */
const READ_SIZE = 8 << 20;

async function source(path: string): Promise<LogSource> {
  if (path === '-') {
    // node:stream loaded only here: loading it costs every run a few milliseconds
    const { Readable } = await import('node:stream');
    return { name: '(stdin)', stream: () => Readable.toWeb(process.stdin) as ReadableStream<Uint8Array> };
  }
  const info = await stat(path);
  if (info.isDirectory()) throw new Error(`${path}: is a directory`);
  // a pipe or a device (`<(zcat …)`, /dev/stdin) is read in order, its size unknown
  const regular = info.isFile();
  return {
    name: path,
    size: regular ? info.size : undefined,
    stream: () => fileStream(path, regular ? info.size : null),
    readAt: regular ? (offset) => fileReader(path, info.size, offset) : undefined
  };
}

/**
 * A file read synchronously from `offset` into the caller's buffer (`sizeAtStat` null: a pipe,
 * read in order from its start). Read synchronously: the CLI has nothing else to do meanwhile,
 * and an asynchronous read finishes on a thread-pool thread that, on a busy machine, waits for a
 * CPU while the main thread idles. A regular file that grows or shrinks meanwhile (a live log, a
 * rotation) is read up to where its end was met, and the user is told so.
 */
function fileReader(path: string, sizeAtStat: number | null, offset: number): DirectReader {
  let fd: number | undefined = openSync(path, 'r');
  let position = offset;
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  return {
    read(into) {
      if (fd === undefined) return 0;
      const n = readSync(fd, into, 0, into.length, sizeAtStat === null ? null : position);
      position += n;
      if (n === 0) {
        const now = fstatSync(fd).size;
        close();
        if (sizeAtStat !== null && (position !== sizeAtStat || now !== position)) {
          process.stderr.write(`sessionlens: warning: ${path} changed while it was read (${sizeAtStat} bytes at the start, ${now} at the end); the result covers the ${position} bytes read\n`);
        }
      }
      return n;
    },
    close
  };
}

/** A file as a stream of READ_SIZE reads (its head, gzip files, pipes), pulled only as fast as the core takes them. */
function fileStream(path: string, sizeAtStat: number | null): ReadableStream<Uint8Array> {
  let reader: DirectReader | undefined;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        reader ??= fileReader(path, sizeAtStat, 0);
        // allocUnsafe: no zeroing, every byte handed on is written by the read
        const buf = Buffer.allocUnsafe(READ_SIZE);
        const n = reader.read(buf);
        if (n === 0) controller.close();
        else controller.enqueue(n === READ_SIZE ? buf : buf.subarray(0, n));
      },
      cancel() {
        reader?.close();
      }
    },
    { highWaterMark: 1 }
  );
}

/**
 * 8 random bytes from the system's generator, read from /dev/urandom where there is one: loading
 * node:crypto for them (OpenSSL's set-up) cost every run ~65 million instructions, ~15 ms.
 */
async function randomSalt(): Promise<Buffer> {
  const salt = Buffer.alloc(8);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      if (readSync(fd, salt, 0, 8, null) === 8) return salt;
    } finally {
      closeSync(fd);
    }
  } catch {
    // no /dev/urandom (Windows): node:crypto below
  }
  const { randomBytes } = await import('node:crypto');
  return randomBytes(8);
}

/** Writes text to stdout, waiting when the pipe is full (large NDJSON outputs). */
function write(text: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.stdout.write(text)) return resolve();
    const done = (err?: Error) => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    process.stdout.on('drain', done);
    process.stdout.on('error', done);
  });
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`sessionlens: ${args}\n${USAGE}\n`);
    return 2;
  }
  const sources: LogSource[] = [];
  for (const f of args.files) {
    try {
      sources.push(await source(f));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      process.stderr.write(`sessionlens: ${err.code === 'ENOENT' ? `${f}: no such file` : err.message}\n`);
      return 1;
    }
  }
  const module = await compileCore(await readFile(new URL('./core.wasm', import.meta.url)));
  if (args.command === 'preview') {
    const previews = await previewLogs(module, sources, { format: args.format, limit: args.limit });
    let failed = false;
    for (const p of previews) {
      if (p.error) {
        process.stderr.write(`sessionlens: ${p.error.message}\n`);
        failed = true;
        continue;
      }
      for (const r of p.requests) await write(JSON.stringify({ format: p.format, ...r }) + '\n');
    }
    return failed ? 1 : 0;
  }
  // requests: each block printed as it is read (the core keeps one chunk's rows at most)
  const names = sources.map((s) => s.name);
  const context = args.context;
  const salt = await randomSalt();
  const onRequests =
    args.command === 'requests'
      ? (block: Parameters<typeof requestLines>[0]) => write(requestLines(block, names, context))
      : undefined;
  const result = await analyse(module, sources, {
    // labels and risk are printed by `sessions` alone; attack counts by all but `summary`
    scores: args.command === 'sessions',
    detect: args.command !== 'summary',
    inactivityMs: args.inactivityMs,
    format: args.format,
    keys: args.keys,
    maxSessionMs: args.maxSessionMs,
    onRequests,
    context,
    // the CLI has no database salt: a random one per run, so a printed hash cannot be looked up in a
    // table made beforehand (a fixed, published salt would allow it)
    contextSalt: [salt.readUInt32LE(0), salt.readUInt32LE(4)]
  });
  if (!result.ok) {
    process.stderr.write(`sessionlens: ${result.error.message}\n`);
    return 1;
  }
  if (args.command === 'requests') return 0;
  const { summary, sessions } = result.value;
  if (args.command === 'summary') {
    const { malformedSamples, truncated, ...counts } = summary;
    const out: Record<string, unknown> = { ...counts, truncated };
    if (args.verbose) out.malformedSamples = malformedSamples;
    await write(JSON.stringify(out) + '\n');
    return 0;
  }
  let batch = '';
  if (args.command === 'endpoints') {
    for (const e of result.value.endpoints) batch += JSON.stringify(endpointJson(e)) + '\n';
    await write(batch);
    return 0;
  }
  // straight from the columns into bytes: those of JSON.stringify(sessionJson(sessionAt(…))) (session-lines.ts)
  const lines = new SessionLines(sessions, (size) => Buffer.allocUnsafe(size));
  for (let i = 0; i < sessions.count; i++) {
    lines.add(i);
    if (lines.length > 1 << 16) await write(lines.take());
  }
  await write(lines.take());
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    // Exit once stdout has taken the output (an empty write's callback comes after the writes
    // before it), not when the event loop runs dry: Node then first waits for V8's background
    // work, such as optimising the merge's wasm functions after their one run (~10-20 ms).
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    // the reader stopped reading (`sessionlens sessions … | head`): the output was cut on purpose
    if ((e as NodeJS.ErrnoException | null)?.code === 'EPIPE') process.exit(0);
    process.stderr.write(`sessionlens: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  }
);
