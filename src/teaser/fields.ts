// Teaser fields from untrusted records (front matter, user objects): read defensively, keep the
// known fields with the right types and shapes, cap their lengths.
import type { Teaser } from '../types.js';
import { capText, collapseWhitespace } from './plain-text.js';

const WORDS_PER_MINUTE = 200;
const MAX_TITLE = 300;
const MAX_EXCERPT = 1000;
const MAX_URL = 2048;
const MAX_IMAGE_ALT = 300;
const MAX_AUTHOR = 200;

/** Whole minutes, at least 1, at 200 words a minute. */
export function readingMinutes(wordCount: number): number {
  return Math.max(1, Math.ceil(wordCount / WORDS_PER_MINUTE));
}

/** An own property, read defensively: getters and proxies from user code may throw. */
export function readOwn(record: object, key: string): unknown {
  try {
    return Object.prototype.hasOwnProperty.call(record, key) ? (record as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

/** A string property that is not blank. */
export function stringField(record: object, key: string): string | undefined {
  const value = readOwn(record, key);
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** The first of `keys` whose value passes `check`. */
export function firstValid<T>(record: object, keys: readonly string[], check: (value: unknown) => T | undefined): T | undefined {
  for (const key of keys) {
    const value = check(readOwn(record, key));
    if (value !== undefined) return value;
  }
  return undefined;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 date string as given, or a valid `Date` (YAML `!!timestamp`) as an ISO string. */
export function isoDate(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return ISO_DATE.test(trimmed) && !Number.isNaN(Date.parse(trimmed)) ? trimmed : undefined;
}

function plainString(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = capText(collapseWhitespace(value), max);
  return text === '' ? undefined : text;
}

/**
 * An http(s) URL or a same-origin path; anything else (other schemes, `//host`, `/\host`, which
 * browsers read as `//host`, whitespace, over-long values) is dropped, never repaired.
 */
export function safeUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const url = value.trim();
  // eslint-disable-next-line no-control-regex
  if (url === '' || url.length > MAX_URL || /[\s\u0000-\u001F\u007F\\]/.test(url)) return undefined;
  if (url.startsWith('/')) return url.startsWith('//') ? undefined : url;
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    return new URL(url).hostname === '' ? undefined : url;
  } catch {
    return undefined;
  }
}

function count(value: unknown, minimum: number): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= minimum ? value : undefined;
}

/** Keeps the known Teaser fields with the right types and shapes; `undefined` ones are left out. */
export function sanitizeFields(record: object): Teaser {
  const teaser: Teaser = {};
  const title = plainString(readOwn(record, 'title'), MAX_TITLE);
  if (title !== undefined) teaser.title = title;
  const excerpt = plainString(readOwn(record, 'excerpt'), MAX_EXCERPT);
  if (excerpt !== undefined) teaser.excerpt = excerpt;
  const image = safeUrl(readOwn(record, 'image'));
  if (image !== undefined) teaser.image = image;
  const imageAlt = plainString(readOwn(record, 'imageAlt'), MAX_IMAGE_ALT);
  if (imageAlt !== undefined) teaser.imageAlt = imageAlt;
  const url = safeUrl(readOwn(record, 'url'));
  if (url !== undefined) teaser.url = url;
  const author = plainString(readOwn(record, 'author'), MAX_AUTHOR);
  if (author !== undefined) teaser.author = author;
  const publishedAt = isoDate(readOwn(record, 'publishedAt'));
  if (publishedAt !== undefined) teaser.publishedAt = publishedAt;
  const wordCount = count(readOwn(record, 'wordCount'), 0);
  if (wordCount !== undefined) teaser.wordCount = Math.floor(wordCount);
  // Reading time is "at least 1 minute": 0 or less is not a reading time, so it is dropped.
  const minutes = count(readOwn(record, 'readingMinutes'), Number.MIN_VALUE);
  if (minutes !== undefined) teaser.readingMinutes = Math.ceil(minutes);
  else if (teaser.wordCount !== undefined && teaser.wordCount > 0) teaser.readingMinutes = readingMinutes(teaser.wordCount);
  return teaser;
}
