import { describe, expect, it } from 'vitest';
import { endOf, phaseAt, retryAfterSeconds, retryAfterValue, type Schedule } from '../../src/state/schedule.js';
import { MAX_SCHEDULE_SECONDS } from '../../src/shared/limits.js';

const NOW = Date.parse('2030-01-01T12:00:00.000Z');
const HOUR = 3_600_000;
const PAST = NOW - HOUR;
const FUTURE = NOW + HOUR;
const LATER = NOW + 2 * HOUR;
/** Not instants: every function must treat them as "not set". */
const NOT_TIMES = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

describe('endOf', () => {
  it.each<[string, Schedule, 'maintenance' | 'coming-soon', number | undefined]>([
    ['maintenance ends at until', { mode: 'maintenance', until: FUTURE, launchAt: LATER }, 'maintenance', FUTURE],
    ['maintenance ignores launchAt', { mode: 'maintenance', launchAt: LATER }, 'maintenance', undefined],
    ['coming soon ends at launchAt first', { mode: 'coming-soon', until: FUTURE, launchAt: LATER }, 'coming-soon', LATER],
    ['coming soon falls back to until', { mode: 'coming-soon', until: FUTURE }, 'coming-soon', FUTURE],
    ['nothing set', { mode: 'maintenance' }, 'maintenance', undefined],
    ['a past end is still the end', { mode: 'maintenance', until: PAST }, 'maintenance', PAST],
    ['a negative (pre-1970) end is an instant', { mode: 'maintenance', until: -1000 }, 'maintenance', -1000],
  ])('%s', (_name, schedule, mode, expected) => {
    expect(endOf(schedule, mode)).toBe(expected);
  });

  it.each(NOT_TIMES)('treats %s as not set, falling back to the next field', (bad) => {
    expect(endOf({ mode: 'maintenance', until: bad }, 'maintenance')).toBeUndefined();
    expect(endOf({ mode: 'coming-soon', launchAt: bad, until: FUTURE }, 'coming-soon')).toBe(FUTURE);
    expect(endOf({ mode: 'coming-soon', launchAt: bad, until: bad }, 'coming-soon')).toBeUndefined();
  });
});

describe('phaseAt', () => {
  it.each<[string, Schedule, number, { mode: Schedule['mode']; changesAt: number | undefined }]>([
    ['off stays off, whatever is scheduled', { mode: 'off', startsAt: FUTURE, until: LATER }, NOW, { mode: 'off', changesAt: undefined }],
    ['closed with no end', { mode: 'maintenance' }, NOW, { mode: 'maintenance', changesAt: undefined }],
    ['closed until a future end', { mode: 'maintenance', until: FUTURE }, NOW, { mode: 'maintenance', changesAt: FUTURE }],
    ['open once the end passed', { mode: 'maintenance', until: PAST }, NOW, { mode: 'off', changesAt: undefined }],
    ['open exactly at the end', { mode: 'maintenance', until: NOW }, NOW, { mode: 'off', changesAt: undefined }],
    [
      'open before a window, changing at its start',
      { mode: 'maintenance', startsAt: FUTURE, until: LATER },
      NOW,
      { mode: 'off', changesAt: FUTURE },
    ],
    ['closed exactly at the start', { mode: 'maintenance', startsAt: NOW, until: LATER }, NOW, { mode: 'maintenance', changesAt: LATER }],
    ['closed inside a window', { mode: 'coming-soon', startsAt: PAST, launchAt: FUTURE }, NOW, { mode: 'coming-soon', changesAt: FUTURE }],
    ['a start in the past does not matter', { mode: 'maintenance', startsAt: PAST }, NOW, { mode: 'maintenance', changesAt: undefined }],
    [
      'a window ending before it starts never closes',
      { mode: 'maintenance', startsAt: LATER, until: FUTURE },
      NOW,
      { mode: 'off', changesAt: undefined },
    ],
    [
      'a window ending as it starts never closes',
      { mode: 'maintenance', startsAt: FUTURE, until: FUTURE },
      NOW,
      { mode: 'off', changesAt: undefined },
    ],
    [
      'coming soon opens at launchAt, not until',
      { mode: 'coming-soon', until: PAST, launchAt: FUTURE },
      NOW,
      { mode: 'coming-soon', changesAt: FUTURE },
    ],
  ])('%s', (_name, schedule, now, expected) => {
    expect(phaseAt(schedule, now)).toEqual(expected);
  });

  it.each(NOT_TIMES)('ignores a startsAt or end of %s: closed now, nothing scheduled', (bad) => {
    expect(phaseAt({ mode: 'maintenance', startsAt: bad }, NOW)).toEqual({ mode: 'maintenance', changesAt: undefined });
    expect(phaseAt({ mode: 'maintenance', until: bad }, NOW)).toEqual({ mode: 'maintenance', changesAt: undefined });
    expect(phaseAt({ mode: 'coming-soon', startsAt: bad, launchAt: bad, until: bad }, NOW)).toEqual({
      mode: 'coming-soon',
      changesAt: undefined,
    });
  });

  it('fails closed when the clock itself is NaN', () => {
    expect(phaseAt({ mode: 'maintenance', startsAt: FUTURE, until: LATER }, Number.NaN)).toEqual({ mode: 'maintenance', changesAt: LATER });
  });
});

describe('retryAfterValue', () => {
  it('is the HTTP-date of an end ahead', () => {
    expect(retryAfterValue(FUTURE, 600, NOW)).toBe('Tue, 01 Jan 2030 13:00:00 GMT');
  });

  it.each([
    ['past', PAST],
    ['now', NOW],
    ['unknown', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['beyond what a Date holds', 9e15],
  ])('falls back to whole seconds when the end is %s', (_name, end) => {
    expect(retryAfterValue(end, 600, NOW)).toBe('600');
  });

  it.each<[number, string]>([
    [600, '600'],
    [90.4, '90'],
    [0, '1'],
    [0.2, '1'],
    [-5, '1'],
    [Number.NaN, '1'],
    [Number.NEGATIVE_INFINITY, '1'],
    [Number.POSITIVE_INFINITY, String(MAX_SCHEDULE_SECONDS)],
    [1e12, String(MAX_SCHEDULE_SECONDS)],
  ])('writes a fallback of %s seconds as %s', (fallback, expected) => {
    expect(retryAfterValue(undefined, fallback, NOW)).toBe(expected);
  });

  it('never writes NaN or Infinity, whatever the clock', () => {
    expect(retryAfterValue(FUTURE, 600, Number.NaN)).toBe('600');
  });
});

describe('retryAfterSeconds', () => {
  it.each<[string, number, number]>([
    ['an hour ahead', FUTURE, 3600],
    ['a part second rounds up', NOW + 1500, 2],
    ['a millisecond ahead is still a second', NOW + 1, 1],
    ['far beyond a year is counted, not capped', NOW + 400 * 86_400_000, 400 * 86_400],
  ])('counts down to an end %s', (_name, end, expected) => {
    expect(retryAfterSeconds(end, 600, NOW)).toBe(expected);
  });

  it.each([PAST, NOW, undefined, ...NOT_TIMES])('falls back to the given seconds when the end is %s', (end) => {
    expect(retryAfterSeconds(end, 600, NOW)).toBe(600);
  });

  it.each<[number, number]>([
    [Number.NaN, 1],
    [-1, 1],
    [0, 1],
    [Number.POSITIVE_INFINITY, MAX_SCHEDULE_SECONDS],
  ])('bounds a fallback of %s to %s', (fallback, expected) => {
    expect(retryAfterSeconds(undefined, fallback, NOW)).toBe(expected);
  });
});
