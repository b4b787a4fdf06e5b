import { describe, expect, it } from 'vitest';
import { PASTED_NAME, pastedFile } from './paste';

describe('pastedFile', () => {
  it('is the text as typed, UTF-8, named pasted.log', async () => {
    const text = '203.0.113.9 - - [10/Oct/2023:13:55:36 +0000] "GET /ünï HTTP/1.1" 200 5 "-" "curl/8"\r\n\r\n';
    const file = pastedFile(text)!;
    expect(file.name).toBe(PASTED_NAME);
    expect(PASTED_NAME).toBe('pasted.log');
    expect(await file.text()).toBe(text);
    expect(file.size).toBe(new TextEncoder().encode(text).length);
  });

  it('is nothing for empty or blank text', () => {
    expect(pastedFile('')).toBeNull();
    expect(pastedFile(' \n\t\r\n')).toBeNull();
  });
});
