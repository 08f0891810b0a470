/**
 * The bypass cookie a preview link sets:
 *
 *   <kid>.<iat>.<exp>.<mac>
 *
 * the same fields as a preview token (see preview-token.ts), MACed with the cookie subkey, so neither
 * can stand in for the other. Signing, verification (with a bounded cache of valid cookies), its two
 * names and its `Set-Cookie` value. Pure apart from `node:crypto` and an optional `Date.now()` default.
 */
import { MAX_COOKIE_MAX_AGE_SECONDS } from '../shared/limits.js';
import { COOKIE_NAME_RE, COOKIE_VALUE_RE, MAX_READ_COOKIE_LENGTH } from './cookie-header.js';
import { CLOCK_SKEW_MS, keysOf, KID_RE, mac, MAC_LENGTH, MAC_RE, macEquals, parseTime, toMs, type KeyRing } from './keys.js';

/** Slack on the cookie lifetime cap: absorbs seconds↔milliseconds rounding by the signer, nothing else. */
const LIFETIME_SLACK_MS = 1000;
/** A cookie value is ~80 chars; anything much longer is not ours. */
const MAX_COOKIE_VALUE_LENGTH = 256;
const DEFAULT_CACHE_SIZE = 1000;
const HOST_PREFIX = '__Host-';
/** `__Host-` demands `Path=/`: a gate mounted below `/` scopes its cookie with `__Secure-` instead. */
const SECURE_PREFIX = '__Secure-';
/** A cookie `Path` we write: a mount path with nothing that could end or split the attribute. */
const COOKIE_PATH_RE = /^\/[A-Za-z0-9._~!$&'()*+,=:@%/-]{0,1024}$/;

export type VerifyBypassCookieResult =
  | { ok: true; issuedAt: number; expiresAt: number }
  | { ok: false; reason: 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' | 'too-long-lived' };

/**
 * Signs a bypass cookie value with the ring's first secret. Only times and the key id go in: no secret, no
 * user data. Throws `RangeError` unless both times are finite, non-negative and `expiresAtMs > issuedAtMs`.
 */
export function signBypassCookie(ring: KeyRing, issuedAtMs: number, expiresAtMs: number): string {
  const { signing } = keysOf(ring);
  const iat = toMs(issuedAtMs, 'issuedAtMs');
  const exp = toMs(expiresAtMs, 'expiresAtMs');
  if (!(exp > iat) || !Number.isSafeInteger(exp)) {
    throw new RangeError('Intermission: expiresAtMs must be after issuedAtMs');
  }
  const body = `${signing.kid}.${iat}.${exp}`;
  return `${body}.${mac(signing.cookie, body)}`;
}

/**
 * Verifies a bypass cookie value. `too-long-lived` caps the lifetime at the configured `maxAgeMs` (+1 s)
 * even for cookies a previous configuration or an old secret signed for longer. `malformed` also covers a
 * signed cookie with exp ≤ iat or an iat more than 60 s in the future (which would outlive a revocation).
 * Every comparison fails closed on NaN.
 */
export function verifyBypassCookie(ring: KeyRing, value: unknown, nowMs: number, maxAgeMs: number): VerifyBypassCookieResult {
  const { byKid } = keysOf(ring);
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_COOKIE_VALUE_LENGTH) {
    return { ok: false, reason: 'malformed' };
  }
  const parts = value.split('.');
  if (parts.length !== 4) return { ok: false, reason: 'malformed' };
  const [kid, iatPiece, expPiece, givenMac] = parts as [string, string, string, string];
  if (!KID_RE.test(kid) || !MAC_RE.test(givenMac)) return { ok: false, reason: 'malformed' };
  const iat = parseTime(iatPiece);
  const exp = parseTime(expPiece);
  if (iat === undefined || exp === undefined) return { ok: false, reason: 'malformed' };
  const keys = byKid.get(kid);
  if (keys === undefined) return { ok: false, reason: 'unknown-key' };
  const body = value.slice(0, value.length - MAC_LENGTH - 1);
  if (!macEquals(mac(keys.cookie, body), givenMac)) return { ok: false, reason: 'bad-signature' };
  if (!(exp > iat) || !(iat <= nowMs + CLOCK_SKEW_MS)) return { ok: false, reason: 'malformed' };
  if (!(exp - iat <= maxAgeMs + LIFETIME_SLACK_MS)) return { ok: false, reason: 'too-long-lived' };
  if (!(nowMs < exp)) return { ok: false, reason: 'expired' };
  return { ok: true, issuedAt: iat, expiresAt: exp };
}

export interface CookieVerifier {
  /**
   * `true` when `value` is a valid bypass cookie at `nowMs` issued at or after `validAfterMs` (revocation:
   * raise it to invalidate every cookie issued before). Never throws.
   */
  check(value: string, nowMs: number, validAfterMs: number): boolean;
  /** Entries currently cached (at most the configured `cacheSize`). */
  readonly cacheSize: number;
}

/**
 * Wraps `verifyBypassCookie` with a bounded cache of successful verifications, so a returning reviewer's
 * cookie costs one Map lookup and two comparisons. Only valid cookies are cached, and only someone holding
 * a secret can make one, so a flood of random cookies cannot fill it; failures are not cached at all (a
 * negative cache would not help against distinct random values, and a failure already costs at most one
 * HMAC thanks to the length cap and key-id lookup). When full, the oldest entry is evicted.
 * Throws `RangeError` for a non-positive `maxAgeMs` or a `cacheSize` that is not a non-negative integer
 * (0 disables the cache).
 */
export function createCookieVerifier(ring: KeyRing, maxAgeMs: number, options?: { cacheSize?: number }): CookieVerifier {
  keysOf(ring);
  if (typeof maxAgeMs !== 'number' || !Number.isFinite(maxAgeMs) || maxAgeMs <= 0) {
    throw new RangeError('Intermission: maxAgeMs must be a positive finite number');
  }
  const limit = options?.cacheSize ?? DEFAULT_CACHE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError('Intermission: cacheSize must be a non-negative integer');
  }
  const cache = new Map<string, { issuedAt: number; expiresAt: number }>();
  return {
    check(value: string, nowMs: number, validAfterMs: number): boolean {
      if (typeof value !== 'string') return false;
      const hit = cache.get(value);
      if (hit !== undefined) {
        if (nowMs < hit.expiresAt && hit.issuedAt >= validAfterMs) return true;
        // Expired or revoked: neither comes back (time and validAfterMs only move forward), so free the slot.
        cache.delete(value);
        return false;
      }
      const result = verifyBypassCookie(ring, value, nowMs, maxAgeMs);
      if (!result.ok || !(result.issuedAt >= validAfterMs)) return false;
      if (limit > 0) {
        // Map iterates in insertion order, so the first key is the oldest.
        while (cache.size >= limit) {
          const oldest = cache.keys().next();
          if (oldest.done === true) break;
          cache.delete(oldest.value);
        }
        cache.set(value, { issuedAt: result.issuedAt, expiresAt: result.expiresAt });
      }
      return true;
    },
    get cacheSize(): number {
      return cache.size;
    },
  };
}

