import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { root } from '../helpers/core';

// detect.ts skips pathBits() for a path made only of letters, digits and - . / _ ~ (no "..") when
// none of the QUIET_PATH triples occurs in it: every needle of traversal(), probe() and
// fileInclusion() that such a path can hold must contain one of them, or a probe on a path whose
// template hides an id would be missed. A needle added there without its triple fails here, by
// name, unless it only counts together with another needle that has one (GUARDED, with why).
// suspicious() has one needle such a path can hold, "/usr", read as bytes: "usr" is listed.

const source = readFileSync(`${root}assembly/detect.ts`, 'utf8');

/** The body of `function name(` up to the closing brace at the start of a line. */
function body(name: string): string {
  const start = source.indexOf(`\nfunction ${name}(`);
  if (start < 0) throw new Error(`no function ${name} in detect.ts`);
  return source.slice(start, source.indexOf('\n}\n', start));
}

/** Case folded as quietText folds it: the 0x20 bit set in every byte. */
const fold = (s: string) => Array.from(s, (c) => String.fromCharCode(c.charCodeAt(0) | 0x20)).join('');

const list = source.slice(source.indexOf('const QUIET_PATH'), source.indexOf('];', source.indexOf('const QUIET_PATH')));
const triples = [...list.matchAll(/'([^']{3})'/g)].map((m) => fold(m[1]));

/** Needles that match only after another needle (covered, or impossible in a quiet path) did. */
const GUARDED: Record<string, string[]> = {
  // "/windows/" with "/.."; passwd, shadow, issue, hosts within 16 bytes after "etc"; web.xml after "web-inf"
  traversal: ['/windows/', 'passwd', 'shadow', 'issue', 'hosts', 'web.xml'],
  // in a remote URL's value: after "=http://" and the like (":" is not quiet)
  fileInclusion: ['.txt', 'shell'],
  probe: []
};

describe('the quiet-path screen of detect.ts', () => {
  it('has its triples', () => {
    expect(triples.length).toBeGreaterThan(50);
  });

  it('lists "usr" for suspicious()', () => {
    expect(triples).toContain('usr');
  });

  for (const fn of ['traversal', 'probe', 'fileInclusion']) {
    it(`covers every needle of ${fn}() a quiet path can hold`, () => {
      const needles = [...body(fn).matchAll(/'((?:[^'\\]|\\.)+)'/g)].map((m) => m[1].replace(/\\\\/g, '\\'));
      expect(needles.length).toBeGreaterThan(0);
      const quiet = needles.filter((n) => /^[A-Za-z0-9._~/-]+$/.test(n) && !n.includes('..') && n.length >= 3);
      const uncovered = quiet.filter((n) => !triples.some((t) => fold(n).includes(t)) && !GUARDED[fn].includes(n));
      expect(uncovered).toEqual([]);
    });
  }
});
