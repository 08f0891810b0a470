import type { Messages } from './catalogues.js';
import { format } from './messages.js';

/**
 * Dates, relative times and durations in the visitor's language, on `Intl`. Building a formatter costs
 * far more than using one, and a page is rendered again every minute for the same few languages: keep
 * them, per (language, time zone). Keys come from the config and the supported languages, not from raw
 * headers; the bound is a backstop.
 */

const FORMATTER_LIMIT = 64;
type Formatter = Intl.DateTimeFormat | Intl.RelativeTimeFormat | Intl.NumberFormat;
const formatters = new Map<string, Formatter>();

function cached<T extends Formatter>(key: string, create: () => T): T {
  const hit = formatters.get(key);
  if (hit) return hit as T;
  if (formatters.size >= FORMATTER_LIMIT) formatters.clear();
  const made = create();
  formatters.set(key, made);
  return made;
}

/** Formatters held now, and the bound. */
export function formatterCacheSize(): { size: number; limit: number } {
  return { size: formatters.size, limit: FORMATTER_LIMIT };
}

/** `create(lang)`, else English when `lang` is malformed (`Intl` throws a RangeError for it). */
function inLanguage<T>(lang: string, create: (lang: string) => T): T {
  try {
    return create(lang);
  } catch {
    return create('en');
  }
}

const DATE_OPTIONS: Intl.DateTimeFormatOptions = {
  weekday: 'long',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZoneName: 'short',
};

/** The long date-and-time format for `lang` in `timeZone` (English if `lang` is malformed, UTC if the zone is unknown). */
export function dateTimeFormat(lang: string, timeZone: string): Intl.DateTimeFormat {
  return cached(`date\u0000${lang}\u0000${timeZone}`, () => {
    try {
      return inLanguage(lang, (l) => new Intl.DateTimeFormat(l, { ...DATE_OPTIONS, timeZone }));
    } catch {
      return inLanguage(lang, (l) => new Intl.DateTimeFormat(l, { ...DATE_OPTIONS, timeZone: 'UTC' }));
    }
  });
}

/**
 * `instant` (epoch ms or a Date) as "Tuesday, June 3, 2025 at 2:00 PM UTC", "Dienstag, 3. Juni 2025 um
 * 16:00 MESZ", "2025年6月3日星期二 22:00"… Throws a RangeError for an invalid instant (a caller's bug:
 * the config only lets valid dates through).
 */
export function formatDateTime(instant: number | Date, lang: string, timeZone: string): string {
  return dateTimeFormat(lang, timeZone).format(instant);
}

export type RelativeUnit = 'minute' | 'hour' | 'day';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How far `targetMs` is from `nowMs`, in one unit a person would say: minutes (rounded up, so it never
 * promises early) under 90 minutes, hours (nearest) under 36 hours, else days (nearest). `undefined`
 * once the time has come or for non-finite input: the page should then say "shortly" instead.
 */
export function relativeTimeParts(targetMs: number, nowMs: number): { value: number; unit: RelativeUnit } | undefined {
  const left = targetMs - nowMs;
  if (!Number.isFinite(left) || left <= 0) return undefined;
  if (left < 90 * MINUTE) return { value: Math.ceil(left / MINUTE), unit: 'minute' };
  if (left < 36 * HOUR) return { value: Math.round(left / HOUR), unit: 'hour' };
  return { value: Math.round(left / DAY), unit: 'day' };
}

function relativeTimeFormat(lang: string): Intl.RelativeTimeFormat {
  // `always`: "in 1 day", not "tomorrow", which would be wrong across midnight in the visitor's zone.
  return cached(`relative\u0000${lang}`, () =>
    inLanguage(lang, (l) => new Intl.RelativeTimeFormat(l, { numeric: 'always', style: 'long' })),
  );
}

/** "in 20 minutes", "in 3 Tagen", "20分钟后", "בעוד 20 דקות"; `undefined` once `targetMs` has passed. */
export function formatRelativeTime(targetMs: number, nowMs: number, lang: string): string | undefined {
  const parts = relativeTimeParts(targetMs, nowMs);
  return parts === undefined ? undefined : relativeTimeFormat(lang).format(parts.value, parts.unit);
}

function minuteFormat(lang: string): Intl.NumberFormat {
  return cached(`minutes\u0000${lang}`, () =>
    inLanguage(lang, (l) => new Intl.NumberFormat(l, { style: 'unit', unit: 'minute', unitDisplay: 'short' })),
  );
}

/** A length in minutes, short: "5 min", "5 Min.", "5分钟", "5 דק׳". At least one minute. */
export function formatDuration(minutes: number, lang: string): string {
  const whole = Number.isFinite(minutes) ? Math.max(1, Math.round(minutes)) : 1;
  return minuteFormat(lang).format(whole);
}

// The sentences the pages say about time, from the visitor's catalogue.

/** "Back on Tuesday, June 3, 2025 at 2:00 PM UTC" (`maintenance.backOn`). */
export function backOnText(messages: Messages, untilMs: number, lang: string, timeZone: string): string {
  return format(messages['maintenance.backOn'], { date: formatDateTime(untilMs, lang, timeZone) });
}

/** "Back in 20 minutes" (`maintenance.backIn`); `undefined` once the time has passed. */
export function backInText(messages: Messages, untilMs: number, nowMs: number, lang: string): string | undefined {
  const relative = formatRelativeTime(untilMs, nowMs, lang);
  return relative === undefined ? undefined : format(messages['maintenance.backIn'], { relative });
}

/** "Launches Tuesday, June 3, 2025 at 2:00 PM UTC" (`comingSoon.launches`). */
export function launchesOnText(messages: Messages, launchMs: number, lang: string, timeZone: string): string {
  return format(messages['comingSoon.launches'], { date: formatDateTime(launchMs, lang, timeZone) });
}

/** "Launching in 3 days" (`comingSoon.launchesIn`); `undefined` once the time has passed. */
export function launchesInText(messages: Messages, launchMs: number, nowMs: number, lang: string): string | undefined {
  const relative = formatRelativeTime(launchMs, nowMs, lang);
  return relative === undefined ? undefined : format(messages['comingSoon.launchesIn'], { relative });
}

/** "5 min read" (`teaser.readingTime`). */
export function readingTimeText(messages: Messages, minutes: number, lang: string): string {
  return format(messages['teaser.readingTime'], { duration: formatDuration(minutes, lang) });
}
