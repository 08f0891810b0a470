/**
 * What a store writes and reads back: a subscriber reduced to the four allowed fields, and the two events
 * of the file store's log. Everything read is validated as strictly as what is written.
 */
import { normalizeEmail } from '../email.js';
import { parseIsoDateTime } from '../../shared/iso-time.js';
import type { Subscriber } from '../subscriber.js';
import { invalid } from './common.js';

/** BCP 47 tags are at most 35 characters in practice (RFC 5646 §4.4.1). */
const MAX_LANG_LENGTH = 35;

/** One line of the file store's log. */
export type LogEvent = { op: 'add'; subscriber: Subscriber } | { op: 'remove'; email: string };

/**
 * The subscriber to store, or a `SubscriberStoreError` (`…_INVALID`) naming the field. Copies only the
 * four allowed fields, so an object carrying more (an IP, a user agent) never reaches the disk.
 */
export function checkSubscriber(value: unknown): Subscriber {
  const problem = subscriberProblem(value);
  if (problem !== undefined) throw invalid(`Intermission: cannot store this subscriber: ${problem}`);
  return pick(value as Subscriber);
}

/** The address as stored, or a `SubscriberStoreError` (`…_INVALID`) saying why there is none. */
export function checkEmail(value: unknown): string {
  const result = normalizeEmail(value);
  if ('error' in result) throw invalid(`Intermission: not an email address (${result.error.code}): ${result.error.message}`);
  return result.email;
}

export function encodeAdd(subscriber: Subscriber): string {
  // Fixed key order, `op` first: the file reads well with grep and diff.
  const { email, subscribedAt, consent, lang } = subscriber;
  return `${JSON.stringify({ op: 'add', email, subscribedAt, consent, ...(lang === undefined ? {} : { lang }) })}\n`;
}

export function encodeRemove(email: string): string {
  return `${JSON.stringify({ op: 'remove', email })}\n`;
}

/** A stored subscriber record (Redis) as JSON, without the address (the key or member holds it). */
export function encodeRecord(subscriber: Subscriber): string {
  const { subscribedAt, consent, lang } = subscriber;
  return JSON.stringify({ subscribedAt, consent, ...(lang === undefined ? {} : { lang }) });
}

/** A record read back from Redis, or `undefined` when it is not one. */
export function parseRecord(email: string, json: string): Subscriber | undefined {
  const value = parseJson(json);
  if (!isPlainObject(value)) return undefined;
  const candidate = { ...value, email };
  return subscriberProblem(candidate) === undefined ? pick(candidate as Subscriber) : undefined;
}

/** A log line (without its newline), or `undefined` when it is not a valid event. */
export function parseEvent(line: string): LogEvent | undefined {
  const value = parseJson(line);
  if (!isPlainObject(value)) return undefined;
  if (value.op === 'remove') {
    return typeof value.email === 'string' && isNormalized(value.email) ? { op: 'remove', email: value.email } : undefined;
  }
  if (value.op === 'add' && subscriberProblem(value) === undefined) return { op: 'add', subscriber: pick(value as unknown as Subscriber) };
  return undefined;
}

function subscriberProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'expected an object { email, subscribedAt, consent, lang? }';
  const { email, subscribedAt, consent, lang } = value;
  if (typeof email !== 'string' || !isNormalized(email)) return '`email` must be an address as normalizeEmail() returns it';
  if (typeof subscribedAt !== 'string' || parseIsoDateTime(subscribedAt) === undefined)
    return '`subscribedAt` must be an ISO 8601 date-time with a zone';
  if (typeof consent !== 'boolean') return '`consent` must be true or false';
  if (lang !== undefined && !isLanguageTag(lang)) return '`lang` must be a language tag such as "en" or "pt-BR"';
  return undefined;
}

function pick(subscriber: Subscriber): Subscriber {
  const { email, subscribedAt, consent, lang } = subscriber;
  // UTC with milliseconds: one spelling per instant, so exports sort and compare as text.
  const at = new Date(parseIsoDateTime(subscribedAt) ?? Number.NaN).toISOString();
  return lang === undefined ? { email, subscribedAt: at, consent } : { email, subscribedAt: at, consent, lang };
}

function isNormalized(email: string): boolean {
  const result = normalizeEmail(email);
  return 'email' in result && result.email === email;
}

/** A first subtag of 1-8 letters, then subtags of 1-8 letters or digits: a shape check, not a registry lookup. */
function isLanguageTag(value: unknown): boolean {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LANG_LENGTH) return false;
  // Bounded by the length check above, so split costs nothing worth guarding.
  return value
    .split('-')
    .every((subtag, index) => subtag.length >= 1 && subtag.length <= 8 && (index === 0 ? LETTERS : ALPHANUMERICS).test(subtag));
}

// Single character classes with one quantifier: linear, nothing to backtrack into.
const LETTERS = /^[A-Za-z]+$/;
const ALPHANUMERICS = /^[A-Za-z0-9]+$/;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
