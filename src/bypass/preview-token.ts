/**
 * The token of a preview link:
 *
 *   v1.<kid>.<iat>.<exp>.<next>.<mac>
 *
 * - `kid`: 6 base64url chars naming the secret that signed (see `deriveKeys` in keys.ts).
 * - `iat`, `exp`: milliseconds since the epoch, canonical decimal (no sign, no leading zeros).
 * - `next`: base64url (no padding) of the same-origin path to land on, as returned by `safeNext`.
 * - `mac`: base64url of HMAC-SHA256, keyed with the preview subkey, over everything before the last `.`.
 *
 * Every piece is URL-safe. Times are inclusive at `iat` and exclusive at `exp`: valid while `now < exp`.
 */
import { DEFAULT_PREVIEW_TTL_SECONDS, MAX_PREVIEW_TTL_SECONDS } from '../shared/limits.js';
import type { CreatePreviewTokenOptions } from '../types.js';
import {
  assertSecrets,
  CLOCK_SKEW_MS,
  deriveKeys,
  keysOf,
  KID_RE,
  mac,
  MAC_LENGTH,
  MAC_RE,
  macEquals,
  parseTime,
  toMs,
  type KeyRing,
} from './keys.js';
import { safeNext } from './safe-next.js';

const MAX_TTL_MS = MAX_PREVIEW_TTL_SECONDS * 1000;
/**
 * Token length cap, checked before any work. Not 1 KiB: a `next` of up to 2,048 chars is ~2,731 chars of
 * base64url, and a link the developer was allowed to create must verify.
 */
const MAX_TOKEN_LENGTH = 4096;
const TOKEN_VERSION = 'v1';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export type VerifyPreviewTokenResult =
  | { ok: true; next: string; issuedAt: number; expiresAt: number }
  | { ok: false; reason: 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' };

/**
 * Creates the token of a preview link. The first secret signs. Throws `RangeError` when `ttlSeconds` is
 * not a positive finite number of at most 30 days, when `next` is not a safe same-origin path (the caller
 * is the developer, so an unsafe target is a bug to surface, not to hide), or when a secret is under 32
 * characters.
 */
export function createPreviewToken(secret: string | readonly string[], options?: CreatePreviewTokenOptions): string {
  const secrets: unknown = typeof secret === 'string' ? [secret] : secret;
  assertSecrets(secrets);
  const first = secrets[0];
  if (first === undefined) throw new TypeError('Intermission: no secret given');
  // Only `undefined` means "default": a null from loosely typed callers is an error, not a silent hour.
  const ttlSeconds: unknown = options?.ttlSeconds === undefined ? DEFAULT_PREVIEW_TTL_SECONDS : options.ttlSeconds;
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_PREVIEW_TTL_SECONDS) {
    throw new RangeError(`Intermission: ttlSeconds must be a positive number of at most ${MAX_PREVIEW_TTL_SECONDS} (30 days)`);
  }
  const rawNext: unknown = options?.next === undefined ? '/' : options.next;
  const next = safeNext(rawNext);
  if (next === undefined) throw new RangeError('Intermission: next must be a same-origin path such as "/blog"');
  const clock = options?.now ?? Date.now;
  const iat = toMs(clock(), 'now()');
  // Ceil so any positive ttl yields exp > iat.
  const exp = iat + Math.ceil(ttlSeconds * 1000);
  if (!Number.isSafeInteger(exp)) throw new RangeError('Intermission: now() is too far in the future');
  const keys = deriveKeys(first);
  const body = `${TOKEN_VERSION}.${keys.kid}.${iat}.${exp}.${Buffer.from(next, 'latin1').toString('base64url')}`;
  return `${body}.${mac(keys.preview, body)}`;
}

/**
 * Verifies a preview token. Cheap failures come first (length cap, strict parsing, key id) so junk never
 * costs an HMAC. `malformed` also covers a correctly signed token whose fields are impossible: exp ≤ iat, a
 * lifetime over 30 days, an iat more than 60 s in the future, or a `next` that is no longer safe.
 */
export function verifyPreviewToken(ring: KeyRing, token: unknown, nowMs: number): VerifyPreviewTokenResult {
  const { byKid } = keysOf(ring);
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: 'malformed' };
  }
  const parts = token.split('.');
  if (parts.length !== 6) return { ok: false, reason: 'malformed' };
  const [version, kid, iatPiece, expPiece, nextPiece, givenMac] = parts as [string, string, string, string, string, string];
  if (version !== TOKEN_VERSION || !KID_RE.test(kid) || !BASE64URL.test(nextPiece) || !MAC_RE.test(givenMac)) {
    return { ok: false, reason: 'malformed' };
  }
  const iat = parseTime(iatPiece);
  const exp = parseTime(expPiece);
  if (iat === undefined || exp === undefined) return { ok: false, reason: 'malformed' };
  const keys = byKid.get(kid);
  if (keys === undefined) return { ok: false, reason: 'unknown-key' };
  const body = token.slice(0, token.length - MAC_LENGTH - 1);
  if (!macEquals(mac(keys.preview, body), givenMac)) return { ok: false, reason: 'bad-signature' };

  // Authentic from here on; still refuse anything a conforming signer could not have produced.
  const nextBytes = Buffer.from(nextPiece, 'base64url');
  if (nextBytes.toString('base64url') !== nextPiece) return { ok: false, reason: 'malformed' };
  const next = safeNext(nextBytes.toString('latin1'));
  if (next === undefined) return { ok: false, reason: 'malformed' };
  if (!(exp > iat) || !(exp - iat <= MAX_TTL_MS) || !(iat <= nowMs + CLOCK_SKEW_MS)) {
    return { ok: false, reason: 'malformed' };
  }
  // Written so a NaN clock fails closed.
  if (!(nowMs < exp)) return { ok: false, reason: 'expired' };
  return { ok: true, next, issuedAt: iat, expiresAt: exp };
}
