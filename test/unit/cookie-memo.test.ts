import { describe, expect, it } from 'vitest';
import { bypassCookieNames, createCookieVerifier, signBypassCookie } from '../../src/bypass/bypass-cookie.js';
import { recallCookie, rememberCookie } from '../../src/bypass/cookie-memo.js';
import { compileIpRules } from '../../src/bypass/ip-rules.js';
import { createKeyRing } from '../../src/bypass/keys.js';
import { matchBypass, type BypassRules } from '../../src/bypass/match.js';
import { compilePathRules } from '../../src/bypass/path-rules.js';

const SECRET = 'memo-unit-secret-0123456789-abcdefghijklmnopq';
const NOW = Date.parse('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;
const ring = createKeyRing([SECRET]);
const VALUE = signBypassCookie(ring, NOW - 1000, NOW + HOUR);
const HEADER = `theme=dark; intermission_bypass=${VALUE}`;

function rules(secret = SECRET): BypassRules {
  return {
    paths: compilePathRules([]).matcher,
    ips: compileIpRules([]).matcher,
    cookies: createCookieVerifier(createKeyRing([secret]), HOUR),
    cookieNames: bypassCookieNames('intermission_bypass'),
  };
}

/** A header equal to `text` but a string of its own, as each request's is. */
const fresh = (text: string): string => Buffer.from(text, 'latin1').toString('latin1');

describe('recallCookie / rememberCookie', () => {
  it('recalls the same header for the same rules while the cookie is valid', () => {
    const gate = rules();
    const socket = {};
    expect(recallCookie(socket, HEADER, gate, NOW, 0)).toBe(false);
    rememberCookie(socket, HEADER, gate, VALUE);
    expect(recallCookie(socket, fresh(HEADER), gate, NOW, 0)).toBe(true);
    expect(recallCookie(socket, fresh(HEADER), gate, NOW + HOUR, 0)).toBe(false);
    expect(recallCookie(socket, fresh(HEADER), gate, NOW, NOW)).toBe(false);
  });

  it('recalls nothing for another header, other rules, or another connection', () => {
    const gate = rules();
    const socket = {};
    rememberCookie(socket, HEADER, gate, VALUE);
    expect(recallCookie(socket, `${HEADER}; x=1`, gate, NOW, 0)).toBe(false);
    expect(recallCookie(socket, HEADER.slice(0, -1), gate, NOW, 0)).toBe(false);
    expect(recallCookie(socket, HEADER, rules(), NOW, 0)).toBe(false);
    expect(recallCookie({}, HEADER, gate, NOW, 0)).toBe(false);
  });

  it('checks the value again with the rules it is recalled for: a value they do not verify is not a hit', () => {
    const gate = rules('another-secret-0123456789-abcdefghijklmnopqrst');
    const socket = {};
    rememberCookie(socket, HEADER, gate, VALUE);
    expect(recallCookie(socket, HEADER, gate, NOW, 0)).toBe(false);
  });

  it('does nothing without a socket, a header or a value', () => {
    const gate = rules();
    for (const socket of [undefined, null, 'socket', 1]) {
      expect(() => rememberCookie(socket, HEADER, gate, VALUE)).not.toThrow();
      expect(recallCookie(socket, HEADER, gate, NOW, 0)).toBe(false);
    }
    const socket = {};
    rememberCookie(socket, undefined, gate, VALUE);
    rememberCookie(socket, HEADER, gate, undefined);
    expect(Object.getOwnPropertySymbols(socket)).toHaveLength(0);
    expect(recallCookie(socket, undefined, gate, NOW, 0)).toBe(false);
  });
});

describe('matchBypass with a remembered cookie', () => {
  it('counts it as the cookie only where a cookie rule exists and a Cookie header came', () => {
    const gate = rules();
    expect(matchBypass(gate, { url: '/', ip: undefined, cookie: HEADER, cookieRemembered: true }, NOW, 0)).toBe('cookie');
    expect(matchBypass({ ...gate, cookies: undefined }, { url: '/', ip: undefined, cookie: HEADER, cookieRemembered: true }, NOW, 0)).toBe(
      undefined,
    );
    expect(matchBypass(gate, { url: '/', ip: undefined, cookie: undefined, cookieRemembered: true }, NOW, 0)).toBe(undefined);
  });

  it('keeps the order of the rules: an open path is still the reason', () => {
    const gate = { ...rules(), paths: compilePathRules(['/healthz']).matcher };
    expect(matchBypass(gate, { url: '/healthz', ip: undefined, cookie: HEADER, cookieRemembered: true }, NOW, 0)).toBe('path');
  });
});
