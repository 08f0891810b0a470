/**
 * Preview links and bypass cookies: key derivation, signing, verification, cookie header handling and
 * redirect-target validation. Everything here is pure (apart from `node:crypto` and an optional
 * `Date.now()` default) so the middleware can call it on every request of a closed site.
 *
 * Formats (all pieces URL- and cookie-safe: base64url alphabet or decimal digits, joined by `.`):
 *
 *   preview token  v1.<kid>.<iat>.<exp>.<next>.<mac>
 *   bypass cookie     <kid>.<iat>.<exp>.<mac>
 *
 * - `kid`: 6 base64url chars naming the secret that signed (see `deriveKeys`).
 * - `iat`, `exp`: milliseconds since the epoch, canonical decimal (no sign, no leading zeros).
 * - `next`: base64url (no padding) of the same-origin path to land on, as returned by `safeNext`.
 * - `mac`: base64url of HMAC-SHA256, keyed with the purpose's subkey, over everything before the last `.`.
 *
 * Times are inclusive at `iat` and exclusive at `exp`: a token or cookie is valid while `now < exp`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DEFAULT_PREVIEW_TTL_SECONDS, MAX_PREVIEW_TTL_SECONDS, MIN_SECRET_LENGTH } from '../shared/limits.js';
import type { CreatePreviewTokenOptions } from '../types.js';

/** Longest preview link accepted, in seconds (30 days), matching the cookie's own cap. */
const MAX_TTL_SECONDS = MAX_PREVIEW_TTL_SECONDS;
const MAX_TTL_MS = MAX_TTL_SECONDS * 1000;
const DEFAULT_TTL_SECONDS = DEFAULT_PREVIEW_TTL_SECONDS;
/** Secrets shorter than this are refused by the public `createPreviewToken` (the middleware checks too). */
/** How far in the future an `iat` may be: covers clock drift between servers, no more. */
const CLOCK_SKEW_MS = 60_000;
/** Slack on the cookie lifetime cap: absorbs seconds↔milliseconds rounding by the signer, nothing else. */
const LIFETIME_SLACK_MS = 1000;
/**
 * Token length cap, checked before any work. Not 1 KiB: a `next` of up to 2,048 chars is ~2,731 chars of
 * base64url, and a link the developer was allowed to create must verify.
 */
const MAX_TOKEN_LENGTH = 4096;
/** A cookie value is ~80 chars; anything much longer is not ours. */
const MAX_COOKIE_VALUE_LENGTH = 256;
/** Longest value `readCookie` returns. */
const MAX_READ_COOKIE_LENGTH = 512;
const MAX_NEXT_LENGTH = 2048;
const DEFAULT_CACHE_SIZE = 1000;
const KID_LENGTH = 6;
/** base64url of a 32-byte HMAC-SHA256, unpadded. */
const MAC_LENGTH = 43;
const TOKEN_VERSION = 'v1';
const HOST_PREFIX = '__Host-';
const DUMMY_ORIGIN = 'http://intermission.invalid';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const KID_RE = /^[A-Za-z0-9_-]{6}$/;
const MAC_RE = /^[A-Za-z0-9_-]{43}$/;
/** Canonical non-negative integer: no sign, no spaces, no leading zeros, at most 16 digits. */
const TIME_RE = /^(?:0|[1-9][0-9]{0,15})$/;
/** What our cookie values are made of; anything else (quotes, `%`, spaces, `=`) is rejected, not decoded. */
const COOKIE_VALUE_RE = /^[A-Za-z0-9_.-]+$/;
/** RFC 7230 `token`, the characters a cookie name may use. */
const COOKIE_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// ---------------------------------------------------------------------------------------------------------
// Key ring

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

