/**
 * The key ring behind preview links and bypass cookies: secret checks, per-purpose key derivation,
 * rotation, and the MAC and field formats both signed values share (see preview-token.ts and
 * bypass-cookie.ts for the formats themselves). Pure apart from `node:crypto`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { MIN_SECRET_LENGTH } from '../shared/limits.js';

const KID_LENGTH = 6;
/** base64url of a 32-byte HMAC-SHA256, unpadded. */
export const MAC_LENGTH = 43;
export const KID_RE = /^[A-Za-z0-9_-]{6}$/;
export const MAC_RE = /^[A-Za-z0-9_-]{43}$/;
/** Canonical non-negative integer: no sign, no spaces, no leading zeros, at most 16 digits. */
const TIME_RE = /^(?:0|[1-9][0-9]{0,15})$/;
/** How far in the future an `iat` may be: covers clock drift between servers, no more. */
export const CLOCK_SKEW_MS = 60_000;

declare const keyRingBrand: unique symbol;

/**
 * The secrets, as derived subkeys. Opaque on purpose: the key material lives in a module-private WeakMap so
 * logging or serialising a ring shows key ids only. Build one with `createKeyRing`.
 */
export interface KeyRing {
  /** Key ids, signing key first. Safe to log. */
  readonly keyIds: readonly string[];
  readonly [keyRingBrand]: true;
}

export interface DerivedKeys {
  kid: string;
  preview: Buffer;
  cookie: Buffer;
}

interface RingKeys {
  signing: DerivedKeys;
  byKid: Map<string, DerivedKeys>;
}

const ringKeys = new WeakMap<KeyRing, RingKeys>();

/**
 * One subkey per purpose, so a MAC made for a preview token is never valid as a cookie MAC (and the
 * reverse) whatever the field contents. The key id is a truncated hash of a third derived value rather
 * than of the raw secret: it reveals nothing reusable, and testing a guessed secret against it is no
 * easier than against the full MAC already visible in any link or cookie.
 */
export function deriveKeys(secret: string): DerivedKeys {
  const sub = (label: string): Buffer => createHmac('sha256', secret).update(label).digest();
  const kid = createHash('sha256').update(sub('intermission/kid/v1')).digest('base64url').slice(0, KID_LENGTH);
  return { kid, preview: sub('intermission/preview/v1'), cookie: sub('intermission/cookie/v1') };
}

export function assertSecrets(secrets: unknown): asserts secrets is readonly string[] {
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new TypeError('Intermission: secret must be a string or a non-empty list of strings');
  }
  for (const secret of secrets) {
    if (typeof secret !== 'string') throw new TypeError('Intermission: every secret must be a string');
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new RangeError(`Intermission: every secret must be at least ${MIN_SECRET_LENGTH} characters`);
    }
  }
}

/**
 * Derives the keys for a list of secrets: the first signs, all verify (rotation). Repeated secrets are
 * merged. Throws `TypeError`/`RangeError` on an empty list or a secret under 32 characters.
 */
export function createKeyRing(secrets: readonly string[]): KeyRing {
  assertSecrets(secrets);
  const byKid = new Map<string, DerivedKeys>();
  const seen = new Set<string>();
  let signing: DerivedKeys | undefined;
  for (const secret of secrets) {
    if (seen.has(secret)) continue;
    seen.add(secret);
    const keys = deriveKeys(secret);
    // Two distinct secrets sharing a 36-bit id is astronomically unlikely, but verifying with the wrong
    // one would silently fail every cookie it signed: refuse loudly instead.
    if (byKid.has(keys.kid)) throw new Error('Intermission: two secrets share a key id; replace one of them');
    byKid.set(keys.kid, keys);
    signing ??= keys;
  }
  if (signing === undefined) throw new TypeError('Intermission: no secret given');
  const ring = Object.freeze({ keyIds: Object.freeze([...byKid.keys()]) }) as unknown as KeyRing;
  ringKeys.set(ring, { signing, byKid });
  return ring;
}

/** The derived keys of a ring; throws `TypeError` for anything `createKeyRing` did not make. */
export function keysOf(ring: KeyRing): RingKeys {
  const keys = ringKeys.get(ring);
  if (keys === undefined) throw new TypeError('Intermission: not a key ring made by createKeyRing()');
  return keys;
}

export function mac(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

/** Constant-time comparison of two base64url MACs; the length check first is required by timingSafeEqual. */
export function macEquals(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(given, 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A signed time field (`iat`, `exp`): canonical decimal milliseconds, or `undefined`. */
export function parseTime(piece: string): number | undefined {
  if (!TIME_RE.test(piece)) return undefined;
  const n = Number(piece);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A time to sign, as whole milliseconds; throws `RangeError` on anything else. */
export function toMs(value: number | Date, what: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`Intermission: ${what} must be a finite time in milliseconds or a valid Date`);
  }
  return Math.floor(ms);
}
