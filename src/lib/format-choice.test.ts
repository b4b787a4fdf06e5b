import { describe, expect, it } from 'vitest';
import type { FilePreview } from '../worker/api';
import { AUTO_DRAFT, choiceKey, choiceOf, importable, parsesNothing, pastedFormat, takesMapping } from './format-choice';

const NPM = '[$time_local] $status - $request_method "$request_uri" [Client $remote_addr]';

describe('choiceOf', () => {
  it('detects by default', () => {
    expect(choiceOf({ ...AUTO_DRAFT })).toEqual({});
    expect(choiceOf({ ...AUTO_DRAFT, mapping: 'time=ts' })).toEqual({});
  });

  it('takes the list choice, and a mapping for JSON only', () => {
    expect(choiceOf({ select: 'alb', pasted: '', mapping: 'time=ts' })).toEqual({ format: 'alb' });
    expect(choiceOf({ select: 'json', pasted: '', mapping: '' })).toEqual({ format: 'json' });
    expect(choiceOf({ select: 'json', pasted: '', mapping: ' time=ts,ip=a.b ' })).toEqual({ format: 'json', mapping: 'time=ts,ip=a.b' });
    expect(takesMapping({ select: 'json', pasted: '', mapping: '' })).toBe(true);
    expect(takesMapping({ select: 'json:caddy', pasted: '', mapping: '' })).toBe(false);
  });

  it('lets a pasted format string win over the list', () => {
    expect(choiceOf({ select: 'json', pasted: `  nginx:${NPM} `, mapping: 'time=ts' })).toEqual({ format: `nginx:${NPM}` });
    expect(takesMapping({ select: 'json', pasted: 'x', mapping: '' })).toBe(false);
  });

  it('keys equal choices equally', () => {
    expect(choiceKey(choiceOf({ ...AUTO_DRAFT }))).toBe(choiceKey({ format: 'auto' }));
    expect(choiceKey({ format: 'json' })).not.toBe(choiceKey({ format: 'json', mapping: 'time=ts' }));
  });
});

describe('pastedFormat', () => {
  it('keeps an explicit flavour', () => {
    expect(pastedFormat(`nginx:${NPM}`)).toBe(`nginx:${NPM}`);
    expect(pastedFormat('apache:%h %t "%r" %>s')).toBe('apache:%h %t "%r" %>s');
  });

  it('tells nginx and Apache formats by their look', () => {
    expect(pastedFormat(NPM)).toBe(`nginx:${NPM}`);
    expect(pastedFormat(`log_format proxy '${NPM}';`)).toBe(`nginx:log_format proxy '${NPM}';`);
    expect(pastedFormat('%h %l %u %t \\"%r\\" %>s %b')).toBe('apache:%h %l %u %t \\"%r\\" %>s %b');
    expect(pastedFormat('LogFormat "%v %h %t" vhost')).toBe('apache:LogFormat "%v %h %t" vhost');
    expect(pastedFormat('%{X-Forwarded-For}i %t "%r" %>s')).toBe('apache:%{X-Forwarded-For}i %t "%r" %>s');
  });

  it('passes anything else on as a name', () => {
    expect(pastedFormat('combined')).toBe('combined');
    expect(pastedFormat('w3c')).toBe('w3c');
  });
});

describe('importable', () => {
  const base: FilePreview = { file: 'a.log', format: 'clf', requests: [], lines: 0, malformed: 0 };
  const request = { line: 1 } as FilePreview['requests'][number];

  it('needs a format, no error, and a parsed request unless the file is empty', () => {
    expect(importable(base)).toBe(true);
    expect(importable({ ...base, lines: 3, requests: [request] })).toBe(true);
    expect(importable({ ...base, lines: 3, malformed: 3 })).toBe(false);
    expect(parsesNothing({ ...base, lines: 3, malformed: 3 })).toBe(true);
    expect(importable({ ...base, format: null })).toBe(false);
    expect(importable({ ...base, error: { kind: 'binary', file: 'a.log', message: 'binary' } })).toBe(false);
  });
});