interface DerivedKeys {
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
function deriveKeys(secret: string): DerivedKeys {
  const sub = (label: string): Buffer => createHmac('sha256', secret).update(label).digest();
  const kid = createHash('sha256').update(sub('intermission/kid/v1')).digest('base64url').slice(0, KID_LENGTH);
  return { kid, preview: sub('intermission/preview/v1'), cookie: sub('intermission/cookie/v1') };
}

function assertSecrets(secrets: unknown): asserts secrets is readonly string[] {
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

function keysOf(ring: KeyRing): RingKeys {
  const keys = ringKeys.get(ring);
  if (keys === undefined) throw new TypeError('Intermission: not a key ring made by createKeyRing()');
  return keys;
}

function mac(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

/** Constant-time comparison of two base64url MACs; the length check first is required by timingSafeEqual. */
function macEquals(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(given, 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseTime(piece: string): number | undefined {
  if (!TIME_RE.test(piece)) return undefined;
  const n = Number(piece);
  return Number.isSafeInteger(n) ? n : undefined;
}

function toMs(value: number | Date, what: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`Intermission: ${what} must be a finite time in milliseconds or a valid Date`);
  }
  return Math.floor(ms);
}

// ---------------------------------------------------------------------------------------------------------
// Preview tokens

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
  const ttlSeconds: unknown = options?.ttlSeconds === undefined ? DEFAULT_TTL_SECONDS : options.ttlSeconds;
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new RangeError(`Intermission: ttlSeconds must be a positive number of at most ${MAX_TTL_SECONDS} (30 days)`);
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

// ---------------------------------------------------------------------------------------------------------
// Bypass cookies

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

// ---------------------------------------------------------------------------------------------------------
// Cookie headers

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Reads one cookie from a raw `Cookie` header without decoding. Returns `undefined` unless `name` appears
 * exactly once as a whole cookie name (a duplicate, e.g. one tossed in from a sibling subdomain, is never a
 * bypass) with a non-empty value of at most 512 base64url/`.` characters. Quoted or percent-encoded values
 * are rejected, and a non-string header (some servers give arrays) counts as absent.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string' || typeof name !== 'string' || !COOKIE_NAME_RE.test(name)) return undefined;
  // Fast path: most requests of a closed site carry no bypass cookie at all.
  if (!header.includes(name)) return undefined;
  let found: string | undefined;
  let matches = 0;
  let start = 0;
  while (start <= header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      let ks = start;
      let ke = eq;
      while (ks < ke && isOws(header.charCodeAt(ks))) ks++;
      while (ke > ks && isOws(header.charCodeAt(ke - 1))) ke--;
      // Names are compared after trimming, like common parsers do, so `name =x` still counts as a duplicate.
      if (ke - ks === name.length && header.startsWith(name, ks)) {
        matches++;
        if (matches > 1) return undefined;
        let vs = eq + 1;
        let ve = end;
        while (vs < ve && isOws(header.charCodeAt(vs))) vs++;
        while (ve > vs && isOws(header.charCodeAt(ve - 1))) ve--;
        found = ve - vs <= MAX_READ_COOKIE_LENGTH ? header.slice(vs, ve) : '';
      }
    }
    start = end + 1;
  }
  if (found === undefined || found.length === 0 || !COOKIE_VALUE_RE.test(found)) return undefined;
  return found;
}

/**
 * The two names of the bypass cookie. The middleware reads `host` (`__Host-<name>`) on secure requests and
 * `plain` (`<name>`) otherwise, matching what `serializeBypassCookie` sets: browsers only accept the
 * `__Host-` prefix with `Secure`, `Path=/` and no `Domain`, which pins the cookie to this exact origin.
 */
export function bypassCookieNames(baseName: string): { plain: string; host: string } {
  return { plain: baseName, host: `${HOST_PREFIX}${baseName}` };
}

/**
 * A `Set-Cookie` value for the bypass cookie: `HttpOnly; SameSite=Lax; Path=/`, `Max-Age` and `Expires`
 * (for old clients), and when `secure` also `Secure` with the name prefixed `__Host-`. Never a `Domain`.
 * `nowMs` (default `Date.now()`) only feeds `Expires`. A `maxAgeSeconds` of 0 clears the cookie.
 * Throws on a name or value that could inject attributes, or a `maxAgeSeconds` outside 0…30 days.
 */
export function serializeBypassCookie(
  baseName: string,
  value: string,
  options: { maxAgeSeconds: number; secure: boolean; nowMs?: number },
): string {
  if (typeof baseName !== 'string' || !COOKIE_NAME_RE.test(baseName) || /^__(?:host|secure)-/i.test(baseName)) {
    throw new TypeError('Intermission: the cookie name must be a plain token (the __Host- prefix is added for you)');
  }
  if (typeof value !== 'string' || value.length > MAX_READ_COOKIE_LENGTH || !COOKIE_VALUE_RE.test(value)) {
    throw new TypeError('Intermission: the cookie value must be base64url characters and dots');
  }
  const { maxAgeSeconds, secure } = options;
  if (typeof maxAgeSeconds !== 'number' || !Number.isFinite(maxAgeSeconds) || maxAgeSeconds < 0 || maxAgeSeconds > MAX_TTL_SECONDS) {
    throw new RangeError(`Intermission: maxAgeSeconds must be between 0 and ${MAX_TTL_SECONDS}`);
  }
  const maxAge = Math.floor(maxAgeSeconds);
  const nowMs = options.nowMs ?? Date.now();
  const expires = new Date(maxAge === 0 ? 0 : nowMs + maxAge * 1000);
  if (Number.isNaN(expires.getTime())) throw new RangeError('Intermission: nowMs must be a finite time');
  const names = bypassCookieNames(baseName);
  const cookieName = secure ? names.host : names.plain;
  const attributes = [`${cookieName}=${value}`, 'Path=/', `Max-Age=${maxAge}`, `Expires=${expires.toUTCString()}`, 'HttpOnly'];
  if (secure) attributes.push('Secure');
  attributes.push('SameSite=Lax');
  return attributes.join('; ');
}

// ---------------------------------------------------------------------------------------------------------
// Redirect targets

/** Any Unicode whitespace (`\s` with `u` covers NBSP, U+2028, U+3000…); controls are checked by code point. */
const WHITESPACE_RE = /\s/u;
/** Percent-encoded C0 controls and DEL (`%00`, `%09`, `%0a`, `%0d`…); `%20` is a legitimate path space. */
const ENCODED_CONTROL_RE = /%(?:[01][0-9a-f]|7f)/i;
const SCHEME_RE = /^[a-z][a-z0-9+.-]*:/i;
const LEADING_ENCODED_SLASH_RE = /^\/%(?:2f|5c)/i;

/**
 * The shape rules, applied both to the input and to the normalised output: WHATWG normalisation can turn
 * a harmless-looking input into a protocol-relative path (`/.//evil.com` → `//evil.com`).
 */
/** C0 controls, DEL and, unless `c0Only`, C1 controls (a loop rather than a control-char regex). */
function hasControlChar(text: string, c0Only: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || (!c0Only && code >= 0x80 && code <= 0x9f)) return true;
  }
  return false;
}

