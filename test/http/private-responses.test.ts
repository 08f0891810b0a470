import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onHeaders from 'on-headers';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { intermission } from '../../src/index.js';
import { createApp, createSite, expectHeaders, expressVersions, manualClock, REAL_SITE, type ExpressFactory } from '../helpers/app.js';

// How bypassed responses are kept private, beyond what each bypass rule's tests check: which objects
// the enforcement touches, and the ways a response can go out (sendFile, HEAD, streams, writeHead's
// argument forms, sub-apps, plain node:http). Every client here is 127.0.0.1, which the allow-list opens.

const ORIGINAL_WRITE_HEAD = ServerResponse.prototype.writeHead;
const PUBLIC = { 'Cache-Control': 'public, max-age=600', 'Surrogate-Control': 'max-age=3600', Expires: 'Wed, 01 Jul 2026 00:00:00 GMT' };
const KEPT_PRIVATE = { 'Cache-Control': 'private, no-store', 'Surrogate-Control': null, Expires: null, Vary: /(^|,\s*)Cookie$/ };

function fileDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'intermission-private-'));
  writeFileSync(join(dir, 'page.html'), `<p>${REAL_SITE} file</p>`);
  return dir;
}

/** A closed site that lets 127.0.0.1 through, with routes that go out every way a response can. */
function bypassingApp(express: ExpressFactory) {
  const dir = fileDir();
  return createApp(express, { mode: 'maintenance', allow: { ips: ['127.0.0.1'] } }, undefined, (app) => {
    app.get('/file', (_req, res) =>
      res.sendFile(join(dir, 'page.html'), { maxAge: '1d', headers: { 'Surrogate-Control': 'max-age=3600' } }),
    );
    app.get('/piped', (_req, res) => {
      res.set(PUBLIC);
      res.type('html');
      createReadStream(join(dir, 'page.html')).pipe(res);
    });
    app.get('/reason-and-object', (_req, res) => {
      res.writeHead(200, 'Fine', { ...PUBLIC, Vary: 'Accept', 'Content-Type': 'text/plain' });
      res.end(REAL_SITE);
    });
    app.get('/reason-and-array', (_req, res) => {
      res.writeHead(200, 'Fine', [
        'Cache-Control',
        'public, max-age=600',
        'Surrogate-Control',
        'max-age=3600',
        'Content-Type',
        'text/plain',
      ]);
      res.end(REAL_SITE);
    });
    app.get('/undefined-reason', (_req, res) => {
      // Node takes the headers from the third argument when the second is not a string.
      (res.writeHead as (status: number, reason: undefined, headers: OutgoingHttpHeaders) => void)(200, undefined, {
        ...PUBLIC,
        'Content-Type': 'text/plain',
      });
      res.end(REAL_SITE);
    });
  });
}

