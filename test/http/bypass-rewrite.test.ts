import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createPreviewToken, intermission } from '../../src/index.js';
import { createApp, expectNoLeak, expressVersions, REAL_SITE, recordingLogger, type ExpressFactory } from '../helpers/app.js';

// Allowed paths are decided on the URL Express routes (`req.baseUrl + req.url`), not on
// `req.originalUrl`: a middleware before the gate that rewrites req.url must not turn an open
// path into another handler (issue 12, item 2).

const SECRET = 'rewrite-secret-0123456789-abcdefghijklmnopqrs';
const NOW = Date.parse('2026-06-01T12:00:00Z');
type App = ReturnType<ExpressFactory>;

/** An SPA history fallback (as connect-history-api-fallback does): HTML requests without a dot get the shell. */
function spaFallback(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'GET' && (req.headers.accept ?? '').includes('text/html') && !req.path.includes('.')) req.url = '/index.html';
  next();
}

/** A rewrite to a fixed target, for the paths the fallback never produces. */
function rewriteTo(from: string, to: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.path === from) req.url = to;
    next();
  };
}

function shell(app: App): void {
  app.get('/index.html', (_req, res) => void res.send(`${REAL_SITE} spa shell`));
}

function closedApp(express: ExpressFactory, before: (app: App) => void, paths: string[] = []) {
  return createApp(express, { mode: 'maintenance', secret: SECRET, now: () => NOW, allow: { paths } }, before, (app) => {
    shell(app);
    app.get('/docs/intro', (_req, res) => void res.send('docs'));
  }).app;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

async function viaListener(app: App, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const gate = intermission({ mode: 'maintenance', secret: SECRET, now: () => NOW, configFile: false, env: {}, logger: recordingLogger() });
  app.use(gate);
  shell(app);
  app.get('/healthz', (_req, res) => void res.send('ok'));
  const server = createServer(gate.listener(app));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    })
      .on('error', reject)
      .end();
  });
}

describe.each(expressVersions)('%s', (_name, express) => {
  describe('when a middleware before the gate rewrites req.url (SPA history fallback)', () => {
    it('keeps an open path closed once it is rewritten to the app shell', async () => {
      const app = closedApp(express, (host) => void host.use(spaFallback));
      const res = await request(app).get('/healthz').set('Accept', 'text/html');
      expect(res.status).toBe(503);
      expectNoLeak(res);
    });

    it('keeps a prefix rule closed once it is rewritten (/docs/* → shell)', async () => {
      const app = closedApp(express, (host) => void host.use(spaFallback), ['/docs/*']);
      const res = await request(app).get('/docs/intro').set('Accept', 'text/html');
      expect(res.status).toBe(503);
      expectNoLeak(res);
      expect((await request(app).get('/docs/intro').set('Accept', 'application/json')).text).toBe('docs');
    });

    it('still opens the path when the fallback leaves it alone', async () => {
      const app = closedApp(express, (host) => void host.use(spaFallback));
      const res = await request(app).get('/healthz').set('Accept', 'application/json');
      expect(res.status).toBe(200);
      expect(res.text).toBe('ok');
    });

    it('opens a closed path rewritten to an open one: the open handler is what answers', async () => {
      const app = closedApp(express, (host) => void host.use(rewriteTo('/status', '/healthz')));
      const res = await request(app).get('/status');
      expect(res.status).toBe(200);
      expect(res.text).toBe('ok');
    });

    it.each([
      '/healthz/../index.html',
      '/healthz/%2e%2e/index.html',
      '/%68ealthz',
      '/healthz%2f..%2findex.html',
      '/healthz;x',
      '//healthz',
    ])('a rewrite to the non-canonical %s stays closed', async (target) => {
      const app = closedApp(express, (host) => void host.use(rewriteTo('/status', target)));
      const res = await request(app).get('/status');
      expect(res.status).toBe(503);
      expectNoLeak(res);
    });

    it('still answers a preview link the fallback rewrote (the gate owns that path)', async () => {
      const app = closedApp(express, (host) => void host.use(spaFallback));
      const token = createPreviewToken(SECRET, { next: '/whoami', now: () => NOW });
      const res = await request(app)
        .get(`/__intermission/preview?token=${encodeURIComponent(token)}`)
        .set('Accept', 'text/html');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/whoami');
      expect(String(res.headers['set-cookie'])).toMatch(/^intermission_bypass=/);
    });

    it('does not treat a rewrite to the preview path as a preview link', async () => {
      const app = closedApp(express, (host) => void host.use(rewriteTo('/x', '/__intermission/preview')));
      const res = await request(app).get('/x');
      expect(res.status).toBe(503);
      expect(res.headers['set-cookie']).toBeUndefined();
    });
  });

  describe('when the gate is mounted below a path', () => {
    function mounted(paths: string[], inRouter?: (router: ReturnType<ExpressFactory['Router']>) => void) {
      const app = express();
      const router = express.Router();
      inRouter?.(router);
      router.use(intermission({ mode: 'maintenance', allow: { paths }, configFile: false, env: {}, logger: recordingLogger() }));
      router.get('/healthz', (_req, res) => void res.send('ok'));
      router.get('/index.html', (_req, res) => void res.send(`${REAL_SITE} spa shell`));
      app.use('/app', router);
      return app;
    }

    it('matches rules on the full routed path (req.baseUrl + req.url)', async () => {
      const res = await request(mounted(['/app/healthz'])).get('/app/healthz');
      expect(res.status).toBe(200);
      expect(res.text).toBe('ok');
    });

    it('does not match a rule written without the mount path', async () => {
      const res = await request(mounted(['/healthz'])).get('/app/healthz');
      expect(res.status).toBe(503);
    });

    it('keeps the path closed when a rewrite inside the router changes req.url', async () => {
      const app = mounted(['/app/healthz'], (router) => void router.use(spaFallback));
      const res = await request(app).get('/app/healthz').set('Accept', 'text/html');
      expect(res.status).toBe(503);
      expectNoLeak(res);
    });
  });

  describe('through the listener (gate.listener(app))', () => {
    it('hands an open path to the app, where the rewrite is seen and the gate answers', async () => {
      const app = express();
      app.use(spaFallback);
      const res = await viaListener(app, '/healthz', { Accept: 'text/html' });
      expect(res.status).toBe(503);
      expect(res.body).not.toContain(REAL_SITE);
    });

    it('serves the open path when nothing rewrites it', async () => {
      const res = await viaListener(express(), '/healthz', { Accept: 'text/html' });
      expect(res.status).toBe(200);
      expect(res.body).toBe('ok');
    });
  });
});
