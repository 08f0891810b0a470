import { networkInterfaces } from 'node:os';
import onHeaders from 'on-headers';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { IntermissionOptions } from '../../src/index.js';
import {
  createApp,
  expectHeaders,
  expectNoLeak,
  expressVersions,
  HAS_IPV6_LOOPBACK,
  rawRequest,
  REAL_SITE,
  warningsWith,
  type ExpressFactory,
} from '../helpers/app.js';

type Setup = Parameters<typeof createApp>[2];

/** An IPv4 address of this machine that is not loopback, to connect from a peer `loopback` does not cover. */
const NON_LOOPBACK = Object.values(networkInterfaces())
  .flat()
  .find((info) => info?.family === 'IPv4' && !info.internal)?.address;

function ipApp(express: ExpressFactory, ips: string[], setup?: Setup, options: IntermissionOptions = {}) {
  return createApp(express, { mode: 'maintenance', allow: { ips }, ...options }, setup, (app) => {
    app.get('/cached', (_req, res) => {
      res.set({
        'Cache-Control': 'public, max-age=600',
        'Surrogate-Control': 'max-age=3600',
        'CDN-Cache-Control': 'max-age=60',
        Expires: 'Wed, 01 Jul 2026 00:00:00 GMT',
        Vary: 'Accept-Encoding',
      });
      res.send(`${REAL_SITE} cached`);
    });
    app.get('/write-head-object', (_req, res) => {
      res.writeHead(200, { 'Cache-Control': 'public, max-age=600', 'Surrogate-Control': 'max-age=3600', 'Content-Type': 'text/plain' });
      res.end(REAL_SITE);
    });
    app.get('/write-head-array', (_req, res) => {
      res.writeHead(200, ['Cache-Control', 'public, max-age=600', 'Surrogate-Control', 'max-age=3600', 'Content-Type', 'text/plain']);
      res.end(REAL_SITE);
    });
    app.get('/streamed', (_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=600');
      res.write(REAL_SITE);
      res.end();
    });
    app.get('/vendor-cache', (_req, res) => {
      res.set({
        'X-Accel-Expires': '600',
        'Edge-Control': 'cache-maxage=600s',
        'Vercel-CDN-Cache-Control': 'max-age=600',
        'Netlify-CDN-Cache-Control': 'public, max-age=600',
        'Cloudflare-CDN-Cache-Control': 'max-age=600',
      });
      res.send(`${REAL_SITE} vendor`);
    });
    app.get('/vary-star', (_req, res) => {
      res.set('Vary', '*');
      res.send(REAL_SITE);
    });
  });
}

const SPOOF_HEADERS = [
  ['X-Forwarded-For', '10.1.2.3'],
  ['X-Forwarded-For', '10.1.2.3, 10.1.2.3'],
  ['X-Real-IP', '10.1.2.3'],
  ['Forwarded', 'for=10.1.2.3'],
  ['Forwarded', 'for="[::ffff:10.1.2.3]"'],
  ['CF-Connecting-IP', '10.1.2.3'],
  ['True-Client-IP', '10.1.2.3'],
  ['X-Client-IP', '10.1.2.3'],
  ['Fastly-Client-IP', '10.1.2.3'],
] as const;

