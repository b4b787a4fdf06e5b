import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { run, memorySource, sharedData, hasSharedData } from '../helpers/core';

// Every junk file of ../shared/data/malformed through the core: no throw, every line accounted
// for, and the same answer whatever the chunking. Expected counts were checked against the files
// by hand (see the comments); a file the core cannot read must come back as an error naming it.

const dir = join(sharedData, 'malformed');

/** file -> expected [requests, malformed, blank] or the error kind. */
const expected: Record<string, [number, number, number] | string> = {
  'crowdsec-apache2-malformed.log': [11, 0, 0], // binary junk inside well-formed request quotes
  'crowdsec-bunkerweb-http-malformed.log': [12, 0, 1],
  'crowdsec-http-dos-invalid-http-versions.log': [6, 0, 0],
  'crowdsec-nginx-http-malformed.log': [12, 0, 0], // \xHH-escaped junk request lines, status 400
  'crowdsec-nginx-proxy-manager-malformed.log': [12, 0, 0],
  'fail2ban-nginx-bad-request.log': [8, 8, 7], // 8 "# failJSON" comments, 7 blank separators
  'honeynet-2004-odd-request-lines.log': [757, 0, 0], // odd but complete records, e.g. "GET" /x' HTTP/1.0"
  'lnav-bad_access_log.0': [3, 0, 0], // line 2 lacks ident and user: read leniently
  'lnav-syslog_with_access_log.0': 'not-recognised', // requests inside syslog, no timestamp of theirs
  'lnav-w3c.3': [3, 0, 7], // IIS Advanced Logging: 4 header and 3 blank lines; a quoted "garbage" column
  'lnav-w3c.6': [1, 0, 4], // 4 header lines
  'logparser-access_log.gz': [16, 1, 0] // line 2 is "xxxxxxxxxxxx"
};

describe.skipIf(!hasSharedData)('malformed corpus (../shared/data/malformed)', () => {
  const files = hasSharedData ? readdirSync(dir).sort() : [];

  it('has an expectation for every file', () => {
    expect(files).toEqual(Object.keys(expected).sort());
  });

  it.each(files)('%s', async (file) => {
    const bytes = readFileSync(join(dir, file));
    const results = [];
    for (const chunkSize of [1 << 20, 97]) {
      results.push(await run([memorySource(file, bytes, 31)], { chunkSize }));
    }
    expect(results[1]).toEqual(results[0]);
    const r = results[0];
    const want = expected[file];
    if (typeof want === 'string') {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.kind).toBe(want);
        expect(r.error.message).toContain(file);
      }
      return;
    }
    if (!r.ok) throw new Error(r.error.message);
    const s = r.value.summary;
    const text = file.endsWith('.gz') ? gunzipSync(bytes) : bytes;
    const newlines = text.filter((b) => b === 10).length;
    expect(s.lines).toBe(newlines + (text.at(-1) === 10 ? 0 : 1));
    expect(s.requests + s.malformed + s.blank).toBe(s.lines);
    expect([s.requests, s.malformed, s.blank]).toEqual(want);
  });
});

if (!hasSharedData) console.warn(`corpus tests skipped: ${sharedData} does not exist`);