describe.each(expressVersions)('%s', (_name, express) => {
  describe('what the enforcement touches', () => {
    it("apps that never bypass, with or without the gate, keep Node's writeHead; Express's shared prototype is never changed", async () => {
      const bypassing = bypassingApp(express);
      const neverBypasses = createApp(express, { mode: 'maintenance', allow: { ips: ['10.9.8.7'] } });
      const withoutGate = createSite(express);
      expectHeaders(await request(bypassing.app).get('/'), KEPT_PRIVATE);
      expect((await request(neverBypasses.app).get('/')).status).toBe(503);
      expectHeaders(await request(withoutGate.app).get('/'), {
        'Cache-Control': 'public, max-age=600',
        'Surrogate-Control': 'max-age=3600',
        Vary: null,
      });

      // The app that bypassed carries the hook on its own response object…
      expect(Object.hasOwn(bypassing.app.response, 'writeHead')).toBe(true);
      expect(bypassing.app.response.writeHead).not.toBe(ORIGINAL_WRITE_HEAD);
      // …and nothing else does.
      const shared: object = Object.getPrototypeOf(withoutGate.app.response) as object;
      expect(Object.getPrototypeOf(bypassing.app.response)).toBe(shared);
      expect(Object.hasOwn(shared, 'writeHead')).toBe(false);
      for (const app of [neverBypasses.app, withoutGate.app]) {
        expect(Object.hasOwn(app.response, 'writeHead')).toBe(false);
        expect(app.response.writeHead).toBe(ORIGINAL_WRITE_HEAD);
      }
      expect(ServerResponse.prototype.writeHead).toBe(ORIGINAL_WRITE_HEAD);
    });

    it('an app is hooked once, at its first bypass, not per request', async () => {
      const { app } = bypassingApp(express);
      expect((await request(app).get('/healthz')).text).toBe('ok');
      const hooked = app.response.writeHead;
      for (let i = 0; i < 3; i++) expectHeaders(await request(app).get('/'), KEPT_PRIVATE);
      expect(app.response.writeHead).toBe(hooked);
      expect(Object.hasOwn(app.response, 'writeHead')).toBe(true);
    });

    it('an app that replaces app.response.writeHead after its first bypass still sends bypassed responses private', async () => {
      const { app } = bypassingApp(express);
      expectHeaders(await request(app).get('/'), KEPT_PRIVATE);
      // The app wraps the inherited method itself, dropping the hook the first bypass set.
      const inherited = (Object.getPrototypeOf(app.response) as { writeHead: (...args: unknown[]) => ServerResponse }).writeHead;
      const own = function (this: ServerResponse, ...args: unknown[]) {
        return inherited.apply(this, args);
      } as typeof app.response.writeHead;
      app.response.writeHead = own;
      for (let i = 0; i < 2; i++) expectHeaders(await request(app).get('/'), KEPT_PRIVATE);
      expect(app.response.writeHead).toBe(own);
    });

    it('a response of the same app that is not bypassed goes out untouched (the site reopened after a bypass)', async () => {
      const clock = manualClock('2026-06-01T12:00:00Z');
      const { app } = createApp(express, {
        mode: 'maintenance',
        until: '2026-06-01T13:00:00Z',
        now: clock.now,
        allow: { ips: ['127.0.0.1'] },
      });
      expectHeaders(await request(app).get('/'), KEPT_PRIVATE);
      clock.advance(2 * 60 * 60 * 1000);
      const open = await request(app).get('/');
      expect(open.text).toContain(REAL_SITE);
      expectHeaders(open, { 'Cache-Control': 'public, max-age=600', 'Surrogate-Control': 'max-age=3600', Vary: null });
    });
  });

  describe('every way a bypassed response goes out is kept private', () => {
    it('res.sendFile with maxAge and its own headers, also on its 304', async () => {
      const { app } = bypassingApp(express);
      const res = await request(app).get('/file');
      expect(res.status).toBe(200);
      expect(res.text).toContain(REAL_SITE);
      expectHeaders(res, KEPT_PRIVATE);
      const again = await request(app)
        .get('/file')
        .set('If-None-Match', res.headers.etag as string);
      expect(again.status).toBe(304);
      expectHeaders(again, { 'Cache-Control': 'private, no-store', 'Surrogate-Control': null });
    });

    it.each(['/', '/file', '/assets/x.css', '/piped'])('HEAD %s', async (path) => {
      const { app } = bypassingApp(express);
      const res = await request(app).head(path);
      expect(res.status).toBe(200);
      expectHeaders(res, { 'Cache-Control': 'private, no-store', 'Surrogate-Control': null, Vary: /Cookie/ });
    });

    it('a file stream piped into the response', async () => {
      const { app } = bypassingApp(express);
      const res = await request(app).get('/piped');
      expect(res.text).toContain(REAL_SITE);
      expectHeaders(res, KEPT_PRIVATE);
    });

    it('writeHead with a reason phrase and an object of headers (Vary is extended, not replaced)', async () => {
      const { app } = bypassingApp(express);
      const res = await request(app).get('/reason-and-object');
      expect(res.text).toBe(REAL_SITE);
      expect((res as unknown as { res: { statusMessage: string } }).res.statusMessage).toBe('Fine');
      expectHeaders(res, { ...KEPT_PRIVATE, Vary: 'Accept, Cookie' });
    });

    it.each(['/reason-and-array', '/undefined-reason'])('writeHead as %s', async (path) => {
      const { app } = bypassingApp(express);
      const res = await request(app).get(path);
      expect(res.text).toBe(REAL_SITE);
      expectHeaders(res, { 'Cache-Control': 'private, no-store', 'Surrogate-Control': null, Vary: 'Cookie' });
    });

    it('two gates that both let the request through: enforced once, Vary names Cookie once', async () => {
      const { app } = createApp(express, { mode: 'maintenance', allow: { ips: ['127.0.0.1'] } }, undefined, (host) => {
        host.use(intermission({ mode: 'maintenance', allow: { ips: ['127.0.0.0/8'] }, configFile: false, env: {}, logger: false }));
      });
      for (let i = 0; i < 2; i++) {
        const res = await request(app).get('/');
        expect(res.text).toContain(REAL_SITE);
        expectHeaders(res, { 'Cache-Control': 'private, no-store', 'Surrogate-Control': null, Vary: 'Cookie' });
      }
    });
  });

  describe('when the gate sits in a mounted sub-app', () => {
    function shopApp() {
      const app = express();
      const shop = express();
      shop.use(intermission({ mode: 'maintenance', allow: { ips: ['127.0.0.1'] }, configFile: false, env: {}, logger: false }));
      shop.get('/cart', (_req, res) => {
        res.set(PUBLIC);
        res.send(`${REAL_SITE} cart`);
      });
      app.use('/shop', shop);
      // Requests the sub-app does not answer come back to the parent's routes.
      app.get('/shop/gift-card', (_req, res) => {
        res.set(PUBLIC);
        res.send(`${REAL_SITE} gift card`);
      });
      app.get('/about', (_req, res) => {
        res.set(PUBLIC);
        res.send(`${REAL_SITE} about`);
      });
      return app;
    }

    it('its own routes, and the parent routes a bypassed request falls through to, are kept private', async () => {
      const app = shopApp();
      for (const path of ['/shop/cart', '/shop/gift-card', '/shop/cart']) {
        const res = await request(app).get(path);
        expect(res.text).toContain(REAL_SITE);
        expectHeaders(res, KEPT_PRIVATE);
      }
    });

    it('parent routes outside the mount path are not gated and keep their caching headers', async () => {
      const app = shopApp();
      expectHeaders(await request(app).get('/shop/cart'), KEPT_PRIVATE);
      const about = await request(app).get('/about');
      expect(about.text).toContain(REAL_SITE);
      expectHeaders(about, { 'Cache-Control': 'public, max-age=600', 'Surrogate-Control': 'max-age=3600', Vary: null });
    });
  });

  describe('on one connection (the mark of a bypassed response is held by its socket)', () => {
    /** A closed site where `X-Admin: yes` is the bypass, plus a route before the gate that may be cached. */
    function connectionApp() {
      return createApp(
        express,
        { mode: 'maintenance', allow: { bypass: (req) => req.headers['x-admin'] === 'yes' } },
        (host) => {
          host.get('/asset.css', (_req, res) => {
            res.set(PUBLIC);
            res.type('css').send('body{}');
          });
        },
        (app) => {
          app.get('/slow', (_req, res) => {
            setTimeout(() => res.set(PUBLIC).send(`${REAL_SITE} slow`), 40);
          });
        },
      );
    }

    /**
     * Sends `requests` on one connection and reads their responses (all carry Content-Length):
     * pipelined (written at once) or one at a time (each written after the previous answer).
     */
    async function exchange(app: Parameters<typeof createServer>[1], requests: string[], pipelined: boolean) {
      const count = requests.length;
      const server = createServer(app);
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      try {
        const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
        let text = '';
        const responses: { status: number; headers: Record<string, string>; body: string }[] = [];
        await new Promise<void>((done, fail) => {
          socket.on('error', fail);
          socket.on('data', (chunk: Buffer) => {
            text += chunk.toString('latin1');
            for (;;) {
              const end = text.indexOf('\r\n\r\n');
              if (end === -1) return;
              const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
              const headers = Object.fromEntries(
                lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
              );
              const length = Number(headers['content-length']);
              if (text.length < end + 4 + length) return;
              responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4, end + 4 + length) });
              text = text.slice(end + 4 + length);
              if (responses.length === count) return done();
              if (!pipelined) socket.write(requests[responses.length] ?? '');
            }
          });
          socket.write(pipelined ? requests.join('') : (requests[0] ?? ''));
        });
        socket.destroy();
        return responses;
      } finally {
        server.close();
      }
    }

    const get = (path: string, admin: boolean) => `GET ${path} HTTP/1.1\r\nHost: example.test\r\n${admin ? 'X-Admin: yes\r\n' : ''}\r\n`;

    it('keep-alive: bypassed and cacheable responses alternate on one socket, each with its own headers', async () => {
      const { app } = connectionApp();
      const requests = [get('/', true), get('/asset.css', false), get('/', true), get('/asset.css', true), get('/', false)];
      const responses = await exchange(app, requests, false);
      const [first, asset, second, assetAsAdmin, closed] = responses;
      expect([first?.status, asset?.status, second?.status, assetAsAdmin?.status, closed?.status]).toEqual([200, 200, 200, 200, 503]);
      for (const res of [first, second]) {
        expect(res?.body).toContain(REAL_SITE);
        expect(res?.headers['cache-control']).toBe('private, no-store');
        expect(res?.headers['surrogate-control']).toBeUndefined();
      }
      // The route before the gate is outside it: cacheable, also for an admin.
      for (const res of [asset, assetAsAdmin]) expect(res?.headers['cache-control']).toBe('public, max-age=600');
      expect(closed?.body).not.toContain(REAL_SITE);
    });

    it('pipelined: a slow bypassed response, a cacheable one and a second bypassed one keep their own headers', async () => {
      const { app } = connectionApp();
      const requests = [get('/slow', true), get('/asset.css', false), get('/', true), get('/slow', true), get('/', false)];
      const responses = await exchange(app, requests, true);
      const [slow, asset, page, slowAgain, closed] = responses;
      expect(responses.map((res) => res.status)).toEqual([200, 200, 200, 200, 503]);
      for (const res of [slow, page, slowAgain]) {
        expect(res?.body).toContain(REAL_SITE);
        expect(res?.headers['cache-control']).toBe('private, no-store');
        expect(res?.headers['surrogate-control']).toBeUndefined();
        expect(res?.headers.vary).toMatch(/(^|,\s*)Cookie$/);
      }
      expect(asset?.headers['cache-control']).toBe('public, max-age=600');
      expect(asset?.headers.vary).toBeUndefined();
      expect(closed?.body).not.toContain(REAL_SITE);
    });
  });

  describe('when middleware before the gate sets a header hook on every request', () => {
    it("its late caching headers lose, on every request, also on Express's own 404", async () => {
      const { app } = createApp(express, { mode: 'maintenance', allow: { ips: ['127.0.0.1'] } }, (host) => {
        host.use((_req, res, next) => {
          onHeaders(res, function lateCaching(this: typeof res) {
            this.setHeader('Cache-Control', 'public, max-age=600');
            this.setHeader('CDN-Cache-Control', 'max-age=600');
            this.setHeader('Vary', 'Accept-Encoding');
          });
          next();
        });
      });
      for (let i = 0; i < 3; i++) {
        const res = await request(app).get('/file-that-is-not-there').set('Accept', 'text/html');
        expect(res.status).toBe(404);
        // Its listener runs after the enforcement, so the caching headers are locked: its Vary is refused.
        expectHeaders(res, { 'Cache-Control': 'private, no-store', 'CDN-Cache-Control': null, Vary: 'Cookie' });
      }
    });
  });
});

