import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createPreviewToken, fileStore, intermission } from '../../src/index.js';
import { expressVersions, recordingLogger, REAL_SITE, warningsWith, type ExpressFactory } from '../helpers/app.js';

const API_SECRET = 'a'.repeat(40);
const BLOG_SECRET = 'b'.repeat(40);

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

function stateFile(mode: 'off' | 'maintenance' | 'coming-soon'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'intermission-mount-')), 'state.json');
  writeFileSync(path, JSON.stringify({ mode, updatedAt: new Date().toISOString() }));
  return path;
}

/** `/api` in maintenance, `/blog` coming soon, the rest open: two gates, each with its own store, secret and cookie. */
function site(expressFactory: ExpressFactory, setup?: (app: ReturnType<ExpressFactory>) => void) {
  const files = { api: stateFile('maintenance'), blog: stateFile('coming-soon') };
  const logger = recordingLogger();
  const api = intermission({
    configFile: false,
    env: {},
    logger,
    store: fileStore(files.api),
    secret: API_SECRET,
    cookie: { name: 'api_bypass' },
  });
  const blog = intermission({
    configFile: false,
    env: {},
    logger,
    store: fileStore(files.blog),
    secret: BLOG_SECRET,
    cookie: { name: 'blog_bypass' },
    teaser: { title: 'The first post', excerpt: 'Soon.' },
  });
  closers.push(
    () => api.close(),
    () => blog.close(),
  );
  const app = expressFactory();
  setup?.(app);
  app.use('/api', api);
  app.use('/blog', blog);
  app.get('/api/status', (_req, res) => void res.json({ real: REAL_SITE }));
  app.get('/blog/post', (_req, res) => void res.send(`${REAL_SITE} post`));
  app.get('/', (_req, res) => void res.send(`${REAL_SITE} home`));
  app.get('/__intermission/preview', (_req, res) => void res.send(`${REAL_SITE} root route`));
  return { app, api, blog, files, logger, ready: () => Promise.all([api.ready(), blog.ready()]) };
}

function cookiePair(setCookie: string | string[] | undefined): string {
  const line = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return (line ?? '').split(';')[0] ?? '';
}

