import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createPreviewToken } from '../../src/index.js';
import type { IntermissionOptions } from '../../src/index.js';
import type { recordingLogger } from '../helpers/app.js';
import {
  createApp,
  expectHeaders,
  expectNoLeak,
  expressVersions,
  manualClock,
  rawRequest,
  REAL_SITE,
  type ExpressFactory,
} from '../helpers/app.js';

const SECRET_A = 'alpha-secret-0123456789-abcdefghijklmnopqrstuv';
const SECRET_B = 'bravo-secret-0123456789-abcdefghijklmnopqrstuv';
const PREVIEW = '/__intermission/preview';
const NOW = '2026-06-01T12:00:00Z';
const TWELVE_HOURS = 43_200_000;

type Setup = Parameters<typeof createApp>[2];
type App = ReturnType<typeof createApp>['app'];
type Clock = ReturnType<typeof manualClock>;

function cookieApp(express: ExpressFactory, options: IntermissionOptions = {}, setup?: Setup, clock: Clock = manualClock(NOW)) {
  const built = createApp(express, { mode: 'maintenance', secret: SECRET_A, now: clock.now, ...options }, setup);
  return { ...built, clock };
}

function previewUrl(token: string): string {
  return `${PREVIEW}?token=${encodeURIComponent(token)}`;
}

/** Follows a preview link and returns the bypass cookie as `name=value`. */
async function issueCookie(
  app: App,
  clock: Clock,
  secret: string | string[] = SECRET_A,
): Promise<{ name: string; value: string; pair: string }> {
  const res = await request(app).get(previewUrl(createPreviewToken(secret, { next: '/whoami', now: clock.now })));
  expect(res.status).toBe(303);
  const header = (res.headers['set-cookie'] as unknown as string[] | undefined)?.[0];
  expect(header).toBeDefined();
  const pair = header!.split(';')[0]!;
  const eq = pair.indexOf('=');
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), pair };
}

/** Changes the last character of one dot-separated part, keeping it in the same alphabet. */
function flipPart(value: string, index: number): string {
  const parts = value.split('.');
  const part = parts[index]!;
  const last = part.at(-1)!;
  const flipped = /[0-9]/.test(last) ? String((Number(last) + 1) % 10) : last === 'A' ? 'B' : 'A';
  parts[index] = part.slice(0, -1) + flipped;
  return parts.join('.');
}

/** The request shows the real site only through a bypass. */
async function expectGate(app: App, cookie: string): Promise<void> {
  const res = await request(app).get('/').set('Cookie', cookie);
  expect(res.status).toBe(503);
  expectNoLeak(res);
  const who = await request(app).get('/whoami').set('Cookie', cookie);
  expect(who.status).toBe(503);
}

async function expectBypass(app: App, cookie: string, mode = 'maintenance'): Promise<void> {
  const who = await request(app).get('/whoami').set('Cookie', cookie);
  expect(who.status).toBe(200);
  expect(who.body).toEqual({ bypass: { mode, bypass: 'cookie' } });
}

