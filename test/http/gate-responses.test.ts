import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import helmet from 'helmet';
import onHeaders from 'on-headers';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { IntermissionOptions } from '../../src/index.js';
import { COMPRESSION_LEVELS } from '../../src/pages/body.js';
import {
  createApp,
  createSite,
  expectHeaders,
  expectNoLeak,
  expressVersions,
  manualClock,
  rawRequest,
  REAL_SITE,
  type ExpressFactory,
} from '../helpers/app.js';

const NOW = '2026-06-01T12:00:00Z';
const MINUTE = 60_000;
const TEASER = { title: 'The Big Launch', excerpt: 'A first look at what we have been building all year.' };
/** Said in the article after the excerpt: it must never leave the server. */
const SECRET_WORD = 'ZANZIBAR-UNRELEASED-PLOT-TWIST';
const ARTICLE = `# The Big Launch\n\n${'Lorem ipsum dolor sit amet consectetur. '.repeat(40)}\n\nAnd then ${SECRET_WORD} happened.\n`;

/** A closed app on a fixed clock; `counter.reached` counts requests that got past the gate. */
function closedApp(express: ExpressFactory, options: IntermissionOptions, setup?: Parameters<typeof createApp>[2]) {
  const clock = manualClock(NOW);
  const counter = { reached: 0 };
  const built = createApp(express, { now: clock.now, ...options }, setup, (app) => {
    app.use((_req, _res, next) => {
      counter.reached++;
      next();
    });
  });
  return { ...built, clock, counter };
}

/** Directive name → sources of a Content-Security-Policy header. */
function parseCsp(header: string | undefined): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Headers that legitimately differ between two responses. */
function stable(headers: Record<string, unknown>, ignore: string[] = []): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !['date', 'connection', ...ignore].includes(name)));
}

