import { dateTimeFormat } from '../i18n/index.js';
import type { Countdown } from './page-locals.js';

// Building an Intl formatter costs far more than using one, and pages are rendered again every minute
// (and per resolver teaser) with the same few languages: keep them. Keys come from the config, not from
// requests; the bound is only a backstop.
const FORMATTER_LIMIT = 64;
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.ListFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.ListFormat>(key: string, create: () => T): T {
  const hit = formatters.get(key);
  if (hit) return hit as T;
  if (formatters.size >= FORMATTER_LIMIT) formatters.clear();
  const made = create();
  formatters.set(key, made);
  return made;
}

/** `date` as "Tuesday, June 3, 2025 at 2:00 PM UTC" in `lang` and `timeZone` (English / UTC if they are invalid). */
export function formatDate(date: Date, lang: string, timeZone: string): string {
  // One cache of date formats for the whole package: the i18n module's.
  return dateTimeFormat(lang, timeZone).format(date);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function unitFormat(lang: string, unit: 'day' | 'hour' | 'minute'): Intl.NumberFormat {
  return cached(`unit|${lang}|${unit}`, () => {
    const options: Intl.NumberFormatOptions = { style: 'unit', unit, unitDisplay: 'long' };
    try {
      return new Intl.NumberFormat(lang, options);
    } catch {
      return new Intl.NumberFormat('en', options);
    }
  });
}

function listFormat(lang: string): Intl.ListFormat {
  return cached(`list|${lang}`, () => {
    try {
      return new Intl.ListFormat(lang, { style: 'long', type: 'unit' });
    } catch {
      return new Intl.ListFormat('en', { style: 'long', type: 'unit' });
    }
  });
}

/**
 * Time left from `nowMs` to `targetMs` as whole days, hours and minutes, rounded **up** to the minute (so
 * it never reads "0 minutes" before launch), never negative; `text` names the non-zero units in `lang`
 * ("2 days, 3 hours, 1 minute"; "0 minutes" once the time has come). Pure: plain millisecond arithmetic,
 * so a day is always 24 hours whatever daylight saving does. `iso` is the target instant.
 */
export function countdownParts(targetMs: number, nowMs: number, lang: string): Countdown {
  const left = Math.max(0, targetMs - nowMs);
  const total = Math.ceil(left / MINUTE);
  const days = Math.floor(total / (DAY / MINUTE));
  const hours = Math.floor((total % (DAY / MINUTE)) / 60);
  const minutes = total % 60;
  const units = (
    [
      ['day', days],
      ['hour', hours],
      ['minute', minutes],
    ] as const
  ).filter(([, n]) => n > 0);
  const text =
    units.length === 0
      ? unitFormat(lang, 'minute').format(0)
      : listFormat(lang).format(units.map(([unit, n]) => unitFormat(lang, unit).format(n)));
  const iso = Number.isFinite(targetMs) ? new Date(targetMs).toISOString() : new Date(nowMs).toISOString();
  return { iso, days, hours, minutes, text };
}
