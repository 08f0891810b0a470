import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { intermission } from '../../src/index.js';
import type { IntermissionOptions } from '../../src/index.js';
import {
  createApp,
  expectHeaders,
  expectNoLeak,
  exposeBypass,
  expressVersions,
  rawRequest,
  REAL_SITE,
  recordingLogger,
  type ExpressFactory,
} from '../helpers/app.js';
import { ASSETS_TRAVERSALS } from '../helpers/traversals.js';

const PATH_BYPASS = JSON.stringify({ mode: 'maintenance', bypass: 'path' });

/** A closed app whose every response past the gate names the bypass in `X-Test-Bypass`. */
function pathApp(express: ExpressFactory, options: IntermissionOptions = {}) {
  return createApp(express, { mode: 'maintenance', ...options }, undefined, exposeBypass);
}

const TRAVERSALS = [
  ...ASSETS_TRAVERSALS,
  '/assets/./../secret.html',
  '//assets/../secret.html',
  '/assets/x.css%00',
  '/assets/x.css%00/../../secret.html',
  '/ASSETS/x.css',
  '/Assets/x.css',
];

describe.each(expressVersions)('%s', (_name, express) => {
  describe('allow.defaultPaths', () => {
    describe('when left at its default (true)', () => {
      it('keeps /healthz reachable while closed, with bypass "path" and private caching', async () => {
        const { app } = pathApp(express);
        const res = await request(app).get('/healthz');
        expect(res.status).toBe(200);
        expect(res.text).toBe('ok');
        expectHeaders(res, { 'X-Test-Bypass': PATH_BYPASS, 'Cache-Control': 'private, no-store', Vary: /Cookie/ });
      });

      it.each([
        '/readyz',
        '/livez',
        '/robots.txt',
        '/favicon.ico',
        '/.well-known/security.txt',
        '/healthz/',
        '/healthz?x=1',
        '/healthz?probe=/secret',
      ])('%s passes through to the app', async (path) => {
        const { app } = pathApp(express);
        const res = await request(app).get(path);
        expect(res.status).not.toBe(503);
        expectHeaders(res, { 'X-Test-Bypass': PATH_BYPASS });
      });

      it.each([
        '/secret?/healthz',
        '/secret#/healthz',
        '/healthzz',
        '/healthz.json',
        '/HEALTHZ',
        '/healthz/../secret.html',
        '/x/healthz',
        '/.well-known',
        '/.well-known/../secret.html',
        '/healthz%2f..%2fsecret.html',
      ])('%s stays closed', async (path) => {
        const { app } = pathApp(express);
        const res = await rawRequest(app, { path });
        expect(res.status).toBe(503);
        expect(res.headers['x-test-bypass']).toBeUndefined();
        expect(res.text).not.toContain(REAL_SITE);
      });
    });

    describe('when false', () => {
      it.each(['/healthz', '/readyz', '/robots.txt', '/.well-known/security.txt'])('closes %s', async (path) => {
        const { app } = pathApp(express, { allow: { defaultPaths: false } });
        const res = await request(app).get(path);
        expect(res.status).toBe(503);
        expect(res.headers['x-test-bypass']).toBeUndefined();
      });

      it('keeps the custom paths open', async () => {
        const { app } = pathApp(express, { allow: { defaultPaths: false, paths: ['/healthz'] } });
        expect((await request(app).get('/healthz')).text).toBe('ok');
      });
    });
  });

  describe('allow.paths', () => {
    describe('when a prefix rule /assets/* is set', () => {
      it('serves /assets/x.css while closed', async () => {
        const { app } = pathApp(express, { allow: { paths: ['/assets/*'] } });
        const res = await request(app).get('/assets/x.css');
        expect(res.status).toBe(200);
        expect(res.text).toBe('body{color:red}');
        expectHeaders(res, { 'X-Test-Bypass': PATH_BYPASS, 'Cache-Control': 'private, no-store' });
      });

      it.each(TRAVERSALS)('raw %s never reaches secret.html', async (path) => {
        const { app } = pathApp(express, { allow: { paths: ['/assets/*'] } });
        const res = await rawRequest(app, { path });
        // 503 from the gate; Node's parser may refuse a target with 400 first. Never the file.
        expect([503, 400]).toContain(res.status);
        expect(res.text).not.toContain(REAL_SITE);
        expect(res.headers['x-test-bypass']).toBeUndefined();
      });

      it.each(['http://localhost/assets/x.css', 'http://localhost/assets/../secret.html', 'http://localhost/secret.html', '*'])(
        'absolute-form target %s is never exempt',
        async (path) => {
          const { app } = pathApp(express, { allow: { paths: ['/assets/*'] } });
          const res = await rawRequest(app, { path });
          expect([503, 400]).toContain(res.status);
          expect(res.text).not.toContain(REAL_SITE);
          expect(res.headers['x-test-bypass']).toBeUndefined();
        },
      );

      it('the traversal vectors are live: with the gate off, several reach secret.html (control)', async () => {
        const { app } = pathApp(express, { mode: 'off' });
        let reached = 0;
        for (const path of TRAVERSALS) if ((await rawRequest(app, { path })).text.includes(REAL_SITE)) reached++;
        expect(reached).toBeGreaterThanOrEqual(5);
      });

      it.each(['/assets-private/x', '/assetsx', '/assets', '/secret.html', '/'])('%s stays closed', async (path) => {
        const { app } = pathApp(express, { allow: { paths: ['/assets/*'] } });
        const res = await rawRequest(app, { path });
        expect(res.status).toBe(503);
        expect(res.text).not.toContain(REAL_SITE);
      });

      it('is open to every method on the open path, and writes elsewhere stay closed', async () => {
        const { app } = pathApp(express, { allow: { paths: ['/assets/*'] } });
        expect((await request(app).post('/webhook')).status).toBe(503);
        expect((await request(app).post('/assets/upload')).headers['x-test-bypass']).toBe(PATH_BYPASS);
      });
    });

    describe('when an exact rule /webhook is set', () => {
      it('opens /webhook and /webhook/ but not what is below it', async () => {
        const { app } = pathApp(express, { allow: { paths: ['/webhook'] } });
        const res = await request(app).post('/webhook');
        expect(res.status).toBe(200);
        expect(res.text).toContain(REAL_SITE);
        expect((await request(app).post('/webhook/')).headers['x-test-bypass']).toBe(PATH_BYPASS);
        expect((await request(app).post('/webhook/x')).status).toBe(503);
        expect((await request(app).post('/webhookx')).status).toBe(503);
      });
    });
  });

  describe('mounted under a sub-path', () => {
    function blogApp(paths: string[]) {
      const app = express();
      app.use(
        '/blog',
        intermission({ configFile: false, env: {}, logger: recordingLogger(), mode: 'maintenance', allow: { paths, defaultPaths: false } }),
      );
      const blog = express.Router();
      blog.get('/feed', (_req, res) => void res.json({ where: 'feed', bypass: res.locals.intermission ?? null }));
      blog.get('/post', (_req, res) => void res.send(`${REAL_SITE} post`));
      app.use('/blog', blog);
      app.get('/feed', (_req, res) => void res.send(`${REAL_SITE} root feed`));
      return app;
    }

    describe('when the rule names the full path', () => {
      it('matches on originalUrl: /blog/feed is open, /blog/post is not', async () => {
        const app = blogApp(['/blog/feed']);
        const feed = await request(app).get('/blog/feed');
        expect(feed.status).toBe(200);
        expect(feed.body).toEqual({ where: 'feed', bypass: { mode: 'maintenance', bypass: 'path' } });
        const post = await request(app).get('/blog/post');
        expect(post.status).toBe(503);
        expectNoLeak(post);
      });
    });

    describe('when the rule names the path relative to the mount point', () => {
      it('/feed does not open /blog/feed (whose req.url inside the mount is /feed)', async () => {
        const app = blogApp(['/feed']);
        const res = await request(app).get('/blog/feed');
        expect(res.status).toBe(503);
      });

      it('paths outside the mount point are never gated', async () => {
        const app = blogApp([]);
        expect((await request(app).get('/feed')).text).toContain(REAL_SITE);
      });
    });
  });
});