describe.each(expressVersions)('%s', (_name, express) => {
  describe('previewPath', () => {
    describe('when the token is valid and the site is closed', () => {
      it('redirects 303 to next and sets an HttpOnly, SameSite=Lax, host-wide cookie for 12 hours', async () => {
        const { app, clock } = cookieApp(express);
        const token = createPreviewToken(SECRET_A, { next: '/whoami', now: clock.now });
        const res = await request(app).get(previewUrl(token));
        expect(res.status).toBe(303);
        expectHeaders(res, { Location: '/whoami', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store', 'Content-Length': '0' });
        const cookies = res.headers['set-cookie'] as unknown as string[];
        expect(cookies).toHaveLength(1);
        const attributes = cookies[0]!.split(/;\s*/);
        expect(attributes[0]).toMatch(/^intermission_bypass=[A-Za-z0-9_-]{6}\.\d+\.\d+\.[A-Za-z0-9_-]{43}$/);
        expect(attributes).toEqual(
          expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/', 'Max-Age=43200', 'Expires=Tue, 02 Jun 2026 00:00:00 GMT']),
        );
        expect(attributes).not.toContain('Secure');
        expect(attributes.some((attribute) => /^domain=/i.test(attribute))).toBe(false);
      });

      it('the cookie then opens the real site, privately', async () => {
        const { app, clock } = cookieApp(express);
        const { pair } = await issueCookie(app, clock);
        await expectBypass(app, pair);
        const home = await request(app).get('/').set('Cookie', `theme=dark; ${pair}; lang=en`);
        expect(home.status).toBe(200);
        expect(home.text).toContain(REAL_SITE);
        expectHeaders(home, { 'Cache-Control': 'private, no-store', 'Surrogate-Control': null, Vary: /Cookie/ });
        expect((await request(app).get('/')).status).toBe(503);
      });

      it('works in coming-soon mode too', async () => {
        const { app, clock } = cookieApp(express, { mode: 'coming-soon' });
        const { pair } = await issueCookie(app, clock);
        await expectBypass(app, pair, 'coming-soon');
      });

      it('honours cookie.name and cookie.maxAge', async () => {
        const { app, clock } = cookieApp(express, { cookie: { name: 'staff_preview', maxAge: 600 } });
        const res = await request(app).get(previewUrl(createPreviewToken(SECRET_A, { now: clock.now })));
        const header = (res.headers['set-cookie'] as unknown as string[])[0]!;
        expect(header).toMatch(/^staff_preview=/);
        expect(header).toContain('Max-Age=600');
        const pair = header.split(';')[0]!;
        await expectBypass(app, pair);
        clock.advance(600_000);
        await expectGate(app, pair);
      });
    });

    describe('when the request is secure behind a trusted proxy', () => {
      const trustLoopback: Setup = (app) => void app.set('trust proxy', 'loopback');

      it('sets __Host-intermission_bypass with Secure, and it works on the next request', async () => {
        const { app, clock } = cookieApp(express, {}, trustLoopback);
        const token = createPreviewToken(SECRET_A, { next: '/whoami', now: clock.now });
        const res = await request(app).get(previewUrl(token)).set('X-Forwarded-Proto', 'https');
        expect(res.status).toBe(303);
        const header = (res.headers['set-cookie'] as unknown as string[])[0]!;
        const attributes = header.split(/;\s*/);
        expect(attributes[0]).toMatch(/^__Host-intermission_bypass=/);
        expect(attributes).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/']));
        expect(attributes.some((attribute) => /^domain=/i.test(attribute))).toBe(false);
        const who = await request(app).get('/whoami').set('X-Forwarded-Proto', 'https').set('Cookie', attributes[0]!);
        expect(who.body).toEqual({ bypass: { mode: 'maintenance', bypass: 'cookie' } });
      });

      it('ignores X-Forwarded-Proto from an untrusted client: no Secure, no __Host- prefix', async () => {
        const { app, clock } = cookieApp(express);
        const token = createPreviewToken(SECRET_A, { now: clock.now });
        const res = await request(app).get(previewUrl(token)).set('X-Forwarded-Proto', 'https');
        const header = (res.headers['set-cookie'] as unknown as string[])[0]!;
        expect(header).toMatch(/^intermission_bypass=/);
        expect(header).not.toContain('Secure');
      });
    });

    describe('when the token is not valid', () => {
      const cases: [string, (clock: Clock) => string, RegExp][] = [
        [
          'expired',
          (clock) => {
            const token = createPreviewToken(SECRET_A, { ttlSeconds: 60, now: clock.now });
            clock.advance(60_000);
            return previewUrl(token);
          },
          /expired/,
        ],
        ['forged', () => previewUrl(`v1.AAAAAA.1780315200000.1780318800000.Lw.${'A'.repeat(43)}`), /not valid/],
        ['signed with another secret', (clock) => previewUrl(createPreviewToken(SECRET_B, { now: clock.now })), /not valid/],
        ['with its MAC flipped', (clock) => previewUrl(flipPart(createPreviewToken(SECRET_A, { now: clock.now }), 5)), /not valid/],
        ['with its expiry pushed back', (clock) => previewUrl(flipPart(createPreviewToken(SECRET_A, { now: clock.now }), 3)), /not valid/],
        ['junk', () => `${PREVIEW}?token=junk`, /not valid/],
        ['empty', () => `${PREVIEW}?token=`, /not valid/],
        ['missing', () => PREVIEW, /not valid/],
        ['5,000 characters long', () => `${PREVIEW}?token=${'A'.repeat(5000)}`, /not valid/],
        ['full of percent-escapes', () => `${PREVIEW}?token=%00%0d%0aSet-Cookie:%20x=1`, /not valid/],
        ['badly percent-encoded', () => `${PREVIEW}?token=%zz%E0%A4%A`, /not valid/],
        [
          'given twice (both valid)',
          (clock) => {
            const token = encodeURIComponent(createPreviewToken(SECRET_A, { now: clock.now }));
            return `${PREVIEW}?token=${token}&token=${token}`;
          },
          /not valid/,
        ],
        [
          'given twice (valid and junk)',
          (clock) => `${PREVIEW}?token=junk&token=${encodeURIComponent(createPreviewToken(SECRET_A, { now: clock.now }))}`,
          /not valid/,
        ],
        ['a bypass cookie value', () => `${PREVIEW}?token=AAAAAA.1.2.${'A'.repeat(43)}`, /not valid/],
      ];

      it.each(cases)('%s: 403 page, no cookie, no-store', async (_label, url, message) => {
        const { app, clock } = cookieApp(express);
        const res = await rawRequest(app, { path: url(clock) });
        expect(res.status).toBe(403);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.headers.location).toBeUndefined();
        expect(res.text).toMatch(message);
        expect(res.text).not.toContain(REAL_SITE);
      });

      it('a token with its next altered to another path fails verification', async () => {
        const { app, clock } = cookieApp(express);
        const parts = createPreviewToken(SECRET_A, { next: '/whoami', now: clock.now }).split('.');
        for (const next of ['/admin', '//evil.example', '/\\evil.example', 'https://evil.example/']) {
          parts[4] = Buffer.from(next, 'latin1').toString('base64url');
          const res = await request(app).get(previewUrl(parts.join('.')));
          expect(res.status).toBe(403);
          expect(res.headers.location).toBeUndefined();
          expect(res.headers['set-cookie']).toBeUndefined();
        }
      });
    });

    describe('when next is not a same-origin path', () => {
      it.each([
        '//evil.example',
        '///evil.example',
        '/\\evil.example',
        '\\\\evil.example',
        'https://evil.example/',
        'http:evil.example',
        'javascript:alert(1)',
        'evil.example',
        '/%2F%2Fevil.example',
        '/%5Cevil.example',
        '/.//evil.example',
        '/x\r\nSet-Cookie: a=b',
        '/x%0d%0aSet-Cookie:%20a=b',
        ' /x',
        '',
      ])('createPreviewToken refuses %j with a RangeError', (next) => {
        expect(() => createPreviewToken(SECRET_A, { next })).toThrow(RangeError);
      });
    });

    describe('when next is a same-origin path', () => {
      it.each(['/', '/whoami', '/blog/post?utm=1&back=%2F%2Fevil.example', '/a/./b/../c', '/%E2%9C%93', '/path?q=1#fragment'])(
        'Location for %j stays on this origin',
        async (next) => {
          const { app, clock } = cookieApp(express);
          const res = await request(app).get(previewUrl(createPreviewToken(SECRET_A, { next, now: clock.now })));
          expect(res.status).toBe(303);
          const location = res.headers.location as string;
          expect(location.startsWith('/')).toBe(true);
          expect(location).not.toMatch(/^[/\\]{2}|^\/[\\]|[\r\n]/);
          expect(new URL(location, 'http://app.test').origin).toBe('http://app.test');
        },
      );
    });

    describe('when the method is not GET or HEAD', () => {
      it.each(['post', 'put', 'delete', 'patch'] as const)('%s: 405 with Allow, no cookie', async (method) => {
        const { app, clock } = cookieApp(express);
        const res = await request(app)[method](previewUrl(createPreviewToken(SECRET_A, { now: clock.now })));
        expect(res.status).toBe(405);
        expectHeaders(res, { Allow: 'GET, HEAD', 'Set-Cookie': null, 'Cache-Control': 'no-store', Location: null });
      });
    });

    describe('when the request is HEAD', () => {
      it('redirects and sets the cookie like GET', async () => {
        const { app, clock } = cookieApp(express);
        const res = await request(app).head(previewUrl(createPreviewToken(SECRET_A, { next: '/whoami', now: clock.now })));
        expect(res.status).toBe(303);
        expectHeaders(res, { Location: '/whoami', 'Set-Cookie': /^intermission_bypass=/ });
      });
    });

    describe('when the site is open', () => {
      it('redirects 303 to next without setting a cookie', async () => {
        const { app, clock } = cookieApp(express, { mode: 'off' });
        const res = await request(app).get(previewUrl(createPreviewToken(SECRET_A, { next: '/whoami', now: clock.now })));
        expect(res.status).toBe(303);
        expectHeaders(res, { Location: '/whoami', 'Set-Cookie': null, 'Cache-Control': 'no-store' });
      });
    });

    describe('when no secret is configured', () => {
      it.each(['maintenance', 'off'] as const)('mode %s: answers a 404 notice, never a crash', async (mode) => {
        const { app } = createApp(express, { mode, now: manualClock(NOW).now });
        const token = createPreviewToken(SECRET_A, { now: manualClock(NOW).now });
        for (const url of [PREVIEW, previewUrl(token)]) {
          const res = await request(app).get(url);
          expect(res.status).toBe(404);
          expectHeaders(res, {
            'Content-Type': 'text/html; charset=utf-8',
            'Cache-Control': 'no-store',
            'Set-Cookie': null,
            Location: null,
          });
          expect(res.text).toContain('not enabled');
        }
      });

      it('never treats a cookie as a bypass', async () => {
        const clock = manualClock(NOW);
        const { app: issuer } = cookieApp(express, {}, undefined, clock);
        const { pair } = await issueCookie(issuer, clock);
        const { app } = createApp(express, { mode: 'maintenance', now: clock.now });
        await expectGate(app, pair);
      });
    });

    describe('when previewPath is set', () => {
      it('preview links land there, and the default path is just a gated page', async () => {
        const { app, clock } = cookieApp(express, { previewPath: '/staff/preview' });
        const token = encodeURIComponent(createPreviewToken(SECRET_A, { next: '/whoami', now: clock.now }));
        const moved = await request(app).get(`/staff/preview?token=${token}`);
        expect(moved.status).toBe(303);
        expectHeaders(moved, { Location: '/whoami', 'Set-Cookie': /^intermission_bypass=/ });
        const old = await request(app).get(`${PREVIEW}?token=${token}`);
        expect(old.status).toBe(503);
        expectHeaders(old, { 'Set-Cookie': null });
      });
    });

    describe('when the preview path only starts the same way', () => {
      it.each([`${PREVIEW}/`, `${PREVIEW}x`, `${PREVIEW}.html`])('%s is not the preview endpoint', async (path) => {
        const { app, clock } = cookieApp(express);
        const res = await request(app).get(`${path}?token=${encodeURIComponent(createPreviewToken(SECRET_A, { now: clock.now }))}`);
        expect(res.status).toBe(503);
        expectHeaders(res, { 'Set-Cookie': null });
      });
    });
  });

  describe('bypass cookie', () => {
    describe('when the cookie is forged, altered, truncated or extended', () => {
      const variants: [string, (value: string) => string][] = [
        ['random', () => `${'x'.repeat(6)}.1780272000000.1780315200000.${'r'.repeat(43)}`],
        ['kid flipped', (value) => flipPart(value, 0)],
        ['iat flipped', (value) => flipPart(value, 1)],
        ['exp flipped', (value) => flipPart(value, 2)],
        ['MAC flipped', (value) => flipPart(value, 3)],
        ['truncated by one character', (value) => value.slice(0, -1)],
        ['truncated to three parts', (value) => value.split('.').slice(0, 3).join('.')],
        ['extra part at the end', (value) => `${value}.x`],
        ['extra part at the start', (value) => `x.${value}`],
        ['MAC repeated', (value) => `${value}.${value.split('.')[3]!}`],
        ['quoted', (value) => `"${value}"`],
        ['percent-encoded', (value) => encodeURIComponent(value).replaceAll('.', '%2E')],
        ['with the MAC of another secret', (value) => value],
        ['empty', () => ''],
      ];

      it.each(variants)('%s: the gate answers, nothing crashes', async (label, tamper) => {
        const { app, clock } = cookieApp(express);
        const { name, value, pair } = await issueCookie(app, clock);
        await expectBypass(app, pair);
        let forged = tamper(value);
        if (label === 'with the MAC of another secret') {
          const other = cookieApp(express, { secret: SECRET_B }, undefined, clock);
          forged = (await issueCookie(other.app, clock, SECRET_B)).value;
        }
        await expectGate(app, `${name}=${forged}`);
      });
    });

    describe('when the cookie has expired', () => {
      it('works until maxAge has passed, then the gate answers', async () => {
        const { app, clock } = cookieApp(express);
        const { pair } = await issueCookie(app, clock);
        clock.advance(TWELVE_HOURS - 1);
        await expectBypass(app, pair);
        clock.advance(1);
        await expectGate(app, pair);
      });
    });

    describe('when cookie.maxAge is shortened after the cookie was issued', () => {
      it('a cookie signed for 12 hours no longer opens an app configured for 10 minutes', async () => {
        const clock = manualClock(NOW);
        const { app: long } = cookieApp(express, {}, undefined, clock);
        const { pair } = await issueCookie(long, clock);
        const { app: short } = cookieApp(express, { cookie: { maxAge: 600 } }, undefined, clock);
        await expectGate(short, pair);
        await expectBypass(long, pair);
      });
    });

    describe('when a preview token is sent as the cookie value', () => {
      it('does not bypass', async () => {
        const { app, clock } = cookieApp(express);
        await expectGate(app, `intermission_bypass=${createPreviewToken(SECRET_A, { now: clock.now })}`);
      });
    });

    describe('when the cookie appears twice in the header', () => {
      it('does not bypass, even with the same valid value twice', async () => {
        const { app, clock } = cookieApp(express);
        const { pair } = await issueCookie(app, clock);
        await expectGate(app, `a=1; ${pair}; ${pair}`);
        await expectGate(app, `${pair};${pair}`);
        await expectGate(app, `${pair}; intermission_bypass =junk`);
      });
    });

    describe('when the cookie travels under another name', () => {
      it.each(['Intermission_bypass', 'intermission_bypass2', 'xintermission_bypass', '__Secure-intermission_bypass'])(
        '%s does not bypass',
        async (other) => {
          const { app, clock } = cookieApp(express);
          const { value } = await issueCookie(app, clock);
          await expectGate(app, `${other}=${value}`);
        },
      );
    });

    describe('when the Cookie header is oversized', () => {
      it('a 600-character value, a valid value padded, and 12 KiB of cookies: the gate answers', async () => {
        const { app, clock } = cookieApp(express);
        const { pair } = await issueCookie(app, clock);
        await expectGate(app, `intermission_bypass=${'A'.repeat(600)}`);
        await expectGate(app, `${pair}${'A'.repeat(600)}`);
        const filler = Array.from({ length: 300 }, (_, i) => `c${i}=${'v'.repeat(30)}`).join('; ');
        await expectGate(app, `${filler}; intermission_bypass=${'B'.repeat(100)}`);
      });

      it('a header over the server limit is refused by Node, not by a crash', async () => {
        const { app } = cookieApp(express);
        const res = await rawRequest(app, { path: '/', headers: { Cookie: `intermission_bypass=${'A'.repeat(20_000)}` } });
        expect(res.status).toBe(431);
        expect(res.text).not.toContain(REAL_SITE);
      });
    });

    describe('when the secret rotates', () => {
      it('a cookie signed under A works with [B, A] and fails with [B]', async () => {
        const clock = manualClock(NOW);
        const { app: old } = cookieApp(express, { secret: SECRET_A }, undefined, clock);
        const { pair } = await issueCookie(old, clock);
        const { app: rotating } = cookieApp(express, { secret: [SECRET_B, SECRET_A] }, undefined, clock);
        await expectBypass(rotating, pair);
        const { app: rotated } = cookieApp(express, { secret: [SECRET_B] }, undefined, clock);
        await expectGate(rotated, pair);
      });

      it('after rotation, new preview links are signed with B and old links signed with A still work', async () => {
        const clock = manualClock(NOW);
        const { app } = cookieApp(express, { secret: [SECRET_B, SECRET_A] }, undefined, clock);
        const fromB = await issueCookie(app, clock, SECRET_B);
        const { app: onlyB } = cookieApp(express, { secret: SECRET_B }, undefined, clock);
        await expectBypass(onlyB, fromB.pair);
        const fromA = await issueCookie(app, clock, SECRET_A);
        await expectBypass(onlyB, fromA.pair);
      });
    });
  });
});

describe.each(expressVersions)('%s: events for operators', (_name, express) => {
  describe('logger', () => {
    it('records gate served, preview cookie issued, bypass granted and bypass rejected', async () => {
      const { app, logger: given, clock } = cookieApp(express);
      const logger = given as ReturnType<typeof recordingLogger>;
      const codes = () => logger.lines.map((line) => line.details?.code);

      await request(app).get('/');
      expect(codes()).toContain('gate-served');

      const { pair } = await issueCookie(app, clock);
      expect(logger.lines).toContainEqual(
        expect.objectContaining({ level: 'info', details: expect.objectContaining({ code: 'bypass-granted', via: 'preview' }) }),
      );

      await request(app).get('/').set('Cookie', pair);
      expect(logger.lines).toContainEqual(
        expect.objectContaining({ level: 'debug', details: expect.objectContaining({ code: 'bypass-granted', reason: 'cookie' }) }),
      );

      await request(app)
        .get('/')
        .set('Cookie', `${pair.slice(0, -2)}xx`);
      expect(logger.lines).toContainEqual(
        expect.objectContaining({ level: 'debug', details: expect.objectContaining({ code: 'bypass-rejected', via: 'cookie' }) }),
      );

      await request(app).get(previewUrl('v1.forged'));
      expect(logger.lines).toContainEqual(
        expect.objectContaining({ details: expect.objectContaining({ code: 'bypass-rejected', via: 'preview' }) }),
      );
    });
  });
});