describe.each(expressVersions)('%s', (_name, express) => {
  describe('allow.ips', () => {
    describe('when a rule matches the loopback client (127.0.0.1 / ::ffff:127.0.0.1)', () => {
      it.each(['127.0.0.1', '127.0.0.0/8', '127.0.0.1/32', '::ffff:127.0.0.1', '::ffff:127.0.0.0/104', '::ffff:7f00:1'])(
        'rule %s lets the request through with bypass "ip"',
        async (rule) => {
          const { app } = ipApp(express, ['192.0.2.1', rule, '2001:db8::/32']);
          const res = await request(app).get('/whoami');
          expect(res.status).toBe(200);
          expect(res.body).toEqual({ bypass: { mode: 'maintenance', bypass: 'ip' } });
          const home = await request(app).get('/');
          expect(home.text).toContain(REAL_SITE);
        },
      );

      it('reports the coming-soon mode in res.locals.intermission', async () => {
        const { app } = createApp(express, { mode: 'coming-soon', allow: { ips: ['127.0.0.1'] } });
        const res = await request(app).get('/whoami');
        expect(res.body).toEqual({ bypass: { mode: 'coming-soon', bypass: 'ip' } });
      });

      it('lets writes through too', async () => {
        const { app } = ipApp(express, ['127.0.0.1']);
        const res = await request(app).post('/webhook');
        expect(res.status).toBe(200);
        expect(res.text).toContain(REAL_SITE);
      });
    });

    describe('when no rule matches the client', () => {
      it.each([['127.0.0.2'], ['10.0.0.0/8'], ['::1'], ['::ffff:10.1.2.3'], ['128.0.0.0/1'], ['2001:db8::/32']])(
        'rule %s keeps the gate closed',
        async (rule) => {
          const { app } = ipApp(express, [rule]);
          const res = await request(app).get('/');
          expect(res.status).toBe(503);
          expectNoLeak(res);
          const who = await request(app).get('/whoami');
          expect(who.status).toBe(503);
        },
      );
    });

    describe.skipIf(!HAS_IPV6_LOOPBACK)('when the client connects over IPv6 (::1)', () => {
      it.each(['::1', '::1/128', '0:0:0:0:0:0:0:1', '::/120'])('rule %s lets it through', async (rule) => {
        const { app } = ipApp(express, [rule]);
        const res = await rawRequest(app, { path: '/whoami', host: '::1' });
        expect(res.status).toBe(200);
        expect(JSON.parse(res.text)).toEqual({ bypass: { mode: 'maintenance', bypass: 'ip' } });
      });

      it.each(['127.0.0.1', '::ffff:127.0.0.1', '::2', 'fe80::/10'])('rule %s keeps it out', async (rule) => {
        const { app } = ipApp(express, [rule]);
        const res = await rawRequest(app, { path: '/', host: '::1' });
        expect(res.status).toBe(503);
        expect(res.text).not.toContain(REAL_SITE);
      });
    });

    describe('when trust proxy is off and forwarding headers claim an allowed address', () => {
      it.each(SPOOF_HEADERS)('%s: %s does not bypass', async (header, value) => {
        const { app } = ipApp(express, ['10.1.2.3']);
        const res = await request(app).get('/').set(header, value);
        expect(res.status).toBe(503);
        expectNoLeak(res);
      });

      it('all of them at once do not bypass either', async () => {
        const { app } = ipApp(express, ['10.1.2.3']);
        let req = request(app).get('/whoami');
        for (const [header, value] of SPOOF_HEADERS) req = req.set(header, value);
        expect((await req).status).toBe(503);
      });
    });

    describe("when trust proxy is 'loopback'", () => {
      const trustLoopback: Setup = (app) => void app.set('trust proxy', 'loopback');

      it('follows X-Forwarded-For from the trusted proxy: 10.1.2.3 bypasses', async () => {
        const { app } = ipApp(express, ['10.1.2.3'], trustLoopback);
        const res = await request(app).get('/whoami').set('X-Forwarded-For', '10.1.2.3');
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ bypass: { mode: 'maintenance', bypass: 'ip' } });
      });

      it('uses the rightmost untrusted hop: "10.1.2.3, 6.6.6.6" does not bypass', async () => {
        const { app } = ipApp(express, ['10.1.2.3'], trustLoopback);
        const res = await request(app).get('/').set('X-Forwarded-For', '10.1.2.3, 6.6.6.6');
        expect(res.status).toBe(503);
        expectNoLeak(res);
      });

      it('no longer sees the proxy itself as the client: 127.0.0.1 with X-Forwarded-For 6.6.6.6 does not bypass', async () => {
        const { app } = ipApp(express, ['127.0.0.1'], trustLoopback);
        const res = await request(app).get('/').set('X-Forwarded-For', '6.6.6.6');
        expect(res.status).toBe(503);
      });

      it.each(SPOOF_HEADERS.filter(([header]) => header !== 'X-Forwarded-For'))('still ignores %s: %s', async (header, value) => {
        const { app } = ipApp(express, ['10.1.2.3'], trustLoopback);
        expect((await request(app).get('/').set(header, value)).status).toBe(503);
      });

      it('logs no proxy warning', async () => {
        const { app, logger } = ipApp(express, ['10.1.2.3'], trustLoopback);
        await request(app).get('/').set('X-Forwarded-For', '6.6.6.6');
        expect(warningsWith(logger, 'WRN_INTERMISSION_TRUST_PROXY_ALL')).toHaveLength(0);
        expect(warningsWith(logger, 'WRN_INTERMISSION_FORWARDED_IGNORED')).toHaveLength(0);
      });
    });

    describe('when trust proxy is true', () => {
      it('warns WRN_INTERMISSION_TRUST_PROXY_ALL exactly once over several requests', async () => {
        const { app, logger } = ipApp(express, ['10.1.2.3'], (host) => void host.set('trust proxy', true));
        for (let i = 0; i < 4; i++) await request(app).get('/').set('X-Forwarded-For', `6.6.6.${i}`);
        await request(app).get('/');
        expect(warningsWith(logger, 'WRN_INTERMISSION_TRUST_PROXY_ALL')).toHaveLength(1);
        expect(warningsWith(logger, 'WRN_INTERMISSION_FORWARDED_IGNORED')).toHaveLength(0);
      });
    });

    describe('when trust proxy is set to true after the first requests', () => {
      it('warns WRN_INTERMISSION_TRUST_PROXY_ALL when the next X-Forwarded-For arrives, and the gate stays closed to it', async () => {
        const { app, logger } = ipApp(express, ['10.1.2.3']);
        for (let i = 0; i < 3; i++) expect((await request(app).get('/')).status).toBe(503);
        app.set('trust proxy', true);
        const res = await request(app).get('/').set('X-Forwarded-For', '6.6.6.6');
        expect(res.status).toBe(503);
        expectNoLeak(res);
        expect(warningsWith(logger, 'WRN_INTERMISSION_TRUST_PROXY_ALL')).toHaveLength(1);
        expect(warningsWith(logger, 'WRN_INTERMISSION_FORWARDED_IGNORED')).toHaveLength(0);
      });
    });

    describe('when X-Forwarded-For arrives while trust proxy is off', () => {
      it('warns WRN_INTERMISSION_FORWARDED_IGNORED exactly once over several requests', async () => {
        const { app, logger } = ipApp(express, ['10.1.2.3']);
        await request(app).get('/');
        expect(warningsWith(logger, 'WRN_INTERMISSION_FORWARDED_IGNORED')).toHaveLength(0);
        for (let i = 0; i < 4; i++) await request(app).get('/').set('X-Forwarded-For', `10.1.2.${i}`);
        expect(warningsWith(logger, 'WRN_INTERMISSION_FORWARDED_IGNORED')).toHaveLength(1);
        expect(warningsWith(logger, 'WRN_INTERMISSION_TRUST_PROXY_ALL')).toHaveLength(0);
      });
    });

    describe('when X-Forwarded-For arrives from a peer that trust proxy does not trust', () => {
      it('warns WRN_INTERMISSION_FORWARDED_IGNORED once, naming the peer, and the allow-list sees the peer', async () => {
        const { app, logger } = ipApp(express, ['10.1.2.3'], (host) => void host.set('trust proxy', '10.0.0.1'));
        await request(app).get('/');
        expect(warningsWith(logger, 'WRN_INTERMISSION_FORWARDED_IGNORED')).toHaveLength(0);
        for (let i = 0; i < 3; i++) {
          const res = await request(app).get('/').set('X-Forwarded-For', '10.1.2.3');
          expect(res.status).toBe(503);
          expectNoLeak(res);
        }
        const warnings = warningsWith(logger, 'WRN_INTERMISSION_FORWARDED_IGNORED');
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.peer).toMatch(/^(?:::ffff:)?127\.0\.0\.1$/);
      });

      it.skipIf(NON_LOOPBACK === undefined)("warns when trust proxy is 'loopback' and a non-loopback peer sends it", async () => {
        const { app, logger } = ipApp(express, ['10.1.2.3'], (host) => void host.set('trust proxy', 'loopback'));
        const res = await rawRequest(app, { path: '/', host: NON_LOOPBACK, headers: { 'X-Forwarded-For': '10.1.2.3' } });
        expect(res.status).toBe(503);
        expect(warningsWith(logger, 'WRN_INTERMISSION_FORWARDED_IGNORED')).toHaveLength(1);
      });

      it("stays quiet when the trusted proxy forwards a client that claims the proxy's own address", async () => {
        const { app, logger } = ipApp(express, ['10.1.2.3'], (host) => void host.set('trust proxy', 'loopback'));
        await request(app).get('/').set('X-Forwarded-For', '127.0.0.1');
        await request(app).get('/').set('X-Forwarded-For', '::ffff:127.0.0.1');
        expect(warningsWith(logger, 'WRN_INTERMISSION_FORWARDED_IGNORED')).toHaveLength(0);
      });
    });

    describe('when the bypassed response would be cacheable', () => {
      it('a route with public caching and CDN headers gets "private, no-store", Vary: Cookie and no CDN headers', async () => {
        const { app } = ipApp(express, ['127.0.0.1']);
        const res = await request(app).get('/cached');
        expect(res.text).toContain(REAL_SITE);
        expectHeaders(res, {
          'Cache-Control': 'private, no-store',
          'Surrogate-Control': null,
          'CDN-Cache-Control': null,
          Expires: null,
          Vary: /^Accept-Encoding, Cookie$/,
        });
      });

      it('the home page (public, max-age=600 + Surrogate-Control) is kept private', async () => {
        const { app } = ipApp(express, ['127.0.0.1']);
        const res = await request(app).get('/');
        expectHeaders(res, { 'Cache-Control': 'private, no-store', 'Surrogate-Control': null, Vary: /(^|,\s*)Cookie(,|$)/ });
      });

      it('an express.static asset with maxAge is kept private, also on its 304', async () => {
        const { app } = ipApp(express, ['127.0.0.1']);
        const res = await request(app).get('/assets/x.css');
        expect(res.status).toBe(200);
        expect(res.text).toBe('body{color:red}');
        expectHeaders(res, { 'Cache-Control': 'private, no-store', Vary: /Cookie/ });
        const again = await request(app)
          .get('/assets/x.css')
          .set('If-None-Match', res.headers.etag as string);
        expect(again.status).toBe(304);
        expectHeaders(again, { 'Cache-Control': 'private, no-store' });
      });

      it.each(['/write-head-object', '/write-head-array', '/streamed'])(
        '%s (headers given to writeHead or sent by a first write) is kept private',
        async (path) => {
          const { app } = ipApp(express, ['127.0.0.1']);
          const res = await request(app).get(path);
          expect(res.text).toContain(REAL_SITE);
          expectHeaders(res, { 'Cache-Control': 'private, no-store', 'Surrogate-Control': null, Vary: /Cookie/ });
        },
      );

      it('proxy- and vendor-specific caching headers are removed too', async () => {
        const { app } = ipApp(express, ['127.0.0.1']);
        const res = await request(app).get('/vendor-cache');
        expect(res.text).toContain(REAL_SITE);
        expectHeaders(res, {
          'Cache-Control': 'private, no-store',
          'X-Accel-Expires': null,
          'Edge-Control': null,
          'Vercel-CDN-Cache-Control': null,
          'Netlify-CDN-Cache-Control': null,
          'Cloudflare-CDN-Cache-Control': null,
        });
      });

      it('a header hook of middleware mounted before the gate cannot make it cacheable again', async () => {
        const { app } = ipApp(express, ['127.0.0.1'], (host) => {
          host.use((_req, res, next) => {
            onHeaders(res, function lateCaching(this: typeof res) {
              this.setHeader('Cache-Control', 'public, max-age=600');
              this.removeHeader('Vary');
              this.setHeader('X-Accel-Expires', '600');
              this.setHeader('X-Late', 'still set');
            });
            next();
          });
        });
        // The first request and later ones: the second runs after the response prototype was hooked.
        for (let i = 0; i < 2; i++) {
          const res = await request(app).get('/');
          expect(res.text).toContain(REAL_SITE);
          expectHeaders(res, { 'Cache-Control': 'private, no-store', Vary: /Cookie/, 'X-Accel-Expires': null, 'X-Late': 'still set' });
        }
      });

      it('a response served by a mounted sub-app is kept private too', async () => {
        const { app } = createApp(express, { mode: 'maintenance', allow: { ips: ['127.0.0.1'] } }, undefined, (host) => {
          const sub = express();
          sub.get('/page', (_req, res) => {
            res.set({ 'Cache-Control': 'public, max-age=600', 'Surrogate-Control': 'max-age=600' });
            res.send(`${REAL_SITE} sub-app`);
          });
          host.use('/sub', sub);
        });
        for (let i = 0; i < 2; i++) {
          const res = await request(app).get('/sub/page');
          expect(res.text).toContain(REAL_SITE);
          expectHeaders(res, { 'Cache-Control': 'private, no-store', 'Surrogate-Control': null, Vary: /Cookie/ });
        }
      });

      it('a header hook set after the gate, by the route, cannot make it cacheable either', async () => {
        const { app } = createApp(express, { mode: 'maintenance', allow: { ips: ['127.0.0.1'] } }, undefined, (host) => {
          host.get('/hooked', (_req, res) => {
            onHeaders(res, function routeCaching(this: typeof res) {
              this.setHeader('Cache-Control', 'public, max-age=600');
              this.setHeader('Surrogate-Control', 'max-age=600');
            });
            res.writeHead(200, { 'Content-Type': 'text/plain', 'CDN-Cache-Control': 'max-age=60' });
            res.end(REAL_SITE);
          });
        });
        for (let i = 0; i < 2; i++) {
          const res = await request(app).get('/hooked');
          expect(res.text).toContain(REAL_SITE);
          expectHeaders(res, {
            'Cache-Control': 'private, no-store',
            'Surrogate-Control': null,
            'CDN-Cache-Control': null,
            Vary: /Cookie/,
          });
        }
      });

      it('Vary: * is left alone (it already defeats shared caches)', async () => {
        const { app } = ipApp(express, ['127.0.0.1']);
        const res = await request(app).get('/vary-star');
        expectHeaders(res, { Vary: '*', 'Cache-Control': 'private, no-store' });
      });

      it('a request that is not bypassed keeps the route untouched (control: mode off)', async () => {
        const { app } = createApp(express, { mode: 'off', allow: { ips: ['127.0.0.1'] } });
        const res = await request(app).get('/');
        expectHeaders(res, { 'Cache-Control': 'public, max-age=600', 'Surrogate-Control': 'max-age=3600', Vary: null });
      });
    });
  });
});