describe.each(expressVersions)('%s', (_name, express) => {
  describe('mode: maintenance', () => {
    describe('when the site is closed without an end time', () => {
      it('answers 503 with Retry-After in seconds, no-store and the maintenance page', async () => {
        const { app } = closedApp(express, { mode: 'maintenance' });
        const res = await request(app).get('/');
        expect(res.status).toBe(503);
        expectHeaders(res, { 'Retry-After': '3600', 'Cache-Control': 'no-store', 'Content-Type': 'text/html; charset=utf-8' });
        expect(res.text).toContain('<title>Down for maintenance</title>');
        expect(res.text).toContain('Shortly');
        expectNoLeak(res);
      });
    });

    describe('when retryAfter is set', () => {
      it('sends it as Retry-After seconds and in the JSON', async () => {
        const { app } = closedApp(express, { mode: 'maintenance', retryAfter: 120 });
        const html = await request(app).get('/');
        expectHeaders(html, { 'Retry-After': '120' });
        const json = await request(app).get('/').set('Accept', 'application/json');
        expect(json.body.retryAfter).toBe(120);
      });
    });

    describe('when until is set and ahead', () => {
      it('sends Retry-After as the HTTP-date of until and says on the page when the site is back', async () => {
        const until = '2026-06-01T14:00:00Z';
        const { app } = closedApp(express, { mode: 'maintenance', until, retryAfter: 120 });
        const res = await request(app).get('/');
        expect(res.status).toBe(503);
        expectHeaders(res, { 'Retry-After': 'Mon, 01 Jun 2026 14:00:00 GMT' });
        expect(res.text).toContain('datetime="2026-06-01T14:00:00.000Z"');
        expect(res.text).toMatch(/June 1, 2026[^<]*2:00/);
        expect(res.text).not.toContain('Shortly');
        const json = await request(app).get('/').set('Accept', 'application/json');
        expect(json.body).toMatchObject({ until: '2026-06-01T14:00:00.000Z', retryAfter: 7200 });
      });
    });

    describe('when until is given as a Date', () => {
      it('behaves like the ISO string', async () => {
        const { app } = closedApp(express, { mode: 'maintenance', until: new Date('2026-06-01T14:00:00Z') });
        expectHeaders(await request(app).get('/'), { 'Retry-After': 'Mon, 01 Jun 2026 14:00:00 GMT' });
      });
    });

    describe('when until is in the past', () => {
      it('lets every request through to the real site', async () => {
        const { app } = closedApp(express, { mode: 'maintenance', until: '2026-06-01T11:00:00Z' });
        const res = await request(app).get('/');
        expect(res.status).toBe(200);
        expect(res.text).toContain(REAL_SITE);
        expectHeaders(res, { 'Retry-After': null, 'Content-Security-Policy': null, 'Cache-Control': 'public, max-age=600' });
      });
    });

    describe('when until passes while the app runs', () => {
      it('opens the site without a restart', async () => {
        const { app, clock } = closedApp(express, { mode: 'maintenance', until: '2026-06-01T12:30:00Z' });
        const before = await request(app).get('/');
        expect(before.status).toBe(503);
        expectNoLeak(before);
        clock.advance(31 * MINUTE);
        const after = await request(app).get('/');
        expect(after.status).toBe(200);
        expect(after.text).toContain(REAL_SITE);
      });
    });
  });

  describe('mode: coming-soon', () => {
    describe('when a page is requested with GET or HEAD', () => {
      it('answers 200 with no-store, no Retry-After and the teaser', async () => {
        const { app } = closedApp(express, { mode: 'coming-soon', teaser: TEASER });
        const res = await request(app).get('/');
        expect(res.status).toBe(200);
        expectHeaders(res, { 'Cache-Control': 'no-store', 'Retry-After': null, 'Content-Type': 'text/html; charset=utf-8' });
        expect(res.text).toContain('<title>Coming soon: The Big Launch</title>');
        expect(res.text).toContain('The Big Launch</h2>');
        expect(res.text).toContain(TEASER.excerpt);
        expectNoLeak(res);
        const head = await request(app).head('/');
        expect(head.status).toBe(200);
      });
    });

    describe('when statusCode is set', () => {
      it('uses it for GET and HEAD', async () => {
        const { app } = closedApp(express, { mode: 'coming-soon', statusCode: 202 });
        expect((await request(app).get('/')).status).toBe(202);
        expect((await request(app).head('/')).status).toBe(202);
      });

      it('adds Retry-After when the status is 503', async () => {
        const { app } = closedApp(express, { mode: 'coming-soon', statusCode: 503, retryAfter: 60 });
        const res = await request(app).get('/');
        expect(res.status).toBe(503);
        expectHeaders(res, { 'Retry-After': '60' });
      });
    });

    describe('when launchAt passes while the app runs', () => {
      it('opens the site without a restart', async () => {
        const { app, clock } = closedApp(express, { mode: 'coming-soon', launchAt: '2026-06-01T12:30:00Z' });
        const before = await request(app).get('/');
        expect(before.status).toBe(200);
        expect(before.text).toContain('Coming soon');
        expectNoLeak(before);
        clock.advance(29 * MINUTE);
        expectNoLeak(await request(app).get('/'));
        clock.advance(1 * MINUTE);
        const after = await request(app).get('/');
        expect(after.status).toBe(200);
        expect(after.text).toContain(REAL_SITE);
      });
    });
  });

  describe('request methods', () => {
    describe.each(['maintenance', 'coming-soon'] as const)('when the mode is %s', (mode) => {
      it.each(['post', 'put', 'delete', 'patch', 'options'] as const)(
        'answers %s with 503 and Retry-After, never reaching a route',
        async (method) => {
          const { app, counter } = closedApp(express, { mode, retryAfter: 90 });
          const res = await request(app)[method]('/webhook').send({ event: 'ping' });
          expect(res.status).toBe(503);
          expectHeaders(res, { 'Retry-After': '90', 'Cache-Control': 'no-store' });
          expect(res.text).not.toContain(REAL_SITE);
          expect(counter.reached).toBe(0);
        },
      );
    });

    describe('when the request is HEAD', () => {
      it.each(['maintenance', 'coming-soon'] as const)('%s: same status and headers as GET, no body', async (mode) => {
        const { app } = closedApp(express, { mode });
        for (const encoding of ['identity', 'gzip', 'br']) {
          const headers = { 'Accept-Encoding': encoding };
          const get = await rawRequest(app, { path: '/', headers });
          const head = await rawRequest(app, { path: '/', method: 'HEAD', headers });
          expect(head.status).toBe(get.status);
          expect(stable(head.headers)).toEqual(stable(get.headers));
          expect(get.body.length).toBeGreaterThan(0);
          expect(head.body.length).toBe(0);
        }
      });
    });
  });

  describe('content negotiation', () => {
    describe('when Accept is missing, */* or a browser default', () => {
      it.each([undefined, '*/*', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'])(
        'Accept %s gets HTML',
        async (accept) => {
          const { app } = closedApp(express, { mode: 'maintenance' });
          const req = request(app).get('/');
          const res = await (accept === undefined ? req : req.set('Accept', accept));
          expectHeaders(res, { 'Content-Type': 'text/html; charset=utf-8' });
          expect(res.text).toMatch(/^<!doctype html>/i);
          expect(res.headers.vary).toMatch(/\bAccept\b/);
        },
      );
    });

    describe('when Accept or Accept-Encoding is garbage', () => {
      it.each([
        ['Accept', 'image/png'],
        ['Accept', 'x/'.repeat(4000)],
        ['Accept', 'text/html;q=abc, application/json;q=NaN, */*;q=-1'],
        ['Accept', ',,,;;;==='],
        ['Accept-Encoding', 'br;q=0.'.repeat(1000)],
        ['Accept-Encoding', 'compress, deflate;q=x, *;q=0'],
        ['Accept-Encoding', ',;=,'],
      ])('%s: %s still gets the gate, never an error', async (header, value) => {
        const { app } = closedApp(express, { mode: 'maintenance' });
        const res = await rawRequest(app, { path: '/', headers: { [header]: value } });
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('3600');
        expect(res.text).not.toContain(REAL_SITE);
      });
    });

    describe('when Accept is application/json', () => {
      it('maintenance: { status, message, retryAfter, until }', async () => {
        const { app } = closedApp(express, { mode: 'maintenance', until: '2026-06-01T13:00:00Z', page: { message: 'Database upgrade.' } });
        const res = await request(app).get('/').set('Accept', 'application/json');
        expect(res.status).toBe(503);
        expectHeaders(res, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': 'Mon, 01 Jun 2026 13:00:00 GMT' });
        expect(res.body).toEqual({
          status: 'maintenance',
          message: 'Database upgrade.',
          retryAfter: 3600,
          until: '2026-06-01T13:00:00.000Z',
        });
      });

      it('coming-soon: { status, message, retryAfter, launchAt, teaser }', async () => {
        const { app } = closedApp(express, { mode: 'coming-soon', launchAt: '2026-06-02T12:00:00Z', teaser: TEASER });
        const res = await request(app).get('/').set('Accept', 'application/json');
        expect(res.status).toBe(200);
        expect(Object.keys(res.body).sort()).toEqual(['launchAt', 'message', 'retryAfter', 'status', 'teaser']);
        expect(res.body).toMatchObject({ status: 'coming-soon', retryAfter: 86_400, launchAt: '2026-06-02T12:00:00.000Z', teaser: TEASER });
        expect(typeof res.body.message).toBe('string');
      });
    });

    describe('when the teaser has an article body', () => {
      const formats = [
        ['text/html', /^text\/html/],
        ['application/json', /^application\/json/],
        ['application/problem+json', /^application\/problem\+json/],
        ['text/plain', /^text\/plain/],
      ] as const;

      it('never sends the body past the excerpt, in any format', async () => {
        // A resolver result goes through the same normalisation as a teaser object given in the options.
        const { app } = closedApp(express, { mode: 'coming-soon', teaser: () => ({ content: ARTICLE }) });
        for (const [accept, type] of formats) {
          const res = await request(app).get('/').set('Accept', accept);
          expect(res.headers['content-type']).toMatch(type);
          expect(res.text).toContain('The Big Launch');
          expect(res.text).toContain('Lorem ipsum');
          expect(res.text).not.toContain(SECRET_WORD);
          expect(res.text).not.toContain('"content"');
        }
      });

      // BUG (src/config.ts / src/config-schema.ts, not fixable here): a teaser object in the options goes through a
      // strict schema without `content`, so `intermission({ teaser: { content } })` throws
      // ERR_INTERMISSION_UNKNOWN_OPTION, although the gate runs normalizeTeaser on it, whose contract is "an article
      // body in `content` … from user code (options, a resolver's result)". Either the schema should accept
      // `content` (and `format`), or normalizeTeaser's doc should say resolvers only (the README and the Teaser
      // type do not list `content`). Resolvers work (test above).
      it('accepts a teaser object with an article body in the options', async () => {
        const { app } = closedApp(express, { mode: 'coming-soon', teaser: { title: 'The Big Launch', content: ARTICLE } });
        for (const [accept] of formats) {
          const res = await request(app).get('/').set('Accept', accept);
          expect(res.text).toContain('Lorem ipsum');
          expect(res.text).not.toContain(SECRET_WORD);
        }
      });

      it('an unknown teaser field is reported with the fields that are known', () => {
        expect(() => closedApp(express, { mode: 'coming-soon', teaser: { titel: 'T' } as never })).toThrow(
          /teaser\.titel: unknown option; did you mean "title"\?/,
        );
      });
    });

    describe('when Accept is application/problem+json', () => {
      it.each([
        ['maintenance', 'get', 503],
        ['coming-soon', 'get', 200],
        ['coming-soon', 'post', 503],
      ] as const)('%s %s: RFC 9457 fields with status equal to the response status (%i)', async (mode, method, status) => {
        const { app } = closedApp(express, { mode, page: { message: 'Back soon.' } });
        const res = await request(app)[method]('/').set('Accept', 'application/problem+json');
        expect(res.status).toBe(status);
        expectHeaders(res, { 'Content-Type': 'application/problem+json; charset=utf-8' });
        const problem = JSON.parse(res.text) as Record<string, unknown>;
        expect(typeof problem.type).toBe('string');
        expect(typeof problem.title).toBe('string');
        expect(problem.status).toBe(status);
        expect(problem.detail).toBe('Back soon.');
      });
    });

    describe('when Accept is text/plain', () => {
      it('answers with plain text that says when the site is back', async () => {
        const { app } = closedApp(express, { mode: 'maintenance', until: '2026-06-01T13:00:00Z', page: { message: 'Database upgrade.' } });
        const res = await request(app).get('/').set('Accept', 'text/plain');
        expect(res.status).toBe(503);
        expectHeaders(res, { 'Content-Type': 'text/plain; charset=utf-8' });
        expect(res.text).toContain('Database upgrade.');
        expect(res.text).toContain('2026-06-01T13:00:00.000Z');
        expect(res.text).not.toContain('<');
      });
    });
  });

  describe('security headers', () => {
    describe('when the gate answers', () => {
      it.each(['maintenance', 'coming-soon'] as const)(
        '%s: helmet headers with a hash-based CSP that allows exactly the inline code',
        async (mode) => {
          const { app } = closedApp(express, { mode, launchAt: '2026-06-03T00:00:00Z' });
          const res = await request(app).get('/');
          const csp = res.headers['content-security-policy'] as string;
          expect(csp).not.toContain('unsafe-inline');
          expect(csp).not.toContain('upgrade-insecure-requests');
          const directives = parseCsp(csp);
          expect(directives.get('default-src')).toEqual(["'none'"]);
          expect(directives.get('frame-ancestors')).toEqual(["'self'"]);
          const styles = [...res.text.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
          expect(styles.length).toBeGreaterThan(0);
          for (const style of styles) expect(directives.get('style-src')).toContain(sha256Source(style));
          for (const [, script] of res.text.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
            expect(directives.get('script-src')).toContain(sha256Source(script!));
          }
          expect(directives.get('script-src')!.every((source) => source.startsWith("'sha256-"))).toBe(true);
          expectHeaders(res, {
            'X-Content-Type-Options': 'nosniff',
            'Referrer-Policy': 'no-referrer',
            'X-Frame-Options': 'SAMEORIGIN',
            'Strict-Transport-Security': null,
          });
        },
      );
    });

    describe('when the host app set headers before the gate (helmet, a session cookie)', () => {
      it('answers with the gate headers only', async () => {
        const { app } = closedApp(express, { mode: 'maintenance' }, (host) => {
          host.use(helmet());
          host.use((_req, res, next) => {
            res.cookie('sid', 'host-session');
            res.set('Access-Control-Allow-Origin', '*');
            next();
          });
        });
        const res = await request(app).get('/');
        expect(res.status).toBe(503);
        expectHeaders(res, {
          'Strict-Transport-Security': null,
          'X-Powered-By': null,
          'Set-Cookie': null,
          'Access-Control-Allow-Origin': null,
          'Cross-Origin-Embedder-Policy': null,
        });
        const csp = res.headers['content-security-policy'] as string;
        expect(csp).not.toContain('upgrade-insecure-requests');
        expect(parseCsp(csp).get('default-src')).toEqual(["'none'"]);
      });
    });

    describe('when middleware before the gate adds headers as the response goes out (express-session style)', () => {
      it('none of them reach the gate page or the preview answers', async () => {
        const { app } = closedApp(express, { mode: 'coming-soon', secret: 'p'.repeat(40) }, (host) => {
          host.use((_req, res, next) => {
            onHeaders(res, function addSessionHeaders(this: typeof res) {
              this.setHeader('Set-Cookie', 'sid=late-session');
              this.setHeader('Cache-Control', 'public, max-age=31536000');
            });
            next();
          });
        });
        for (const path of ['/', '/__intermission/preview?token=forged']) {
          const res = await request(app).get(path);
          expect(res.status).toBeGreaterThanOrEqual(200);
          expectHeaders(res, { 'Set-Cookie': null, 'Cache-Control': 'no-store' });
        }
      });
    });

    describe('when the request passes through', () => {
      it('mode off: the host headers are intact and the gate adds none', async () => {
        const { app } = closedApp(express, { mode: 'off' }, (host) => {
          host.use((_req, res, next) => {
            res.cookie('sid', 'host-session');
            next();
          });
        });
        const res = await request(app).get('/');
        expect(res.status).toBe(200);
        expect(res.text).toContain(REAL_SITE);
        expectHeaders(res, {
          'X-Powered-By': 'Express',
          'Set-Cookie': /sid=host-session/,
          'Cache-Control': 'public, max-age=600',
          'Surrogate-Control': 'max-age=3600',
          'Content-Security-Policy': null,
          'X-Content-Type-Options': null,
          'Referrer-Policy': null,
        });
      });

      it('bypassed: the real site carries no gate security headers', async () => {
        const { app } = closedApp(express, { mode: 'maintenance', allow: { ips: ['127.0.0.1'] } });
        const res = await request(app).get('/');
        expect(res.text).toContain(REAL_SITE);
        expectHeaders(res, { 'X-Powered-By': 'Express', 'Content-Security-Policy': null, 'X-Frame-Options': null });
      });
    });
  });

  describe('noindex', () => {
    describe.each(['maintenance', 'coming-soon'] as const)('when the mode is %s', (mode) => {
      it('true: adds the robots meta and X-Robots-Tag', async () => {
        const { app } = closedApp(express, { mode, noindex: true });
        const res = await request(app).get('/');
        expectHeaders(res, { 'X-Robots-Tag': 'noindex' });
        expect(res.text).toContain('<meta name="robots" content="noindex">');
      });

      it('default: neither', async () => {
        const { app } = closedApp(express, { mode });
        const res = await request(app).get('/');
        expectHeaders(res, { 'X-Robots-Tag': null });
        expect(res.text).not.toContain('name="robots"');
      });
    });
  });

  describe('conditional requests', () => {
    // Every gate response is `no-store`: no client keeps a copy, so there is nothing to revalidate.
    const DAY = 24 * 60 * MINUTE;
    const conditions: [string, Record<string, string>][] = [
      ['If-None-Match: *', { 'If-None-Match': '*' }],
      ['a strong If-None-Match', { 'If-None-Match': '"abc"' }],
      ['a weak If-None-Match list', { 'If-None-Match': '"nope", W/"abc"' }],
      ['an If-Modified-Since in the future', { 'If-Modified-Since': new Date(Date.parse(NOW) + DAY).toUTCString() }],
      ['an If-Modified-Since in the past', { 'If-Modified-Since': new Date(Date.parse(NOW) - DAY).toUTCString() }],
      ['both', { 'If-None-Match': '*', 'If-Modified-Since': new Date(Date.parse(NOW) + DAY).toUTCString() }],
    ];

    /** The same gate behind the pre-router listener, listen-able like an app for rawRequest. */
    function viaListener(built: ReturnType<typeof closedApp>): ReturnType<ExpressFactory> {
      const listen = (port: number, callback: () => void) => createServer(built.middleware.listener(built.app)).listen(port, callback);
      return { listen } as unknown as ReturnType<ExpressFactory>;
    }

    describe.each([
      ['coming-soon', 'GET', 200],
      ['coming-soon', 'POST', 503],
      ['maintenance', 'GET', 503],
      ['maintenance', 'HEAD', 503],
    ] as const)('when the %s page answers %s', (mode, method, status) => {
      it.each(conditions)(
        `%s gets the full page with ${status}, no ETag and no Last-Modified (middleware and listener)`,
        async (_label, condition) => {
          const built = closedApp(express, { mode, teaser: TEASER });
          for (const app of [built.app, viaListener(built)]) {
            for (const encoding of ['identity', 'gzip', 'br']) {
              const plain = await rawRequest(app, { path: '/', method, headers: { 'Accept-Encoding': encoding } });
              const conditional = await rawRequest(app, { path: '/', method, headers: { 'Accept-Encoding': encoding, ...condition } });
              expect(plain.status).toBe(status);
              expect(conditional.status).toBe(status);
              expect(conditional.body.equals(plain.body)).toBe(true);
              expect(conditional.headers['content-length']).toBe(plain.headers['content-length']);
              if (method !== 'HEAD') expect(conditional.body.length).toBeGreaterThan(0);
              expect(conditional.headers['cache-control']).toBe('no-store');
              expect(conditional.headers.etag).toBeUndefined();
              expect(conditional.headers['last-modified']).toBeUndefined();
              expect(plain.headers.etag).toBeUndefined();
            }
          }
        },
      );
    });
  });

  describe('compression', () => {
    describe.each([
      ['br', 'br', brotliDecompressSync],
      ['gzip', 'gzip', gunzipSync],
      ['gzip, deflate, br', 'br', brotliDecompressSync],
      ['br;q=0, gzip', 'gzip', gunzipSync],
    ] as const)('when Accept-Encoding is %s', (acceptEncoding, expected, decode) => {
      it(`sends ${expected} that decodes to the same page`, async () => {
        const { app } = closedApp(express, { mode: 'coming-soon', teaser: TEASER });
        const plain = await rawRequest(app, { path: '/', headers: { 'Accept-Encoding': 'identity' } });
        expect(plain.headers['content-encoding']).toBeUndefined();
        const res = await rawRequest(app, { path: '/', headers: { 'Accept-Encoding': acceptEncoding } });
        expect(res.status).toBe(200);
        expect(res.headers['content-encoding']).toBe(expected);
        expect(res.headers.vary).toMatch(/\bAccept-Encoding\b/);
        expect(Number(res.headers['content-length'])).toBe(res.body.length);
        expect(res.body.length).toBeLessThan(plain.body.length);
        expect(decode(res.body).toString('utf8')).toBe(plain.text);
      });
    });

    describe('when the page comes from a teaser resolver', () => {
      it('compresses it at the fast level, the static page at the best', async () => {
        const resolver = (req: { url?: string }) =>
          req.url === '/' ? undefined : { title: `Article ${req.url ?? ''}`, excerpt: 'An excerpt.' };
        const { app } = closedApp(express, { mode: 'coming-soon', teaser: resolver, fallbackTeaser: TEASER });
        for (const [path, level] of [
          ['/post-1', COMPRESSION_LEVELS.fast],
          ['/', COMPRESSION_LEVELS.best],
        ] as const) {
          const plain = await rawRequest(app, { path, headers: { 'Accept-Encoding': 'identity' } });
          const br = await rawRequest(app, { path, headers: { 'Accept-Encoding': 'br' } });
          const gzip = await rawRequest(app, { path, headers: { 'Accept-Encoding': 'gzip' } });
          expect(plain.text).toContain(path === '/' ? TEASER.title : 'Article /post-1');
          expect(br.headers['content-encoding']).toBe('br');
          expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
          const quality = { [zlibConstants.BROTLI_PARAM_QUALITY]: level.br, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: plain.body.length };
          expect(br.body.equals(brotliCompressSync(plain.body, { params: quality }))).toBe(true);
          expect(gzip.body.equals(gzipSync(plain.body, { level: level.gzip }))).toBe(true);
        }
      });
    });

    describe('when supertest decodes the body', () => {
      it('gets the same HTML as an uncompressed request', async () => {
        const { app } = closedApp(express, { mode: 'maintenance' });
        const gzip = await request(app).get('/').set('Accept-Encoding', 'gzip');
        const plain = await request(app).get('/').set('Accept-Encoding', 'identity');
        expect(gzip.headers['content-encoding']).toBe('gzip');
        expect(gzip.text).toBe(plain.text);
      });
    });
  });

  describe('routes behind the gate', () => {
    describe('when a route throws', () => {
      it('is never reached while the site is closed', async () => {
        const { app, counter } = closedApp(express, { mode: 'maintenance' });
        const res = await request(app).get('/boom');
        expect(res.status).toBe(503);
        expect(res.text).not.toContain('route failed');
        expect(counter.reached).toBe(0);
      });

      it('is reached when the site is open (control)', async () => {
        const { app } = closedApp(express, { mode: 'off' });
        expect((await request(app).get('/boom')).status).toBe(500);
      });
    });
  });

  describe('mode: off', () => {
    describe('when any request arrives', () => {
      it.each([
        ['GET', '/'],
        ['GET', '/assets/x.css'],
        ['GET', '/whoami'],
        ['POST', '/webhook'],
        ['GET', '/missing'],
      ])('%s %s passes through with exactly the headers the site alone sends', async (method, path) => {
        const { app } = closedApp(express, { mode: 'off', allow: { ips: ['127.0.0.1'] } });
        const { app: site } = createSite(express);
        const headers = { 'Accept-Encoding': 'gzip', Accept: 'application/json' };
        const gated = await rawRequest(app, { path, method, headers });
        const alone = await rawRequest(site, { path, method, headers });
        expect(gated.status).toBe(alone.status);
        // Each app serves its own copy of the static folder: its file times (and so validators) differ.
        const ignore = path === '/assets/x.css' ? ['last-modified', 'etag'] : [];
        expect(stable(gated.headers, ignore)).toEqual(stable(alone.headers, ignore));
        expect(gated.text).toBe(alone.text);
        expect(gated.headers['cache-control']).not.toBe('private, no-store');
        if (path === '/whoami') expect(JSON.parse(gated.text)).toEqual({ bypass: null });
      });
    });
  });
});