function hasSafeShape(path: string): boolean {
  if (path.length === 0 || path.length > MAX_NEXT_LENGTH) return false;
  if (path.charCodeAt(0) !== 0x2f /* / */) return false;
  const second = path.charCodeAt(1);
  if (second === 0x2f || second === 0x5c /* \ */) return false;
  // Browsers treat `\` as `/` in special URLs; there is no honest use for one in a redirect target.
  if (path.includes('\\')) return false;
  if (hasControlChar(path, false) || WHITESPACE_RE.test(path) || ENCODED_CONTROL_RE.test(path) || SCHEME_RE.test(path)) {
    return false;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Malformed percent-encoding: some layer would decode it differently, so refuse it.
    return false;
  }
  // One decoding pass by a proxy or framework must not yield a protocol-relative target either, nor one
  // that a second pass would (double encoding: `/%252f%252fevil.com`).
  if (decoded.startsWith('//') || decoded.startsWith('/\\') || LEADING_ENCODED_SLASH_RE.test(decoded)) return false;
  return !hasControlChar(decoded, true);
}

/**
 * Returns `next` as a same-origin relative path (`pathname + search`, the hash dropped) or `undefined`;
 * callers fall back to `/`. Rejects anything that could leave the origin or split a header: absolute and
 * protocol-relative URLs, backslashes, whitespace and controls (raw or percent-encoded), schemes, paths
 * that become `//…` after one percent-decoding or after dot-segment normalisation, over 2,048 chars,
 * non-strings. Rejected rather than repaired, so what is signed is exactly what was checked.
 */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || !hasSafeShape(next)) return undefined;
  let url: URL;
  try {
    url = new URL(next, DUMMY_ORIGIN);
  } catch {
    return undefined;
  }
  if (url.origin !== DUMMY_ORIGIN) return undefined;
  const result = url.pathname + url.search;
  return hasSafeShape(result) ? result : undefined;
}