/**
 * The two names of the bypass cookie. The middleware reads `host` (`__Host-<name>`) on secure requests and
 * `plain` (`<name>`) otherwise, matching what `serializeBypassCookie` sets: browsers only accept the
 * `__Host-` prefix with `Secure`, `Path=/` and no `Domain`, which pins the cookie to this exact origin.
 */
export function bypassCookieNames(baseName: string, mounted = false): { plain: string; host: string } {
  return { plain: baseName, host: `${mounted ? SECURE_PREFIX : HOST_PREFIX}${baseName}` };
}

/** `true` when `path` can be written as a cookie's `Path` (a mount path: `/blog`, `/api/v1`). */
export function isCookiePath(path: string): boolean {
  return COOKIE_PATH_RE.test(path);
}

/**
 * A `Set-Cookie` value for the bypass cookie: `HttpOnly; SameSite=Lax; Path=/` (or the gate's mount
 * `path`), `Max-Age` and `Expires` (for old clients), and when `secure` also `Secure` with the name
 * prefixed `__Host-` (`__Secure-` below `/`, as `__Host-` requires `Path=/`). Never a `Domain`.
 * `nowMs` (default `Date.now()`) only feeds `Expires`. A `maxAgeSeconds` of 0 clears the cookie.
 * Throws on a name or value that could inject attributes, or a `maxAgeSeconds` outside 0…30 days.
 */
export function serializeBypassCookie(
  baseName: string,
  value: string,
  options: { maxAgeSeconds: number; secure: boolean; nowMs?: number; path?: string },
): string {
  const path = options.path ?? '/';
  if (typeof path !== 'string' || !isCookiePath(path)) {
    throw new TypeError('Intermission: the cookie path must start with / and hold no ;, spaces or control characters');
  }
  if (typeof baseName !== 'string' || !COOKIE_NAME_RE.test(baseName) || /^__(?:host|secure)-/i.test(baseName)) {
    throw new TypeError('Intermission: the cookie name must be a plain token (the __Host- prefix is added for you)');
  }
  if (typeof value !== 'string' || value.length > MAX_READ_COOKIE_LENGTH || !COOKIE_VALUE_RE.test(value)) {
    throw new TypeError('Intermission: the cookie value must be base64url characters and dots');
  }
  const { maxAgeSeconds, secure } = options;
  if (
    typeof maxAgeSeconds !== 'number' ||
    !Number.isFinite(maxAgeSeconds) ||
    maxAgeSeconds < 0 ||
    maxAgeSeconds > MAX_COOKIE_MAX_AGE_SECONDS
  ) {
    throw new RangeError(`Intermission: maxAgeSeconds must be between 0 and ${MAX_COOKIE_MAX_AGE_SECONDS}`);
  }
  const maxAge = Math.floor(maxAgeSeconds);
  const nowMs = options.nowMs ?? Date.now();
  const expires = new Date(maxAge === 0 ? 0 : nowMs + maxAge * 1000);
  if (Number.isNaN(expires.getTime())) throw new RangeError('Intermission: nowMs must be a finite time');
  const names = bypassCookieNames(baseName, path !== '/');
  const cookieName = secure ? names.host : names.plain;
  const attributes = [`${cookieName}=${value}`, `Path=${path}`, `Max-Age=${maxAge}`, `Expires=${expires.toUTCString()}`, 'HttpOnly'];
  if (secure) attributes.push('Secure');
  attributes.push('SameSite=Lax');
  return attributes.join('; ');
}