describe.each(expressVersions)('%s: allowed paths behind a catch-all route', (_name, express) => {
  function spaApp(strict: boolean) {
    const app = express();
    if (strict) app.set('strict routing', true);
    app.use(
      intermission({
        mode: 'maintenance',
        configFile: false,
        env: {},
        logger: recordingLogger(),
        allow: { defaultPaths: false, paths: ['/healthz', '/webhooks/stripe'] },
      }),
    );
    app.get('/healthz', (_req, res) => void res.send('ok'));
    app.post('/webhooks/stripe', (_req, res) => void res.send('hook'));
    app.use((_req, res) => void res.send(`<html>${REAL_SITE} SPA shell</html>`));
    return app;
  }

  describe('when an allowed path is spelled with escapes the router does not decode', () => {
    it.each(['/%68ealthz', '/heal%74hz', '/h%65althz/'])('%s gets the gate, not the catch-all', async (path) => {
      const res = await rawRequest(spaApp(false), { path });
      expect(res.status).toBe(503);
      expect(res.body.toString()).not.toContain(REAL_SITE);
    });

    it('the plain spelling still reaches its route', async () => {
      const res = await rawRequest(spaApp(false), { path: '/healthz' });
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe('ok');
    });
  });

  describe('when strict routing is on', () => {
    it('a trailing slash is not exempt, since it would miss the route and hit the catch-all', async () => {
      const res = await rawRequest(spaApp(true), { path: '/webhooks/stripe/', method: 'POST' });
      expect(res.status).toBe(503);
      expect(res.body.toString()).not.toContain(REAL_SITE);
      expect((await rawRequest(spaApp(true), { path: '/webhooks/stripe', method: 'POST' })).body.toString()).toBe('hook');
    });
  });
});
