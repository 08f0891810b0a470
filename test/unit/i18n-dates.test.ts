import { describe, expect, it } from 'vitest';
import {
  backInText,
  backOnText,
  dateTimeFormat,
  formatDateTime,
  formatDuration,
  formatRelativeTime,
  formatterCacheSize,
  launchesInText,
  launchesOnText,
  messagesFor,
  readingTimeText,
  relativeTimeParts,
  type RelativeUnit,
} from '../../src/i18n/index.js';

const NOW = Date.parse('2025-06-03T12:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const UNTIL = Date.parse('2025-06-03T14:00:00Z');

describe('formatDateTime', () => {
  it.each<[string, string, string]>([
    ['en', 'UTC', 'Tuesday, June 3, 2025 at 2:00 PM UTC'],
    ['en', 'America/New_York', 'Tuesday, June 3, 2025 at 10:00 AM EDT'],
    ['de', 'Europe/Berlin', 'Dienstag, 3. Juni 2025 um 16:00 MESZ'],
    ['fr', 'Europe/Paris', 'mardi 3 juin 2025 à 16:00 UTC+2'],
    ['ja', 'Asia/Tokyo', '2025年6月3日火曜日 23:00 JST'],
  ])('%s in %s', (lang, zone, text) => {
    expect(formatDateTime(UNTIL, lang, zone)).toBe(text);
  });

  it('writes the date in the visitor’s script for ar, he and zh-Hans', () => {
    expect(formatDateTime(UNTIL, 'ar', 'Asia/Riyadh')).toMatch(/الثلاثاء/);
    expect(formatDateTime(UNTIL, 'he', 'Asia/Jerusalem')).toMatch(/יום שלישי/);
    expect(formatDateTime(UNTIL, 'zh-Hans', 'Asia/Shanghai')).toMatch(/星期二/);
  });

  it('crosses midnight in the configured zone, not the server’s', () => {
    expect(formatDateTime(Date.parse('2025-06-03T23:30:00Z'), 'en', 'Asia/Tokyo')).toMatch(/^Wednesday, June 4/);
    expect(formatDateTime(Date.parse('2025-06-03T23:30:00Z'), 'en', 'UTC')).toMatch(/^Tuesday, June 3/);
  });

  it('accepts a Date as well as epoch milliseconds', () => {
    expect(formatDateTime(new Date(UNTIL), 'en', 'UTC')).toBe(formatDateTime(UNTIL, 'en', 'UTC'));
  });

  it('falls back to English for a malformed language and to UTC for an unknown zone', () => {
    expect(formatDateTime(UNTIL, 'not a tag', 'UTC')).toBe('Tuesday, June 3, 2025 at 2:00 PM UTC');
    expect(formatDateTime(UNTIL, 'de', 'Mars/Olympus')).toBe('Dienstag, 3. Juni 2025 um 14:00 UTC');
    expect(formatDateTime(UNTIL, '', 'Nowhere')).toBe('Tuesday, June 3, 2025 at 2:00 PM UTC');
  });

  it('throws a RangeError for an instant that is not a time', () => {
    expect(() => formatDateTime(Number.NaN, 'en', 'UTC')).toThrow(RangeError);
  });

  it('reuses one formatter per language and zone', () => {
    expect(dateTimeFormat('nl', 'Europe/Amsterdam')).toBe(dateTimeFormat('nl', 'Europe/Amsterdam'));
    expect(dateTimeFormat('nl', 'Europe/Amsterdam')).not.toBe(dateTimeFormat('nl', 'UTC'));
    expect(dateTimeFormat('nl', 'UTC')).not.toBe(dateTimeFormat('pl', 'UTC'));
  });

  it('keeps the formatter cache bounded', () => {
    const zones = Intl.supportedValuesOf('timeZone').slice(0, 200);
    for (const zone of zones) {
      dateTimeFormat('en', zone);
      expect(formatterCacheSize().size).toBeLessThanOrEqual(formatterCacheSize().limit);
    }
    expect(formatterCacheSize().limit).toBe(64);
  });
});

describe('relativeTimeParts', () => {
  it.each<[string, number, number, RelativeUnit]>([
    ['one millisecond', 1, 1, 'minute'],
    ['30 seconds', 30_000, 1, 'minute'],
    ['exactly a minute', MINUTE, 1, 'minute'],
    ['a minute and a second (rounded up)', MINUTE + 1000, 2, 'minute'],
    ['20 minutes', 20 * MINUTE, 20, 'minute'],
    ['89 minutes', 89 * MINUTE, 89, 'minute'],
    ['90 minutes', 90 * MINUTE, 2, 'hour'],
    ['2 hours 29 minutes', 2 * HOUR + 29 * MINUTE, 2, 'hour'],
    ['2 hours 30 minutes', 2 * HOUR + 30 * MINUTE, 3, 'hour'],
    ['35 hours', 35 * HOUR, 35, 'hour'],
    ['36 hours', 36 * HOUR, 2, 'day'],
    ['3 days', 3 * DAY, 3, 'day'],
    ['400 days', 400 * DAY, 400, 'day'],
  ])('%s ahead → %i %s', (_, ahead, value, unit) => {
    expect(relativeTimeParts(NOW + ahead, NOW)).toEqual({ value, unit });
  });

  it.each<[string, number, number]>([
    ['now', NOW, NOW],
    ['the past', NOW - MINUTE, NOW],
    ['NaN', Number.NaN, NOW],
    ['Infinity', Number.POSITIVE_INFINITY, NOW],
    ['-Infinity', Number.NEGATIVE_INFINITY, NOW],
    ['a NaN clock', NOW, Number.NaN],
  ])('%s → undefined', (_, target, now) => {
    expect(relativeTimeParts(target, now)).toBeUndefined();
  });
});

describe('formatRelativeTime', () => {
  it.each<[string, number, string]>([
    ['en', 20 * MINUTE, 'in 20 minutes'],
    ['en', MINUTE, 'in 1 minute'],
    ['en', DAY, 'in 24 hours'],
    ['en', 2 * DAY, 'in 2 days'],
    ['de', 3 * DAY, 'in 3 Tagen'],
    ['fr', 2 * HOUR, 'dans 2 heures'],
    ['pl', 5 * MINUTE, 'za 5 minut'],
    ['pl', 2 * MINUTE, 'za 2 minuty'],
    ['zh-Hans', 20 * MINUTE, '20分钟后'],
    ['he', 20 * MINUTE, 'בעוד 20 דקות'],
    ['ar', 20 * MINUTE, 'خلال 20 دقيقة'],
    ['not a tag', 20 * MINUTE, 'in 20 minutes'],
  ])('%s, %i ms ahead → %s', (lang, ahead, text) => {
    expect(formatRelativeTime(NOW + ahead, NOW, lang)).toBe(text);
  });

  it('is undefined once the time has come', () => {
    expect(formatRelativeTime(NOW, NOW, 'en')).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each<[number, string, string]>([
    [5, 'en', '5 min'],
    [5, 'de', '5 Min.'],
    [4.6, 'en', '5 min'],
    [0, 'en', '1 min'],
    [-3, 'en', '1 min'],
    [Number.NaN, 'en', '1 min'],
    [5, 'zh-Hans', '5分钟'],
  ])('%s minutes in %s → %s', (minutes, lang, text) => {
    expect(formatDuration(minutes, lang)).toBe(text);
  });
});

describe('the time sentences', () => {
  it('say the English the pages say today', () => {
    const en = messagesFor('en');
    expect(backOnText(en, UNTIL, 'en', 'UTC')).toBe('Back on Tuesday, June 3, 2025 at 2:00 PM UTC');
    expect(backInText(en, NOW + 20 * MINUTE, NOW, 'en')).toBe('Back in 20 minutes');
    expect(launchesOnText(en, UNTIL, 'en', 'UTC')).toBe('Launches Tuesday, June 3, 2025 at 2:00 PM UTC');
    expect(launchesInText(en, NOW + 3 * DAY, NOW, 'en')).toBe('Launching in 3 days');
    expect(readingTimeText(en, 5, 'en')).toBe('5 min read');
  });

  // The date part comes from ICU, whose zone names change between Node releases: match its stable part.
  it.each<[string, string, string, RegExp]>([
    ['de', 'Europe/Berlin', 'Wieder da in 20 Minuten', /^Wieder da am Dienstag, 3\. Juni 2025 um 16:00 /],
    ['fr', 'Europe/Paris', 'De retour dans 20 minutes', /^De retour le mardi 3 juin 2025 à 16:00 /],
    ['es', 'Europe/Madrid', 'Volvemos dentro de 20 minutos', /^Volvemos el martes, 3 de junio de 2025, 16:00 /],
    ['nl', 'Europe/Amsterdam', 'Terug over 20 minuten', /^Terug op dinsdag 3 juni 2025 om 16:00 /],
    ['pl', 'Europe/Warsaw', 'Wracamy za 20 minut', /^Przewidywany powrót: wtorek, 3 czerwca 2025 16:00 /],
    ['zh-Hans', 'Asia/Shanghai', '预计20分钟后恢复', /^预计于2025年6月3日星期二 .*22:00恢复$/],
    ['he', 'Asia/Jerusalem', 'נחזור בעוד 20 דקות', /^מועד חזרה משוער: יום שלישי, 3 ביוני 2025 בשעה 17:00 /],
  ])('in %s (%s)', (lang, zone, backIn, backOn) => {
    const messages = messagesFor(lang);
    expect(backInText(messages, NOW + 20 * MINUTE, NOW, lang)).toBe(backIn);
    expect(backOnText(messages, UNTIL, lang, zone)).toMatch(backOn);
  });

  it('leave "back in" and "launching in" out once the time has passed', () => {
    const en = messagesFor('en');
    expect(backInText(en, NOW - MINUTE, NOW, 'en')).toBeUndefined();
    expect(launchesInText(en, NOW, NOW, 'en')).toBeUndefined();
  });
});
