import { createHash, createHmac } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  bypassCookieNames,
  createCookieVerifier,
  serializeBypassCookie,
  signBypassCookie,
  verifyBypassCookie,
} from '../../src/bypass/bypass-cookie.js';
import { readCookie } from '../../src/bypass/cookie-header.js';
import { createKeyRing, type KeyRing } from '../../src/bypass/keys.js';
import { createPreviewToken, verifyPreviewToken } from '../../src/bypass/preview-token.js';
import { safeNext } from '../../src/bypass/safe-next.js';

// Count HMACs so cache hits and cheap rejections can be proven without timing.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeCrypto>();
  return { ...actual, createHmac: vi.fn(actual.createHmac) };
});
const hmacCalls = (): number => vi.mocked(createHmac).mock.calls.length;

const SECRET_A = 'a-very-long-secret-for-tests-000001';
const SECRET_B = 'b-very-long-secret-for-tests-000002';
const SECRET_C = 'c-very-long-secret-for-tests-000003';
const T0 = Date.UTC(2025, 0, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_AGE = 12 * HOUR;

/** Re-derives the documented scheme so tests can sign field values the public API refuses to produce. */
function forge(secret: string, purpose: 'preview' | 'cookie', body: string): string {
  const key = createHmac('sha256', secret).update(`intermission/${purpose}/v1`).digest();
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}
function kidOf(secret: string): string {
  const derived = createHmac('sha256', secret).update('intermission/kid/v1').digest();
  return createHash('sha256').update(derived).digest('base64url').slice(0, 6);
}
const b64 = (s: string): string => Buffer.from(s).toString('base64url');

/** Replaces one character of part `index` with another of the same class, keeping the shape valid. */
function flipPart(token: string, index: number): string {
  const parts = token.split('.');
  const part = parts[index] ?? '';
  const last = part.slice(-1);
  const replacement = /[0-9]/.test(last) ? String((Number(last) + 1) % 10) : last === 'A' ? 'B' : 'A';
  parts[index] = part.slice(0, -1) + replacement;
  return parts.join('.');
}

beforeEach(() => {
  vi.mocked(createHmac).mockClear();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('createKeyRing', () => {
  it('exposes key ids only, signing key first', () => {
    const ring = createKeyRing([SECRET_A, SECRET_B]);
    expect(ring.keyIds).toEqual([kidOf(SECRET_A), kidOf(SECRET_B)]);
    expect(JSON.stringify(ring)).not.toContain(SECRET_A);
    expect(Object.keys(ring)).toEqual(['keyIds']);
  });

  it('gives each secret a different 6-char base64url id not derived directly from the raw secret', () => {
    const ring = createKeyRing([SECRET_A, SECRET_B, SECRET_C]);
    expect(new Set(ring.keyIds).size).toBe(3);
    for (const kid of ring.keyIds) expect(kid).toMatch(/^[A-Za-z0-9_-]{6}$/);
    expect(ring.keyIds[0]).not.toBe(createHash('sha256').update(SECRET_A).digest('base64url').slice(0, 6));
  });

  it('merges repeated secrets', () => {
    expect(createKeyRing([SECRET_A, SECRET_A]).keyIds).toHaveLength(1);
  });

  it('refuses empty lists, non-strings and short secrets', () => {
    expect(() => createKeyRing([])).toThrow(TypeError);
    expect(() => createKeyRing([42 as unknown as string])).toThrow(TypeError);
    expect(() => createKeyRing(['x'.repeat(31)])).toThrow(RangeError);
    expect(() => createKeyRing([SECRET_A, 'short'])).toThrow(RangeError);
    expect(createKeyRing(['x'.repeat(32)]).keyIds).toHaveLength(1);
  });

  it('refuses a ring that did not come from createKeyRing', () => {
    const fake = { keyIds: [kidOf(SECRET_A)] } as unknown as KeyRing;
    expect(() => verifyBypassCookie(fake, 'x', T0, MAX_AGE)).toThrow(TypeError);
    expect(() => signBypassCookie(fake, T0, T0 + 1)).toThrow(TypeError);
  });
});

describe('safeNext', () => {
  it.each([
    ['/', '/'],
    ['/blog', '/blog'],
    ['/a/b?c=d&e=f', '/a/b?c=d&e=f'],
    ['/a#section', '/a'],
    ['/a/../b', '/b'],
    ['/a%20b', '/a%20b'],
    ['/café', '/caf%C3%A9'],
    ['/?next=//evil.com', '/?next=//evil.com'],
    ['/?', '/'],
  ])('accepts %j as %j', (input, expected) => {
    expect(safeNext(input)).toBe(expected);
  });

  it.each([
    '//evil.com',
    '/\\evil.com',
    '\\\\evil.com',
    '\\/evil.com',
    '/%2f%2fevil.com',
    '/%2F%2Fevil.com',
    '/%5cevil.com',
    '/%5Cevil.com',
    '/%252f%252fevil.com',
    'https://evil.com',
    'HTTPS://evil.com',
    'javascript:alert(1)',
    '/\t/evil.com',
    '/\n/evil.com',
    '%2f%2fevil.com',
    '/.//evil.com',
    '/a/..//evil.com',
    '/%2e%2e//evil.com',
    '/./%2f/evil.com',
    '///evil.com',
    'http:evil.com',
    'http:/evil.com',
    ' /x',
    '/x ',
    '/x\r\nSet-Cookie: a=b',
    '/x\nSet-Cookie: a=b',
    '/x%0d%0aSet-Cookie:%20a=b',
    '/x%0D%0ASet-Cookie:',
    '/x%00',
    '/x%09',
    '/x\u0000',
    '/x\u007f',
    '/x\u0085',
    '/x\u00a0',
    '/x\u2028',
    '/x\u3000',
    '/a\\b',
    '/100%',
    '/%E0%A4%A',
    'evil.com',
    'blog',
    '',
    '?x=1',
    '#/evil',
  ])('rejects %j', (input) => {
    expect(safeNext(input)).toBeUndefined();
  });

  it('caps the length at 2,048 characters', () => {
    const max = '/' + 'a'.repeat(2047);
    expect(safeNext(max)).toBe(max);
    expect(safeNext(max + 'a')).toBeUndefined();
    expect(safeNext('/' + 'a'.repeat(1_000_000))).toBeUndefined();
    // Normalisation may lengthen a path: the output is capped too.
    expect(safeNext('/' + 'é'.repeat(400))).toBeUndefined();
  });

  it.each([undefined, null, 42, true, ['/'], { toString: () => '/' }, new String('/'), Symbol('x')])(
    'rejects the non-string %s',
    (input) => {
      expect(safeNext(input)).toBeUndefined();
    },
  );

  it('never returns a protocol-relative or non-path result', () => {
    const inputs = ['/', '/%2e/', '/a/./b', '/a/.%2e/b', '/%2e%2e/x', '/..', '/./.', '/a?b#c', '/;x', '/@evil.com', '/:x'];
    for (const input of inputs) {
      const out = safeNext(input);
      if (out === undefined) continue;
      expect(out.startsWith('/')).toBe(true);
      expect(out.startsWith('//')).toBe(false);
      expect(new URL(out, 'https://site.example').origin).toBe('https://site.example');
    }
    expect(safeNext('/@evil.com')).toBe('/@evil.com');
  });
});

describe('createPreviewToken', () => {
  const now = (): number => T0;

  it('has the documented URL-safe format', () => {
    const token = createPreviewToken(SECRET_A, { now, next: '/blog?x=1' });
    const parts = token.split('.');
    expect(parts).toHaveLength(6);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe(kidOf(SECRET_A));
    expect(parts[2]).toBe(String(T0));
    expect(parts[3]).toBe(String(T0 + HOUR));
    expect(Buffer.from(parts[4] ?? '', 'base64url').toString()).toBe('/blog?x=1');
    expect(parts[5]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('defaults to one hour and "/"', () => {
    const result = verifyPreviewToken(createKeyRing([SECRET_A]), createPreviewToken(SECRET_A, { now }), T0);
    expect(result).toEqual({ ok: true, next: '/', issuedAt: T0, expiresAt: T0 + HOUR });
  });

  it('accepts a Date clock, a fractional ttl and exactly 30 days', () => {
    const ring = createKeyRing([SECRET_A]);
    const fromDate = verifyPreviewToken(ring, createPreviewToken(SECRET_A, { now: () => new Date(T0), ttlSeconds: 60 }), T0);
    expect(fromDate).toMatchObject({ ok: true, issuedAt: T0, expiresAt: T0 + 60_000 });
    const tiny = verifyPreviewToken(ring, createPreviewToken(SECRET_A, { now, ttlSeconds: 0.0001 }), T0);
    expect(tiny).toMatchObject({ ok: true, issuedAt: T0, expiresAt: T0 + 1 });
    const month = verifyPreviewToken(ring, createPreviewToken(SECRET_A, { now, ttlSeconds: 30 * 86_400 }), T0);
    expect(month).toMatchObject({ ok: true, expiresAt: T0 + 30 * DAY });
  });

  it('signs the normalised next', () => {
    const result = verifyPreviewToken(createKeyRing([SECRET_A]), createPreviewToken(SECRET_A, { now, next: '/a/../b#x' }), T0);
    expect(result).toMatchObject({ ok: true, next: '/b' });
  });

  it('signs with the first secret of a list', () => {
    const token = createPreviewToken([SECRET_B, SECRET_A], { now });
    expect(token.split('.')[1]).toBe(kidOf(SECRET_B));
    expect(verifyPreviewToken(createKeyRing([SECRET_B]), token, T0).ok).toBe(true);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, -Number.POSITIVE_INFINITY, 30 * 86_400 + 0.001, '60', null, {}])(
    'throws RangeError for ttlSeconds %s',
    (ttlSeconds) => {
      expect(() => createPreviewToken(SECRET_A, { ttlSeconds: ttlSeconds as number })).toThrow(RangeError);
    },
  );

  it.each(['//evil.com', 'https://evil.com', '/\\evil.com', 'blog', '/x\nSet-Cookie: a', '', null, 42])(
    'throws RangeError for the unsafe next %j',
    (next) => {
      expect(() => createPreviewToken(SECRET_A, { next: next as string })).toThrow(RangeError);
    },
  );

  it('throws for bad secrets and bad clocks', () => {
    expect(() => createPreviewToken('short')).toThrow(RangeError);
    expect(() => createPreviewToken([])).toThrow(TypeError);
    expect(() => createPreviewToken(42 as unknown as string)).toThrow(TypeError);
    expect(() => createPreviewToken(SECRET_A, { now: () => Number.NaN })).toThrow(RangeError);
    expect(() => createPreviewToken(SECRET_A, { now: () => new Date('nope') })).toThrow(RangeError);
  });
});

describe('verifyPreviewToken', () => {
  const ring = createKeyRing([SECRET_A]);
  const token = createPreviewToken(SECRET_A, { now: () => T0, next: '/blog', ttlSeconds: 60 });

  it('round-trips', () => {
    expect(verifyPreviewToken(ring, token, T0 + 1000)).toEqual({ ok: true, next: '/blog', issuedAt: T0, expiresAt: T0 + 60_000 });
  });

  it('is valid up to exp - 1 ms and expired at exp', () => {
    expect(verifyPreviewToken(ring, token, T0 + 59_999).ok).toBe(true);
    expect(verifyPreviewToken(ring, token, T0 + 60_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyPreviewToken(ring, token, Number.NaN)).toMatchObject({ ok: false });
  });

  it('rotates: an old secret verifies while listed second, and fails once removed', () => {
    const old = createPreviewToken(SECRET_B, { now: () => T0 });
    expect(verifyPreviewToken(createKeyRing([SECRET_A, SECRET_B]), old, T0).ok).toBe(true);
    expect(verifyPreviewToken(createKeyRing([SECRET_A]), old, T0)).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it.each([
    [0, 'malformed'],
    [1, 'unknown-key'],
    [2, 'bad-signature'],
    [3, 'bad-signature'],
    [4, 'bad-signature'],
    [5, 'bad-signature'],
  ] as const)('rejects a change to part %i as %s', (index, reason) => {
    const tampered = flipPart(token, index);
    expect(tampered).not.toBe(token);
    expect(verifyPreviewToken(ring, tampered, T0)).toEqual({ ok: false, reason });
  });

  it('rejects a key id swapped for another listed key', () => {
    const parts = token.split('.');
    parts[1] = kidOf(SECRET_B);
    expect(verifyPreviewToken(createKeyRing([SECRET_A, SECRET_B]), parts.join('.'), T0)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a non-canonical MAC encoding of the right bytes', () => {
    const parts = token.split('.');
    const macPiece = parts[5] ?? '';
    const lastIndex = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(macPiece.slice(-1));
    // The last char of 43 base64url chars carries 2 padding bits; setting one decodes to the same bytes.
    const alias = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[lastIndex ^ 1] ?? '';
    parts[5] = macPiece.slice(0, -1) + alias;
    const variant = parts.join('.');
    expect(Buffer.from(parts[5], 'base64url').equals(Buffer.from(macPiece, 'base64url'))).toBe(true);
    expect(verifyPreviewToken(ring, variant, T0)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    ['truncated by one char', token.slice(0, -1)],
    ['truncated by a part', token.split('.').slice(0, 5).join('.')],
    ['with an extra part', `${token}.x`],
    ['with an empty extra part', `${token}.`],
    ['with a leading dot', `.${token}`],
    ['with version v2', token.replace(/^v1/, 'v2')],
    ['with version V1', token.replace(/^v1/, 'V1')],
    ['with version v0', token.replace(/^v1/, 'v0')],
    ['padded with =', token.replace(/\.([^.]+)$/, '.$1=')],
    ['with + in the MAC', token.replace(/.$/, '+')],
    ['with / in next', token.replace(/^((?:[^.]+\.){4})[^.]/, '$1/')],
    ['with a leading + on iat', token.replace(`.${T0}.`, `.+${T0}.`)],
    ['with a space before iat', token.replace(`.${T0}.`, `. ${T0}.`)],
    ['with a leading zero on iat', token.replace(`.${T0}.`, `.0${T0}.`)],
    ['with a decimal exp', token.replace(`.${T0 + 60_000}.`, `.${T0 + 60_000}.0.`)],
    ['with an exponent exp', token.replace(`.${T0 + 60_000}.`, '.1e13.')],
    ['with a negative exp', token.replace(`.${T0 + 60_000}.`, `.-${T0 + 60_000}.`)],
    ['with a 7-char key id', token.replace(/^v1\.([^.]+)/, 'v1.$1A')],
    ['with an empty next', token.replace(/^((?:[^.]+\.){4})[^.]+/, '$1')],
    ['empty', ''],
    ['dots only', '.....'],
    ['base64 garbage', 'v1.######.1.2.$$$$.%%%%'],
    ['a random string', 'bm90IGEgdG9rZW4'],
    ['huge', 'v1.' + 'A'.repeat(1_000_000)],
    ['huge with many dots', '.'.repeat(100_000)],
  ])('rejects a token %s as malformed', (_label, bad) => {
    expect(verifyPreviewToken(ring, bad, T0)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('does no HMAC work for oversized, malformed or unknown-key tokens', () => {
    vi.mocked(createHmac).mockClear();
    verifyPreviewToken(ring, 'v1.' + 'A'.repeat(1_000_000), T0);
    verifyPreviewToken(ring, token.slice(0, -1), T0);
    verifyPreviewToken(ring, flipPart(token, 1), T0);
    expect(hmacCalls()).toBe(0);
    verifyPreviewToken(ring, token, T0);
    expect(hmacCalls()).toBe(1);
  });

  it('rejects a well-shaped token over 4 KiB before computing its MAC', () => {
    const kid = kidOf(SECRET_A);
    const body = `v1.${kid}.${T0}.${T0 + HOUR}.${'A'.repeat(4096)}`;
    const oversized = `${body}.${'A'.repeat(43)}`;
    vi.mocked(createHmac).mockClear();
    expect(verifyPreviewToken(ring, oversized, T0)).toEqual({ ok: false, reason: 'malformed' });
    expect(hmacCalls()).toBe(0);
  });

  it.each([undefined, null, 42, {}, ['v1'], Buffer.from('v1')])('rejects the non-string %s as malformed', (bad) => {
    expect(verifyPreviewToken(ring, bad, T0)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('rejects a token issued more than 60 s in the future', () => {
    const early = createPreviewToken(SECRET_A, { now: () => T0 + 60_001 });
    expect(verifyPreviewToken(ring, early, T0)).toEqual({ ok: false, reason: 'malformed' });
    const drift = createPreviewToken(SECRET_A, { now: () => T0 + 60_000 });
    expect(verifyPreviewToken(ring, drift, T0).ok).toBe(true);
  });

  it('re-validates next after the MAC: a correctly signed unsafe next is refused', () => {
    const kid = kidOf(SECRET_A);
    for (const next of ['//evil.com', 'https://evil.com', '/\\evil.com', '/x\r\nSet-Cookie: a']) {
      const forged = forge(SECRET_A, 'preview', `v1.${kid}.${T0}.${T0 + HOUR}.${b64(next)}`);
      expect(verifyPreviewToken(ring, forged, T0)).toEqual({ ok: false, reason: 'malformed' });
    }
    const fine = forge(SECRET_A, 'preview', `v1.${kid}.${T0}.${T0 + HOUR}.${b64('/ok')}`);
    expect(verifyPreviewToken(ring, fine, T0)).toMatchObject({ ok: true, next: '/ok' });
  });

  it('refuses correctly signed impossible lifetimes', () => {
    const kid = kidOf(SECRET_A);
    const next = b64('/');
    const equal = forge(SECRET_A, 'preview', `v1.${kid}.${T0}.${T0}.${next}`);
    const backwards = forge(SECRET_A, 'preview', `v1.${kid}.${T0}.${T0 - 1}.${next}`);
    const tooLong = forge(SECRET_A, 'preview', `v1.${kid}.${T0}.${T0 + 30 * DAY + 1}.${next}`);
    const longest = forge(SECRET_A, 'preview', `v1.${kid}.${T0}.${T0 + 30 * DAY}.${next}`);
    expect(verifyPreviewToken(ring, equal, T0)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyPreviewToken(ring, backwards, T0)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyPreviewToken(ring, tooLong, T0)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyPreviewToken(ring, longest, T0).ok).toBe(true);
  });

  it('refuses a non-canonical base64url next', () => {
    const kid = kidOf(SECRET_A);
    // "Lw" is "/"; "Lx" decodes to the same byte with a padding bit set.
    const forged = forge(SECRET_A, 'preview', `v1.${kid}.${T0}.${T0 + HOUR}.Lx`);
    expect(Buffer.from('Lx', 'base64url').toString()).toBe('/');
    expect(verifyPreviewToken(ring, forged, T0)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts the longest next the developer may sign (beyond 1 KiB)', () => {
    const next = '/' + 'a'.repeat(2047);
    const long = createPreviewToken(SECRET_A, { now: () => T0, next });
    expect(long.length).toBeGreaterThan(1024);
    expect(verifyPreviewToken(ring, long, T0)).toMatchObject({ ok: true, next });
  });
});

describe('preview tokens and cookies are not interchangeable', () => {
  const ring = createKeyRing([SECRET_A]);
  const kid = kidOf(SECRET_A);

  it('rejects a token as a cookie and a cookie as a token', () => {
    const token = createPreviewToken(SECRET_A, { now: () => T0 });
    const cookie = signBypassCookie(ring, T0, T0 + HOUR);
    expect(verifyBypassCookie(ring, token, T0, MAX_AGE).ok).toBe(false);
    expect(verifyPreviewToken(ring, cookie, T0).ok).toBe(false);
  });

  it('rejects MACs made with the other purpose’s subkey, even over the right body', () => {
    const cookieBody = `${kid}.${T0}.${T0 + HOUR}`;
    expect(verifyBypassCookie(ring, forge(SECRET_A, 'cookie', cookieBody), T0, MAX_AGE).ok).toBe(true);
    expect(verifyBypassCookie(ring, forge(SECRET_A, 'preview', cookieBody), T0, MAX_AGE)).toEqual({ ok: false, reason: 'bad-signature' });
    const tokenBody = `v1.${kid}.${T0}.${T0 + HOUR}.${b64('/')}`;
    expect(verifyPreviewToken(ring, forge(SECRET_A, 'preview', tokenBody), T0).ok).toBe(true);
    expect(verifyPreviewToken(ring, forge(SECRET_A, 'cookie', tokenBody), T0)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a token MAC transplanted onto a cookie with the same times', () => {
    const token = createPreviewToken(SECRET_A, { now: () => T0 });
    const [, tkid, iat, exp, , tokenMac] = token.split('.');
    expect(verifyBypassCookie(ring, `${tkid}.${iat}.${exp}.${tokenMac}`, T0, MAX_AGE)).toEqual({ ok: false, reason: 'bad-signature' });
  });
});

describe('bypass cookies', () => {
  const ring = createKeyRing([SECRET_A]);
  const cookie = signBypassCookie(ring, T0, T0 + MAX_AGE);

  it('has the documented format and round-trips', () => {
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{6}\.\d+\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(cookie.split('.').slice(0, 3)).toEqual([kidOf(SECRET_A), String(T0), String(T0 + MAX_AGE)]);
    expect(cookie).not.toContain(SECRET_A);
    expect(verifyBypassCookie(ring, cookie, T0 + 1, MAX_AGE)).toEqual({ ok: true, issuedAt: T0, expiresAt: T0 + MAX_AGE });
  });

  it('is valid up to exp - 1 ms and expired at exp', () => {
    expect(verifyBypassCookie(ring, cookie, T0 + MAX_AGE - 1, MAX_AGE).ok).toBe(true);
    expect(verifyBypassCookie(ring, cookie, T0 + MAX_AGE, MAX_AGE)).toEqual({ ok: false, reason: 'expired' });
  });

  it('rotates: signed with an old secret still verifies while listed second, fails once removed', () => {
    const old = signBypassCookie(createKeyRing([SECRET_B]), T0, T0 + HOUR);
    expect(verifyBypassCookie(createKeyRing([SECRET_A, SECRET_B]), old, T0, MAX_AGE).ok).toBe(true);
    expect(verifyBypassCookie(createKeyRing([SECRET_A, SECRET_C]), old, T0, MAX_AGE)).toEqual({ ok: false, reason: 'unknown-key' });
    expect(signBypassCookie(createKeyRing([SECRET_A, SECRET_B]), T0, T0 + 1).startsWith(`${kidOf(SECRET_A)}.`)).toBe(true);
  });

  it('caps the lifetime at maxAgeMs plus 1 s of slack', () => {
    const atCap = signBypassCookie(ring, T0, T0 + MAX_AGE + 1000);
    const overCap = signBypassCookie(ring, T0, T0 + MAX_AGE + 1001);
    expect(verifyBypassCookie(ring, atCap, T0, MAX_AGE).ok).toBe(true);
    expect(verifyBypassCookie(ring, overCap, T0, MAX_AGE)).toEqual({ ok: false, reason: 'too-long-lived' });
    // A shorter configured maxAge invalidates longer cookies signed under an earlier configuration.
    expect(verifyBypassCookie(ring, cookie, T0, HOUR)).toEqual({ ok: false, reason: 'too-long-lived' });
    expect(verifyBypassCookie(ring, cookie, T0, Number.NaN).ok).toBe(false);
  });

  it('rejects an iat more than 60 s in the future', () => {
    const future = signBypassCookie(ring, T0 + 60_001, T0 + HOUR);
    const drift = signBypassCookie(ring, T0 + 60_000, T0 + HOUR);
    expect(verifyBypassCookie(ring, future, T0, MAX_AGE)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyBypassCookie(ring, drift, T0, MAX_AGE).ok).toBe(true);
  });

  it('refuses a correctly signed cookie with exp <= iat', () => {
    const kid = kidOf(SECRET_A);
    expect(verifyBypassCookie(ring, forge(SECRET_A, 'cookie', `${kid}.${T0}.${T0}`), T0 - 1, MAX_AGE)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it.each([
    [0, 'unknown-key'],
    [1, 'bad-signature'],
    [2, 'bad-signature'],
    [3, 'bad-signature'],
  ] as const)('rejects a change to part %i as %s', (index, reason) => {
    const tampered = flipPart(cookie, index);
    expect(tampered).not.toBe(cookie);
    expect(verifyBypassCookie(ring, tampered, T0, MAX_AGE)).toEqual({ ok: false, reason });
  });

  it.each([
    ['truncated', cookie.slice(0, -1)],
    ['missing a part', cookie.split('.').slice(1).join('.')],
    ['with an extra part', `${cookie}.x`],
    ['with a version prefix', `v1.${cookie}`],
    ['quoted', `"${cookie}"`],
    ['with a space', ` ${cookie}`],
    ['with a leading + on iat', cookie.replace(`.${T0}.`, `.+${T0}.`)],
    ['with a leading zero on exp', cookie.replace(`.${T0 + MAX_AGE}.`, `.0${T0 + MAX_AGE}.`)],
    ['with a 17-digit exp', cookie.replace(`.${T0 + MAX_AGE}.`, '.10000000000000000.')],
    ['empty', ''],
    ['garbage', '%%%.&&&.***.((('],
    ['huge', 'A'.repeat(100_000)],
    ['huge with dots', `${cookie}${'.'.repeat(300)}`],
  ])('rejects a cookie %s as malformed', (_label, bad) => {
    expect(verifyBypassCookie(ring, bad, T0, MAX_AGE)).toEqual({ ok: false, reason: 'malformed' });
  });

  it.each([undefined, null, 1, {}, [cookie]])('rejects the non-string %s', (bad) => {
    expect(verifyBypassCookie(ring, bad, T0, MAX_AGE)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('signBypassCookie refuses impossible times', () => {
    expect(() => signBypassCookie(ring, T0, T0)).toThrow(RangeError);
    expect(() => signBypassCookie(ring, T0, T0 - 1)).toThrow(RangeError);
    expect(() => signBypassCookie(ring, Number.NaN, T0)).toThrow(RangeError);
    expect(() => signBypassCookie(ring, T0, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => signBypassCookie(ring, -1, T0)).toThrow(RangeError);
    expect(() => signBypassCookie(ring, T0, 1e300)).toThrow(RangeError);
    // Fractional milliseconds are floored rather than signed as decimals.
    expect(
      signBypassCookie(ring, T0 + 0.7, T0 + 10.2)
        .split('.')
        .slice(1, 3),
    ).toEqual([String(T0), String(T0 + 10)]);
  });
});

describe('createCookieVerifier', () => {
  const ring = createKeyRing([SECRET_A]);

  it('caches a valid cookie so later checks do no HMAC', () => {
    const verifier = createCookieVerifier(ring, MAX_AGE);
    const cookie = signBypassCookie(ring, T0, T0 + HOUR);
    vi.mocked(createHmac).mockClear();
    expect(verifier.check(cookie, T0, 0)).toBe(true);
    expect(hmacCalls()).toBe(1);
    expect(verifier.cacheSize).toBe(1);
    for (let i = 0; i < 100; i++) expect(verifier.check(cookie, T0 + i, 0)).toBe(true);
    expect(hmacCalls()).toBe(1);
  });

  it('applies revocation to a cached entry', () => {
    const verifier = createCookieVerifier(ring, MAX_AGE);
    const cookie = signBypassCookie(ring, T0, T0 + HOUR);
    expect(verifier.check(cookie, T0, T0)).toBe(true);
    expect(verifier.cacheSize).toBe(1);
    expect(verifier.check(cookie, T0 + 1, T0 + 1)).toBe(false);
    expect(verifier.cacheSize).toBe(0);
    // A later cookie passes the same revocation point.
    expect(verifier.check(signBypassCookie(ring, T0 + 1, T0 + HOUR), T0 + 2, T0 + 1)).toBe(true);
  });

  it('does not cache a cookie issued before the revocation point', () => {
    const verifier = createCookieVerifier(ring, MAX_AGE);
    const cookie = signBypassCookie(ring, T0, T0 + HOUR);
    expect(verifier.check(cookie, T0, T0 + 1)).toBe(false);
    expect(verifier.cacheSize).toBe(0);
    expect(verifier.check(cookie, T0, Number.NaN)).toBe(false);
  });

  it('expires a cached entry at exp', () => {
    const verifier = createCookieVerifier(ring, MAX_AGE);
    const cookie = signBypassCookie(ring, T0, T0 + HOUR);
    expect(verifier.check(cookie, T0, 0)).toBe(true);
    expect(verifier.check(cookie, T0 + HOUR - 1, 0)).toBe(true);
    expect(verifier.check(cookie, T0 + HOUR, 0)).toBe(false);
    expect(verifier.cacheSize).toBe(0);
    expect(verifier.check(cookie, Number.NaN, 0)).toBe(false);
  });

  it('enforces its own maxAge', () => {
    const verifier = createCookieVerifier(ring, HOUR);
    expect(verifier.check(signBypassCookie(ring, T0, T0 + 2 * HOUR), T0, 0)).toBe(false);
    expect(verifier.cacheSize).toBe(0);
  });

  it('does not cache failures, so 5,000 random cookies leave it empty', () => {
    const verifier = createCookieVerifier(ring, MAX_AGE, { cacheSize: 10 });
    const kid = kidOf(SECRET_A);
    for (let i = 0; i < 5000; i++) {
      const mac = createHash('sha256').update(String(i)).digest('base64url');
      expect(verifier.check(`${kid}.${T0}.${T0 + HOUR}.${mac}`, T0, 0)).toBe(false);
      expect(verifier.check(`random-${i}`, T0, 0)).toBe(false);
    }
    expect(verifier.cacheSize).toBe(0);
  });

  it('never exceeds its cap and evicts the oldest entry first', () => {
    const verifier = createCookieVerifier(ring, MAX_AGE, { cacheSize: 100 });
    const cookies: string[] = [];
    let max = 0;
    for (let i = 0; i < 5000; i++) {
      const cookie = signBypassCookie(ring, T0 + i, T0 + HOUR);
      cookies.push(cookie);
      expect(verifier.check(cookie, T0 + i, 0)).toBe(true);
      max = Math.max(max, verifier.cacheSize);
    }
    expect(max).toBe(100);
    vi.mocked(createHmac).mockClear();
    expect(verifier.check(cookies[4999] ?? '', T0 + 5000, 0)).toBe(true);
    expect(verifier.check(cookies[4900] ?? '', T0 + 5000, 0)).toBe(true);
    expect(hmacCalls()).toBe(0);
    expect(verifier.check(cookies[0] ?? '', T0 + 5000, 0)).toBe(true);
    expect(hmacCalls()).toBe(1);
    expect(verifier.cacheSize).toBe(100);
  });

  it('defaults to 1,000 entries', () => {
    const verifier = createCookieVerifier(ring, MAX_AGE);
    for (let i = 0; i < 1500; i++) verifier.check(signBypassCookie(ring, T0 + i, T0 + HOUR), T0 + i, 0);
    expect(verifier.cacheSize).toBe(1000);
  });

  it('still verifies with the cache disabled', () => {
    const verifier = createCookieVerifier(ring, MAX_AGE, { cacheSize: 0 });
    const cookie = signBypassCookie(ring, T0, T0 + HOUR);
    vi.mocked(createHmac).mockClear();
    expect(verifier.check(cookie, T0, 0)).toBe(true);
    expect(verifier.check(cookie, T0, 0)).toBe(true);
    expect(hmacCalls()).toBe(2);
    expect(verifier.cacheSize).toBe(0);
  });

  it('returns false for non-strings', () => {
    const verifier = createCookieVerifier(ring, MAX_AGE);
    expect(verifier.check(undefined as unknown as string, T0, 0)).toBe(false);
    expect(verifier.check(['x'] as unknown as string, T0, 0)).toBe(false);
  });

  it('refuses bad options', () => {
    expect(() => createCookieVerifier(ring, 0)).toThrow(RangeError);
    expect(() => createCookieVerifier(ring, Number.NaN)).toThrow(RangeError);
    expect(() => createCookieVerifier(ring, MAX_AGE, { cacheSize: -1 })).toThrow(RangeError);
    expect(() => createCookieVerifier(ring, MAX_AGE, { cacheSize: 1.5 })).toThrow(RangeError);
    expect(() => createCookieVerifier({ keyIds: [] } as unknown as KeyRing, MAX_AGE)).toThrow(TypeError);
  });
});

describe('readCookie', () => {
  const NAME = 'intermission_bypass';
  const V = 'abc123.1735689600000.1735732800000.Xy_-z';

  it.each([
    [`${NAME}=${V}`, V],
    [`a=1; ${NAME}=${V}`, V],
    [`${NAME}=${V}; a=1`, V],
    [`a=1; ${NAME}=${V}; b=2`, V],
    [`a=1;${NAME}=${V};b=2`, V],
    [`a=1;\t${NAME}=${V}\t;b=2`, V],
    [`  ${NAME}=${V}  `, V],
    [`;${NAME}=${V};`, V],
    [`; ; ${NAME}=${V}; ;`, V],
    [`${NAME}= ${V}`, V],
    [`a="x;y"; ${NAME}=${V}`, V],
  ])('reads %j', (header, expected) => {
    expect(readCookie(header, NAME)).toBe(expected);
  });

  it.each([
    ['absent', 'a=1; b=2'],
    ['empty header', ''],
    ['a longer name', `x${NAME}=${V}`],
    ['a name with a suffix', `${NAME}x=${V}`],
    ['the __Host- name when reading the plain one', `__Host-${NAME}=${V}`],
    ['the name inside another value', `a=${NAME}=${V}`],
    ['a duplicate', `${NAME}=${V}; ${NAME}=${V}`],
    ['a duplicate with different values', `${NAME}=${V}; a=1; ${NAME}=other`],
    ['a duplicate written with spaces', `${NAME}=${V}; ${NAME} =other`],
    ['an empty duplicate', `${NAME}=; ${NAME}=${V}`],
    ['an empty value', `${NAME}=`],
    ['no value', NAME],
    ['a quoted value', `${NAME}="${V}"`],
    ['a percent-encoded value', `${NAME}=abc%2Edef`],
    ['a value with a space', `${NAME}=abc def`],
    ['a value with =', `${NAME}=abc=def`],
    ['a value with +', `${NAME}=abc+def`],
    ['a value with /', `${NAME}=abc/def`],
    ['a value with a comma', `${NAME}=abc,def`],
    ['a non-ASCII value', `${NAME}=abcé`],
    ['a 513-char value', `${NAME}=${'a'.repeat(513)}`],
    ['a newline in the value', `${NAME}=abc\ndef`],
  ])('returns undefined for %s', (_label, header) => {
    expect(readCookie(header, NAME)).toBeUndefined();
  });

  it('accepts a 512-char value', () => {
    const value = 'a'.repeat(512);
    expect(readCookie(`${NAME}=${value}`, NAME)).toBe(value);
  });

  it('reads the __Host- name exactly', () => {
    const { host } = bypassCookieNames(NAME);
    expect(readCookie(`${NAME}=plain; ${host}=${V}`, host)).toBe(V);
    expect(readCookie(`${NAME}=plain; ${host}=${V}`, NAME)).toBe('plain');
  });

  it.each([undefined, ['intermission_bypass=abc'], 42, null, { toString: () => 'intermission_bypass=abc' }])(
    'treats the non-string header %s as absent',
    (header) => {
      expect(readCookie(header as string | undefined, NAME)).toBeUndefined();
    },
  );

  it('refuses an invalid name', () => {
    expect(readCookie('=abc', '')).toBeUndefined();
    expect(readCookie('a b=abc', 'a b')).toBeUndefined();
    expect(readCookie('a=abc', 'a=')).toBeUndefined();
  });

  it('handles a large header with many cookies', () => {
    const header = Array.from({ length: 500 }, (_, i) => `c${i}=v${i}`).join('; ') + `; ${NAME}=${V}`;
    expect(readCookie(header, NAME)).toBe(V);
  });
});

describe('serializeBypassCookie and bypassCookieNames', () => {
  const NOW = T0;
  const attributes = (setCookie: string): string[] => setCookie.split('; ');

  it('names the cookie', () => {
    expect(bypassCookieNames('intermission_bypass')).toEqual({ plain: 'intermission_bypass', host: '__Host-intermission_bypass' });
  });

  it('sets a __Host- cookie with Secure when secure', () => {
    const header = serializeBypassCookie('intermission_bypass', 'v.1.2.m', { maxAgeSeconds: 43_200, secure: true, nowMs: NOW });
    const [pair, ...rest] = attributes(header);
    expect(pair).toBe('__Host-intermission_bypass=v.1.2.m');
    expect(new Set(rest)).toEqual(
      new Set(['Path=/', 'Max-Age=43200', `Expires=${new Date(NOW + 43_200_000).toUTCString()}`, 'HttpOnly', 'Secure', 'SameSite=Lax']),
    );
    expect(header).not.toMatch(/domain/i);
  });

  it('sets a plain cookie without Secure otherwise', () => {
    const header = serializeBypassCookie('intermission_bypass', 'v.1.2.m', { maxAgeSeconds: 60, secure: false, nowMs: NOW });
    const [pair, ...rest] = attributes(header);
    expect(pair).toBe('intermission_bypass=v.1.2.m');
    expect(new Set(rest)).toEqual(
      new Set(['Path=/', 'Max-Age=60', `Expires=${new Date(NOW + 60_000).toUTCString()}`, 'HttpOnly', 'SameSite=Lax']),
    );
    expect(header).not.toContain('__Host-');
  });

  it('floors fractional seconds and clears with 0', () => {
    expect(serializeBypassCookie('n', 'v', { maxAgeSeconds: 59.9, secure: false, nowMs: NOW })).toContain('; Max-Age=59;');
    const cleared = serializeBypassCookie('n', 'v', { maxAgeSeconds: 0, secure: true, nowMs: NOW });
    expect(cleared).toContain('; Max-Age=0;');
    expect(cleared).toContain(`Expires=${new Date(0).toUTCString()}`);
  });

  it('defaults Expires to the current time plus maxAge', () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    expect(serializeBypassCookie('n', 'v', { maxAgeSeconds: 10, secure: false })).toContain(
      `Expires=${new Date(NOW + 10_000).toUTCString()}`,
    );
  });

  it('round-trips through readCookie and verifyBypassCookie', () => {
    const ring = createKeyRing([SECRET_A]);
    const value = signBypassCookie(ring, NOW, NOW + MAX_AGE);
    const names = bypassCookieNames('intermission_bypass');
    const pair =
      serializeBypassCookie('intermission_bypass', value, { maxAgeSeconds: MAX_AGE / 1000, secure: true, nowMs: NOW }).split('; ')[0] ?? '';
    const read = readCookie(`other=1; ${pair}`, names.host);
    expect(read).toBe(value);
    expect(verifyBypassCookie(ring, read, NOW, MAX_AGE).ok).toBe(true);
  });

  it.each([
    ['a value with ;', 'n', 'v; Domain=evil.com', TypeError],
    ['a value with a newline', 'n', 'v\r\nX: y', TypeError],
    ['an empty value', 'n', '', TypeError],
    ['a 513-char value', 'n', 'a'.repeat(513), TypeError],
    ['a name with =', 'n=x', 'v', TypeError],
    ['a name with a space', 'n x', 'v', TypeError],
    ['an empty name', '', 'v', TypeError],
    ['a name already prefixed', '__Host-n', 'v', TypeError],
    ['a __Secure- name', '__secure-n', 'v', TypeError],
  ] as const)('throws for %s', (_label, name, value, error) => {
    expect(() => serializeBypassCookie(name, value, { maxAgeSeconds: 60, secure: true, nowMs: NOW })).toThrow(error);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 30 * 86_400 + 1])('throws RangeError for maxAgeSeconds %s', (maxAgeSeconds) => {
    expect(() => serializeBypassCookie('n', 'v', { maxAgeSeconds, secure: false, nowMs: NOW })).toThrow(RangeError);
  });
});
