import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createPreviewToken, intermission, IntermissionConfigError } from '../../src/index.js';
import { createApp, expressVersions, rawRequest, REAL_SITE, type ExpressFactory } from '../helpers/app.js';

const SECRET = 's'.repeat(40);

/** Paths a gate with `only: ['/blog/*', '/shop']` must close: the list, and everything ambiguous. */
const CLOSED = [
  '/blog',
  '/blog/',
  '/blog/post',
  '/blog/post?x=1',
  '/BLOG/post',
  '/Blog',
  '/bLoG/',
  '/%62log/post',
  '/%62LOG',
  '/blog;x',
  '/blog;/post',
  '/x/..;/blog/post',
  '//blog',
  '//blog/post',
  '/blog//post',
  '/blog/%2e%2e/admin',
  '/blog/%2E%2E/admin',
  '/blog/../admin',
  '/x/%2e%2e/blog/post',
  '/%2e%2e/blog',
  '/blog%2fpost',
  '/blog%2Fpost',
  '/x%2f..%2fblog',
  '/blog%252fpost',
  '/x/%252e%252e/blog',
  '/blog%00',
  '/blog%',
  '/blog%zz',
  '/blog\\post',
  '/shop',
  '/shop/',
  '/SHOP',
  '/shop?page=2',
  '/%73hop',
  '/./blog',
  '/blog/./post',
];

/** Paths outside the list that must reach the real site untouched. */
const OPEN = ['/', '/about', '/blogx', '/blog-archive', '/blogs/post', '/shop/cart', '/shopping', '/about?next=/blog/post'];

function onlyApp(expressFactory: ExpressFactory, extra: Parameters<typeof intermission>[0] = {}, strict = false) {
  return createApp(
    expressFactory,
    { mode: 'maintenance', secret: SECRET, only: ['/blog/*', '/shop'], ...extra },
    (app) => {
      if (strict) app.set('strict routing', true);
    },
    (app) => {
      // Real pages under and beside the closed sections; mountSite adds /, /healthz and /assets after these.
      for (const path of ['/about', '/blogx', '/blog-archive', '/blogs/post', '/shop/cart', '/shopping', '/blog/post']) {
        app.get(path, (_req, res) => void res.send(`${REAL_SITE} ${path}`));
      }
    },
  );
}

