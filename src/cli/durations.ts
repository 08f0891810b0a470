import { parseIsoDateTime } from '../shared/iso-time.js';

const DAY = 86_400;
const WEEK = 7 * DAY;

/** How a time is written on the command line, for messages and help. */
export const TIME_HINT = 'a duration from now like 30m, 2h or 1h30m, or an ISO date with a zone like 2026-12-24T18:00:00Z';

/** `90s`, `10m`, `2h`, `1d`, `1w`, or combinations like `1h30m`, to seconds. `undefined` when not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d{1,6})w)?(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,9})s)?$/.exec(text.trim());
  if (!match || text.trim() === '') return undefined;
  const [, w, d, h, m, s] = match;
  const seconds = Number(w ?? 0) * WEEK + Number(d ?? 0) * DAY + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
  return seconds > 0 ? seconds : undefined;
}

/** A duration counted from `now`, or an ISO date-time with a zone, to epoch ms. `undefined` when neither. */
export function parseTime(text: string, now: number): number | undefined {
  const seconds = parseDuration(text);
  if (seconds !== undefined) return now + seconds * 1000;
  return parseIsoDateTime(text.trim());
}

/** Whole seconds (`600`) or a duration (`10m`). `undefined` when neither. */
export function parseSeconds(text: string): number | undefined {
  return /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : parseDuration(text);
}