describe('without Express (the middleware on a plain node:http server)', () => {
  function plainServer(route: (res: ServerResponse) => void) {
    const gate = intermission({ mode: 'maintenance', allow: { ips: ['127.0.0.1', '::1'] }, configFile: false, env: {}, logger: false });
    return createServer((req, res) => gate(req, res, () => route(res)));
  }

  it('headers set before the response goes out are overridden', async () => {
    const server = plainServer((res) => {
      for (const [name, value] of Object.entries(PUBLIC)) res.setHeader(name, value);
      res.end(REAL_SITE);
    });
    const res = await request(server).get('/');
    expect(res.text).toBe(REAL_SITE);
    expectHeaders(res, KEPT_PRIVATE);
  });

  it('a response that set no header at all before it goes out', async () => {
    const server = plainServer((res) => res.end(REAL_SITE));
    const res = await request(server).get('/');
    expect(res.text).toBe(REAL_SITE);
    expectHeaders(res, { 'Cache-Control': 'private, no-store', Vary: 'Cookie' });
  });

  it('headers given to writeHead are overridden, and the response object keeps only its own hook', async () => {
    let seen: ServerResponse | undefined;
    const server = plainServer((res) => {
      seen = res;
      res.writeHead(200, { ...PUBLIC, 'Content-Type': 'text/plain' });
      res.end(REAL_SITE);
    });
    const res = await request(server).get('/');
    expect(res.text).toBe(REAL_SITE);
    expectHeaders(res, KEPT_PRIVATE);
    expect(Object.hasOwn(seen!, 'writeHead')).toBe(true);
    expect(ServerResponse.prototype.writeHead).toBe(ORIGINAL_WRITE_HEAD);
  });
});
