import { describe, expect, it } from 'vitest';
import { parseDuration, parseSeconds, parseTime } from '../../src/cli/durations.js';

describe('parseDuration', () => {
  it.each<[string, number | undefined]>([
    ['90s', 90],
    ['10m', 600],
    ['2h', 7200],
    ['1d', 86_400],
    ['1w', 604_800],
    ['1h30m', 5400],
    [' 45m ', 2700],
    ['0s', undefined],
    ['', undefined],
    ['1.5h', undefined],
    ['-1h', undefined],
    ['30m1h', undefined],
    ['h', undefined],
    ['10', undefined],
    ['1y', undefined],
  ])('%j is %s seconds', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });
});

describe('parseTime', () => {
  const NOW = Date.parse('2030-01-01T00:00:00.000Z');
  it('counts a duration from now, and takes an ISO date with a zone as it is', () => {
    expect(parseTime('2h', NOW)).toBe(NOW + 7_200_000);
    expect(parseTime('2030-06-01T10:00:00+02:00', NOW)).toBe(Date.parse('2030-06-01T08:00:00Z'));
  });
  it.each(['tomorrow', '2030-06-01T10:00:00', '2030-02-30T10:00:00Z'])('refuses %j', (text) => {
    expect(parseTime(text, NOW)).toBeUndefined();
  });
});

describe('parseSeconds', () => {
  it.each<[string, number | undefined]>([
    ['600', 600],
    ['10m', 600],
    ['0', 0],
    ['abc', undefined],
  ])('%j is %s', (text, expected) => {
    expect(parseSeconds(text)).toBe(expected);
  });
});
