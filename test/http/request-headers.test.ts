import { createServer, IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requestHeaders } from '../../src/bypass/request-headers.js';
import { createApp, expectNoLeak, expressVersions, REAL_SITE } from '../helpers/app.js';

// The gate reads a request's headers from Node's own field when that is what `req.headers` would
// give (src/bypass/request-headers.ts). These tests pin that it gives the same object on real
// requests, and that every way an app can put other headers in front of Node's is still seen,
// the IP allow-list's X-Forwarded-For above all.

describe('requestHeaders', () => {
  it('is the very object req.headers gives, on a plain node:http request', async () => {
    let same: boolean | undefined;
    const server = createServer((req, res) => {
      same = requestHeaders(req) === req.headers && requestHeaders(req)['x-probe'] === 'one';
      res.end('ok');
    });
    await request(server).get('/').set('X-Probe', 'one');
    expect(same).toBe(true);
  });

  it('parses the headers when nothing has read them yet', () => {
    const req = new IncomingMessage(new Socket());
    req.rawHeaders = ['X-Probe', 'two'];
    // A fresh message has no headers until its parser hands them over: the getter's answer.
    expect(requestHeaders(req)).toEqual(req.headers);
  });

  it('a headers object assigned to the request is the one read', async () => {
    let seen: IncomingHttpHeaders | undefined;
    const server = createServer((req, res) => {
      req.headers = { 'x-probe': 'assigned' };
      seen = requestHeaders(req);
      res.end('ok');
    });
    await request(server).get('/').set('X-Probe', 'sent');
    expect(seen).toEqual({ 'x-probe': 'assigned' });
  });
});

describe.each(expressVersions)('%s', (_name, express) => {
  /** A closed site behind a proxy at 127.0.0.1 whose allow-list opens the proxy's own address only. */
  function proxiedApp(setup: (app: ReturnType<typeof express>) => void) {
    return createApp(express, { mode: 'maintenance', allow: { ips: ['127.0.0.1', '::1', '::ffff:127.0.0.1'] } }, (app) => {
      app.set('trust proxy', 'loopback');
      setup(app);
    }).app;
  }

  it('is the object req.headers gives on an Express request', async () => {
    let same: boolean | undefined;
    const app = express();
    app.use((req, _res, next) => {
      same = requestHeaders(req) === req.headers;
      next();
    });
    app.get('/', (_req, res) => res.send('ok'));
    await request(app).get('/');
    expect(same).toBe(true);
  });

  it('headers defined on the request itself, by middleware before the gate, are the ones the allow-list sees', async () => {
    const app = proxiedApp((site) =>
      site.use((req, _res, next) => {
        Object.defineProperty(req, 'headers', { value: { ...req.headers, 'x-forwarded-for': '203.0.113.9' }, enumerable: true });
        next();
      }),
    );
    const res = await request(app).get('/');
    expect(res.status).toBe(503);
    expectNoLeak(res);
  });

  it("a headers getter of the app's own on app.request is the one the allow-list sees", async () => {
    const app = proxiedApp((site) => {
      Object.defineProperty(site.request, 'headers', {
        get(this: IncomingMessage) {
          return { 'x-forwarded-for': '203.0.113.9' };
        },
        configurable: true,
      });
    });
    const res = await request(app).get('/');
    expect(res.status).toBe(503);
    expectNoLeak(res);
  });

  it('with nothing in front of Node, the proxy is let through and a forwarded client is not', async () => {
    const app = proxiedApp(() => {});
    const direct = await request(app).get('/');
    expect(direct.status).toBe(200);
    expect(direct.text).toContain(REAL_SITE);
    const forwarded = await request(app).get('/').set('X-Forwarded-For', '203.0.113.9');
    expect(forwarded.status).toBe(503);
    expectNoLeak(forwarded);
  });
});
