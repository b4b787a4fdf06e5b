import { describe, expect, it } from 'vitest';
import { durationUnitOf, shiftDecimal } from './replay';

describe('replay durations', () => {
  it('moves the decimal point without float arithmetic', () => {
    expect(shiftDecimal('10', -3)).toBe('0.01');
    expect(shiftDecimal('123.5', -3)).toBe('0.1235');
    expect(shiftDecimal('1500', -3)).toBe('1.5');
    expect(shiftDecimal('0.5', -3)).toBe('0.0005');
    expect(shiftDecimal('12.345', 3)).toBe('12345');
    expect(shiftDecimal('0.001', 6)).toBe('1000');
    expect(shiftDecimal('7', 0)).toBe('7');
  });

  it('guesses the log unit from the format', () => {
    expect(durationUnitOf('json')).toBe('s');
    expect(durationUnitOf('w3c')).toBe('ms');
    expect(durationUnitOf('apache:%h %D')).toBe('us');
    expect(durationUnitOf('json:traefik')).toBe('ns');
  });
});
