// Bad inputs of issue 8, made at test time (nothing big is committed): shared by the CLI matrix
// (tests/unit/cli-bad-input.test.ts) and the page's (tests/e2e/bad-input.test.ts).
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { generateLog, mulberry32 } from '../../scripts/gen-log.js';

/** A small, good combined log (seeded): what the bad inputs are mixed with or compared to. */
export function goodLog(lines = 300, seed = 4): string {
  return generateLog({ lines, seed });
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A real PNG (32×32 RGB noise): what a user picks by mistake. */
export function png(seed = 5): Buffer {
  const rnd = mulberry32(seed);
  const w = 32;
  const h = 32;
  const raw = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) for (let x = 1; x <= w * 3; x++) raw[y * (1 + w * 3) + x] = Math.floor(rnd() * 256);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** A real .gz of a good log, cut in half. */
export function truncatedGz(): Buffer {
  const gz = gzipSync(goodLog(2000, 6));
  return gz.subarray(0, gz.length >> 1);
}

/** The gzip magic, then junk. */
export function garbageGz(seed = 9): Buffer {
  const rnd = mulberry32(seed);
  const out = Buffer.alloc(4096);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rnd() * 256);
  out[0] = 0x1f;
  out[1] = 0x8b;
  return out;
}

/** Only blank lines: empty, spaces, tabs, CRLF. */
export const BLANK_LINES = '\n\n   \n\t\n\r\n \t \r\n\n'.repeat(20);

/** A W3C (IIS) block: its 4 header lines and 3 requests. */
export const W3C_BLOCK = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Version: 1.0',
  '#Date: 2024-03-04 10:00:00',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  '2024-03-04 10:00:00 10.0.0.1 GET /a x=1 443 - 192.0.2.7 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15',
  '2024-03-04 10:00:01 10.0.0.1 GET /b - 443 - 192.0.2.7 Mozilla/5.0+(Windows+NT+10.0) - 404 0 0 7',
  '2024-03-04 10:00:02 10.0.0.1 POST /c - 443 - 192.0.2.8 curl/8.0 - 200 0 0 3'
];

/** JSON lines with nginx's variable names (detected as `json` without a mapping). */
export const JSON_LINES = [0, 1, 2, 3].map((i) =>
  JSON.stringify({ time_iso8601: `2024-03-04T10:0${i}:00+00:00`, remote_addr: `198.51.100.${i + 1}`, request: `GET /j/${i} HTTP/1.1`, status: 200, body_bytes_sent: 10, http_user_agent: 'json-client/1.0' })
);

/**
 * Several formats in one file, combined first and most: 12 combined lines, then the 4 JSON lines,
 * then the W3C block, then 8 more combined lines. Lines are 1-based in `other`.
 */
export function mixedFormats(): { text: string; combined: number; other: number[] } {
  const combined = goodLog(20, 8).trimEnd().split('\n');
  const lines = [...combined.slice(0, 12), ...JSON_LINES, ...W3C_BLOCK, ...combined.slice(12)];
  const other = Array.from({ length: JSON_LINES.length + W3C_BLOCK.length }, (_, i) => 13 + i);
  return { text: lines.join('\n') + '\n', combined: combined.length, other };
}

/** JSON lines most, a few combined lines among them. */
export function mixedMostlyJson(): { text: string; json: number; combinedLines: number[] } {
  const combined = goodLog(3, 8).trimEnd().split('\n');
  const json = [...JSON_LINES, ...JSON_LINES, ...JSON_LINES];
  const lines = [...json.slice(0, 6), ...combined, ...json.slice(6)];
  return { text: lines.join('\n') + '\n', json: json.length, combinedLines: [7, 8, 9] };
}

/**
 * A W3C header block near the start of a combined log (two servers' logs joined): a regression,
 * the header used to decide the format alone and the file was refused as "not an access log".
 */
export function w3cHeaderInCombined(): { text: string; combined: number } {
  const combined = goodLog(400, 10).trimEnd().split('\n');
  const lines = [...combined.slice(0, 3), ...W3C_BLOCK, ...combined.slice(3)];
  return { text: lines.join('\n') + '\n', combined: combined.length };
}

/**
 * A good log with NUL bytes inside lines after its first 4 KiB (where the binary check looks):
 * one in a user agent (the line still parses), two in a timestamp (malformed), a line of NULs
 * (malformed). Returns the 1-based numbers of the malformed lines.
 */
export function nulsInside(): { bytes: Buffer; lines: number; malformed: number[] } {
  const lines = goodLog(60, 11)
    .trimEnd()
    .split('\n')
    .map((l) => Buffer.from(l));
  let at = 0;
  let first = 0;
  while (at < 4096) at += lines[first++].length + 1;
  const k = first + 2;
  const ua = lines[k];
  lines[k] = Buffer.concat([ua.subarray(0, ua.length - 3), Buffer.from([0]), ua.subarray(ua.length - 3)]);
  const ts = lines[k + 1];
  const bracket = ts.indexOf('[');
  lines[k + 1] = Buffer.concat([ts.subarray(0, bracket + 5), Buffer.from([0, 0]), ts.subarray(bracket + 5)]);
  lines[k + 4] = Buffer.alloc(100, 0);
  return { bytes: Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])), lines: lines.length, malformed: [k + 2, k + 5] };
}

/** A good log with a NUL byte on line 4 (inside the first 4 KiB): refused as binary, naming the line. */
export function nulEarly(): Buffer {
  const lines = goodLog(20, 12).trimEnd().split('\n');
  const b = Buffer.from(lines.join('\n') + '\n');
  const line4 = b.indexOf('\n', b.indexOf('\n', b.indexOf('\n') + 1) + 1) + 1;
  b[line4 + 10] = 0;
  return b;
}

/** A file of NUL bytes (what a crashed or preallocated log holds). */
export const NULS = Buffer.alloc(64 * 1024, 0);

/** A good log as UTF-16 with a byte order mark. */
export function utf16(order: 'le' | 'be', bom = true): Buffer {
  const le = Buffer.from(goodLog(30, 13), 'utf16le');
  if (order === 'be') for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  if (!bom) return le;
  return Buffer.concat([Buffer.from(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), le]);
}

/**
 * Writes a file whose `size`-byte line (of `fill`, no newline in it) stands alone (`around` false:
 * the whole file is that one line, with no newline at the end) or between good lines.
 */
export function writeLongLine(path: string, size: number, around: { before: string; after: string } | null, fill = 0x41): void {
  const fd = openSync(path, 'w');
  try {
    if (around) writeSync(fd, around.before);
    const block = Buffer.alloc(1 << 20, fill);
    for (let left = size; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
    if (around) writeSync(fd, '\n' + around.after);
  } finally {
    closeSync(fd);
  }
}

/** Writes `bytes` at dir/name and returns the path. */
export function put(dir: string, name: string, bytes: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}