/** One request with the target sent byte for byte (supertest would normalise `..`). */
function sendRaw(server: Server, path: string): Promise<{ status: number; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(expressVersions)('only (%s)', (_name, expressFactory) => {
  describe('when a path is in the list or ambiguous', () => {
    it.each(CLOSED)('closes %s', async (path) => {
      const { app } = onlyApp(expressFactory);
      const res = await rawRequest(app, { path, headers: { accept: 'text/plain' } });
      expect(res.status).toBe(503);
      expect(res.text).not.toContain(REAL_SITE);
    });

    it.each(['/shop/', '/blog', '/blog/'])('closes %s with strict routing on too', async (path) => {
      const { app } = onlyApp(expressFactory, {}, true);
      const res = await rawRequest(app, { path });
      expect(res.status).toBe(503);
      expect(res.text).not.toContain(REAL_SITE);
    });
  });

  describe('when a path is outside the list', () => {
    it.each(OPEN)('lets %s through untouched', async (path) => {
      const { app } = onlyApp(expressFactory);
      const res = await rawRequest(app, { path });
      expect(res.text).toContain(REAL_SITE);
      expect(res.headers['retry-after']).toBeUndefined();
      // Untouched: the real site's caching headers survive (no private caching forced on it).
      if (path === '/') expect(res.headers['cache-control']).toBe('public, max-age=600');
    });

    it('leaves the default open paths and static files alone', async () => {
      const { app } = onlyApp(expressFactory);
      expect((await rawRequest(app, { path: '/healthz' })).text).toBe('ok');
      expect((await rawRequest(app, { path: '/assets/x.css' })).text).toBe('body{color:red}');
    });

    it('leaves res.locals.intermission unset: the request was never gated', async () => {
      const { app } = onlyApp(expressFactory);
      expect((await request(app).get('/whoami')).body).toEqual({ bypass: null });
    });
  });

  describe('with allow', () => {
    it('opens allowed paths inside the list (allow wins), and only those', async () => {
      const { app } = onlyApp(expressFactory, { allow: { paths: ['/blog/feed.xml'] } }, false);
      app.get('/blog/feed.xml', (_req, res) => void res.send(`${REAL_SITE} feed`));
      expect((await rawRequest(app, { path: '/blog/feed.xml' })).status).not.toBe(503);
      expect((await rawRequest(app, { path: '/blog/%66eed.xml' })).status).toBe(503);
      expect((await rawRequest(app, { path: '/blog/post' })).status).toBe(503);
    });

    it('lets a preview cookie through the closed paths', async () => {
      const { app } = onlyApp(expressFactory);
      const link = await request(app).get(`/__intermission/preview?token=${createPreviewToken(SECRET, { next: '/blog/post' })}`);
      expect(link.status).toBe(303);
      expect(link.headers.location).toBe('/blog/post');
      const cookie = String(link.headers['set-cookie']).split(';')[0] ?? '';
      const res = await request(app).get('/blog/post').set('Cookie', cookie);
      expect(res.status).toBe(200);
      expect(res.text).toBe(`${REAL_SITE} /blog/post`);
    });
  });

  describe('when a rewrite before the gate changed req.url', () => {
    it('stays closed when the original URL is in the list', async () => {
      const { app } = createApp(expressFactory, { mode: 'maintenance', only: ['/blog/*'] }, (a) =>
        a.use((req, _res, next) => {
          if (req.url.startsWith('/blog/')) req.url = '/';
          next();
        }),
      );
      const res = await request(app).get('/blog/post');
      expect(res.status).toBe(503);
      expect(res.text).not.toContain(REAL_SITE);
    });
  });

  describe('through the listener', () => {
    it('gives the same answers as the middleware', async () => {
      const { app, middleware } = onlyApp(expressFactory);
      const server = createServer(middleware.listener(app));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        // The first request teaches the listener that the gate is mounted at the root.
        await sendRaw(server, '/about');
        for (const path of CLOSED) {
          const res = await sendRaw(server, path);
          expect(res.status, path).toBe(503);
          expect(res.body, path).not.toContain(REAL_SITE);
        }
        for (const path of OPEN) expect((await sendRaw(server, path)).body, path).toContain(REAL_SITE);
        expect((await sendRaw(server, '/healthz')).body).toBe('ok');
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
});

describe('only: configuration', () => {
  const issuesOf = (only: unknown): readonly { field: string; code: string; message: string }[] => {
    try {
      intermission({ configFile: false, env: {}, logger: false, only: only as string[] });
    } catch (error) {
      expect(error).toBeInstanceOf(IntermissionConfigError);
      return (error as IntermissionConfigError).issues;
    }
    return [];
  };

  it.each([
    [[], 'only', /is empty/],
    [['/*'], 'only[0]', /closes every path/],
    [['blog/*'], 'only[0]', /must start with '\/'; write \/blog\/\*/],
    [['/blog/%2e'], 'only[0]', /percent-escapes/],
    [['/blog/*/x'], 'only[0]', /only allowed as a final/],
    [['/blog;x'], 'only[0]', /';'/],
    [['/a/../b'], 'only[0]', /dot|'\.'/],
    [['//blog'], 'only[0]', /empty segment/],
    [['/ok', 42], 'only[1]', /must be a string|expected string/],
  ])('refuses %j at start-up (%s)', (only, field, message) => {
    const issues = issuesOf(only);
    const issue = issues.find((i) => i.field === field);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
    expect(['ERR_INTERMISSION_INVALID_PATH', 'ERR_INTERMISSION_INVALID_OPTION']).toContain(issue?.code);
  });

  it('refuses a value that is not a list', () => {
    expect(issuesOf('/blog/*').length).toBeGreaterThan(0);
  });

  it('treats an explicit undefined as "every path"', async () => {
    const { app } = createApp(expressVersions[0][1], { mode: 'maintenance', only: undefined });
    expect((await request(app).get('/')).status).toBe(503);
  });

  it('lists every bad rule at once', () => {
    expect(issuesOf(['x', '/ok', '/*', '/a%20b']).map((i) => i.field)).toEqual(['only[0]', 'only[2]', 'only[3]']);
  });
});