describe.each(expressVersions)('several gates in one app (%s)', (_name, expressFactory) => {
  it('answers JSON 503s under /api, the teaser under /blog, and the real site elsewhere', async () => {
    const { app, ready } = site(expressFactory);
    await ready();
    const api = await request(app).get('/api/status').set('Accept', 'application/json');
    expect(api.status).toBe(503);
    expect(api.headers['content-type']).toMatch(/^application\/json/);
    expect(api.body).toMatchObject({ status: 'maintenance' });
    expect(api.text).not.toContain(REAL_SITE);

    const blog = await request(app).get('/blog/post').set('Accept', 'text/html');
    expect(blog.status).toBe(200);
    expect(blog.text).toContain('The first post');
    expect(blog.text).not.toContain(REAL_SITE);

    const home = await request(app).get('/');
    expect(home.text).toBe(`${REAL_SITE} home`);
  });

  it('keeps each gate on its own store: opening /api leaves /blog closed', async () => {
    const { app, files, api, ready } = site(expressFactory);
    await ready();
    const writer = fileStore(files.api);
    closers.push(() => writer.close?.());
    await writer.set!({ mode: 'off', updatedAt: new Date().toISOString() });
    await api.ready();
    const deadline = Date.now() + 2000;
    while ((await request(app).get('/api/status')).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await request(app).get('/api/status')).body).toEqual({ real: REAL_SITE });
    expect((await request(app).get('/blog/post')).status).toBe(200);
    expect((await request(app).get('/blog/post')).text).not.toContain(REAL_SITE);
  });

  describe('preview links', () => {
    it('live under the mount, set a cookie scoped to it, and land under it', async () => {
      const { app, ready } = site(expressFactory);
      await ready();
      const token = createPreviewToken(BLOG_SECRET);
      const res = await request(app).get(`/blog/__intermission/preview?token=${token}`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/blog/');
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/^blog_bypass=[^;]+; Path=\/blog; /);
      expect(setCookie).not.toContain('Path=/;');

      const cookie = cookiePair(res.headers['set-cookie']);
      expect((await request(app).get('/blog/post').set('Cookie', cookie)).text).toBe(`${REAL_SITE} post`);
      // The blog's cookie means nothing to the API gate, even if a client sends it there.
      expect((await request(app).get('/api/status').set('Cookie', cookie)).status).toBe(503);
      expect((await request(app).get('/api/status').set('Cookie', cookie.replace('blog_bypass', 'api_bypass'))).status).toBe(503);
    });

    it('keep a next under the mount and send any other next to the mount root', async () => {
      const { app, ready } = site(expressFactory);
      await ready();
      const cases: [string, string][] = [
        ['/blog/post?x=1', '/blog/post?x=1'],
        ['/blog', '/blog'],
        ['/', '/blog/'],
        ['/api/status', '/blog/'],
        ['/blogroll', '/blog/'],
        ['/BLOG/post', '/blog/'],
      ];
      for (const [next, location] of cases) {
        const res = await request(app).get(`/blog/__intermission/preview?token=${createPreviewToken(BLOG_SECRET, { next })}`);
        expect(res.headers.location, next).toBe(location);
      }
    });

    it('are not answered by a mounted gate at the root preview path, nor with the other gate’s secret', async () => {
      const { app, ready } = site(expressFactory);
      await ready();
      const root = await request(app).get(`/__intermission/preview?token=${createPreviewToken(BLOG_SECRET)}`);
      expect(root.text).toBe(`${REAL_SITE} root route`);
      const wrong = await request(app).get(`/blog/__intermission/preview?token=${createPreviewToken(API_SECRET)}`);
      expect(wrong.status).toBe(403);
      expect(wrong.headers['set-cookie']).toBeUndefined();
    });

    it('use __Secure- (not __Host-, which needs Path=/) over HTTPS, and only that name opens', async () => {
      const { app, ready } = site(expressFactory, (a) => a.set('trust proxy', 'loopback'));
      await ready();
      const res = await request(app)
        .get(`/blog/__intermission/preview?token=${createPreviewToken(BLOG_SECRET)}`)
        .set('X-Forwarded-Proto', 'https');
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/^__Secure-blog_bypass=[^;]+; Path=\/blog; .*; Secure; SameSite=Lax$/);
      const value = cookiePair(res.headers['set-cookie']).split('=')[1];
      const https = (cookie: string) => request(app).get('/blog/post').set('X-Forwarded-Proto', 'https').set('Cookie', cookie);
      expect((await https(`__Secure-blog_bypass=${value}`)).text).toBe(`${REAL_SITE} post`);
      expect((await https(`__Host-blog_bypass=${value}`)).status).toBe(200);
      expect((await https(`__Host-blog_bypass=${value}`)).text).not.toContain(REAL_SITE);
      expect((await https(`blog_bypass=${value}`)).text).not.toContain(REAL_SITE);
    });

    it('follow a case-insensitive mount match without leaving it', async () => {
      const { app, ready } = site(expressFactory);
      await ready();
      const res = await request(app).get(`/BLOG/__intermission/preview?token=${createPreviewToken(BLOG_SECRET, { next: '/blog/post' })}`);
      expect(res.status).toBe(303);
      // The cookie's Path is the mount as requested; the landing page is under that same spelling.
      expect(String(res.headers['set-cookie'])).toContain('Path=/BLOG;');
      expect(res.headers.location).toBe('/BLOG/');
    });
  });

  describe('a gate mounted at a path parameter', () => {
    it('never redirects off-site, whatever the mount segment holds', async () => {
      const gate = intermission({ configFile: false, env: {}, logger: recordingLogger(), mode: 'maintenance', secret: BLOG_SECRET });
      const app = expressFactory();
      app.use('/:tenant', gate);
      const token = createPreviewToken(BLOG_SECRET);
      for (const tenant of ['%5Cevil.example', '%2F%2Fevil.example', 'a%0d%0aSet-Cookie:x=1', 'ok']) {
        const res = await request(app).get(`/${tenant}/__intermission/preview?token=${token}`);
        const location: string = res.headers.location ?? '';
        expect(location, tenant).not.toMatch(/^\/\/|^\/\\|^[a-z]+:/i);
        expect(location, tenant).not.toMatch(/[\r\n]/);
        // Percent-escapes stay text inside the one Path attribute: no header or attribute is added.
        const setCookie = (res.headers['set-cookie'] as string[] | undefined)?.join('\n') ?? '';
        expect(setCookie).not.toMatch(/[\r\n]/);
        expect(
          setCookie
            .split('; ')
            .map((part) => part.split('=')[0])
            .slice(1),
          tenant,
        ).toEqual(['Path', 'Max-Age', 'Expires', 'HttpOnly', 'SameSite']);
        expect(res.headers['x'], tenant).toBeUndefined();
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The fast listener in front of a mounted gate.

function send(server: Server, path: string): Promise<{ status: number; body: string }> {
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

async function listen(server: Server): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server;
}

describe.each(expressVersions)('listener() with a gate below / (%s)', (_name, expressFactory) => {
  function mounted() {
    const logger = recordingLogger();
    const gate = intermission({ configFile: false, env: {}, logger, mode: 'maintenance' });
    const app = expressFactory();
    app.use('/blog', gate);
    app.get('/', (_req, res) => void res.send(`${REAL_SITE} home`));
    app.get('/blog/post', (_req, res) => void res.send(`${REAL_SITE} post`));
    return { gate, app, logger };
  }

  it('never closes what the gate does not cover, hands everything to the app and warns once', async () => {
    const { gate, app, logger } = mounted();
    const server = await listen(createServer(gate.listener(app)));
    // Before and after the middleware has seen its mount, the open part stays open.
    expect((await send(server, '/')).body).toBe(`${REAL_SITE} home`);
    expect((await send(server, '/blog/post')).status).toBe(503);
    for (let i = 0; i < 3; i++) expect((await send(server, '/')).body).toBe(`${REAL_SITE} home`);
    expect((await send(server, '/blog/post')).status).toBe(503);
    expect(warningsWith(logger, 'WRN_INTERMISSION_LISTENER_MOUNTED')).toHaveLength(1);
  });

  it('throws a TypeError when created after the gate has seen its mount below /', async () => {
    const { gate, app } = mounted();
    expect((await request(app).get('/blog/post')).status).toBe(503);
    expect(() => gate.listener(app)).toThrow(TypeError);
    expect(() => gate.listener(app)).toThrow(/mounted below \//);
  });

  it('takes over once the gate has shown it is mounted at the root', async () => {
    const logger = recordingLogger();
    const gate = intermission({ configFile: false, env: {}, logger, mode: 'maintenance', only: ['/blog/*'] });
    const app = expressFactory();
    app.use(gate);
    app.get('/', (_req, res) => void res.send(`${REAL_SITE} home`));
    app.get('/blog/post', (_req, res) => void res.send(`${REAL_SITE} post`));
    const server = await listen(createServer(gate.listener(app)));
    expect((await send(server, '/blog/post')).status).toBe(503);
    expect((await send(server, '/blog/post')).status).toBe(503);
    expect((await send(server, '/BLOG/%2e%2e/x')).status).toBe(503);
    expect((await send(server, '/')).body).toBe(`${REAL_SITE} home`);
    expect(warningsWith(logger, 'WRN_INTERMISSION_LISTENER_MOUNTED')).toHaveLength(0);
  });
});
