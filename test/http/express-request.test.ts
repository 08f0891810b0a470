import type { Request } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { clientIp, hasExpressGetters, isSecure } from '../../src/bypass/express-request.js';
import { intermission } from '../../src/index.js';
import { expressVersions, type ExpressFactory } from '../helpers/app.js';

// clientIp and isSecure skip Express's `ip` and `secure` getters when those are Express's own, for
// speed (bench/analysis.md). They must agree with the getters on every request, and step aside as
// soon as an app overrides one of them.

type Trust = boolean | number | string | ((address: string, hop: number) => boolean);

const TRUSTS: [string, Trust][] = [
  ['off', false],
  ['true', true],
  ['loopback', 'loopback'],
  ['one hop', 1],
  ['a list without the peer', '10.0.0.0/8'],
  ['a function', (address: string) => address.endsWith('127.0.0.1')],
];

const HEADERS: [string, Record<string, string>][] = [
  ['no forwarding headers', {}],
  ['X-Forwarded-For', { 'X-Forwarded-For': '203.0.113.7' }],
  ['a chain in X-Forwarded-For', { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' }],
  ['an empty X-Forwarded-For', { 'X-Forwarded-For': '' }],
  ['X-Forwarded-Proto: https', { 'X-Forwarded-Proto': 'https' }],
  ['X-Forwarded-Proto: " https , http"', { 'X-Forwarded-Proto': ' https , http' }],
  ['X-Forwarded-Proto: http, https', { 'X-Forwarded-Proto': 'http, https' }],
  ['an empty X-Forwarded-Proto', { 'X-Forwarded-Proto': '' }],
  ['both', { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https' }],
];

/** An app whose one route answers what Express says and what the helpers say. */
function comparingApp(express: ExpressFactory, trust: Trust, setup?: (app: ReturnType<ExpressFactory>) => void) {
  const app = express();
  app.set('trust proxy', trust);
  setup?.(app);
  app.get('/', (req, res) => {
    res.json({ own: hasExpressGetters(req), ip: clientIp(req), expressIp: req.ip, secure: isSecure(req), expressSecure: req.secure });
  });
  return app;
}

describe.each(expressVersions)('%s', (_name, express) => {
  describe.each(TRUSTS)('trust proxy %s', (_trustName, trust) => {
    it.each(HEADERS)('agrees with req.ip and req.secure: %s', async (_what, headers) => {
      const res = await request(comparingApp(express, trust)).get('/').set(headers);
      expect(res.status).toBe(200);
      // The getters are recognised as Express's, so the helpers took their own path here.
      expect(res.body.own).toBe(true);
      expect(res.body.ip).toBe(res.body.expressIp);
      expect(res.body.secure).toBe(res.body.expressSecure);
    });
  });

  it('agrees in a mounted sub-app, whose request inherits from the parent app’s', async () => {
    const parent = express();
    parent.set('trust proxy', 'loopback');
    const child = comparingApp(express, 'loopback');
    parent.use('/child', child);
    const res = await request(parent).get('/child/').set({ 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https' });
    expect(res.body).toEqual({ own: true, ip: '203.0.113.7', expressIp: '203.0.113.7', secure: true, expressSecure: true });
  });

  describe('an overridden getter is read, not bypassed', () => {
    const override = (name: string, get: (this: Request) => unknown) => (app: ReturnType<ExpressFactory>) =>
      void Object.defineProperty(app.request, name, { configurable: true, enumerable: true, get });

    it('`ip` on app.request (Express’s documented example)', async () => {
      const app = comparingApp(
        express,
        false,
        override('ip', function (this: Request) {
          return this.get('Client-IP');
        }),
      );
      const res = await request(app).get('/').set('Client-IP', '192.0.2.44');
      expect(res.body.own).toBe(false);
      expect(res.body.ip).toBe('192.0.2.44');
      expect(res.body.expressIp).toBe('192.0.2.44');
    });

    it('`protocol` on app.request', async () => {
      const app = comparingApp(
        express,
        false,
        override('protocol', function (this: Request) {
          return this.get('X-Scheme') ?? 'http';
        }),
      );
      const res = await request(app).get('/').set('X-Scheme', 'https');
      expect(res.body).toMatchObject({ own: false, secure: true, expressSecure: true });
    });

    it('`secure` on app.request', async () => {
      const app = comparingApp(
        express,
        false,
        override('secure', () => true),
      );
      const res = await request(app).get('/');
      expect(res.body).toMatchObject({ own: false, secure: true, expressSecure: true });
    });

    it('`ip` on a parent app’s request, reached from a mounted sub-app', async () => {
      const parent = express();
      override('ip', () => '192.0.2.45')(parent);
      parent.use('/child', comparingApp(express, false));
      const res = await request(parent).get('/child/');
      expect(res.body).toMatchObject({ own: false, ip: '192.0.2.45', expressIp: '192.0.2.45' });
    });

    it('`ip` and `protocol` on express.request, for every app', async () => {
      const base = express.request as object;
      const saved = ['ip', 'protocol'].map((name) => [name, Object.getOwnPropertyDescriptor(base, name)] as const);
      Object.defineProperty(base, 'ip', { configurable: true, enumerable: true, get: () => '192.0.2.46' });
      Object.defineProperty(base, 'protocol', { configurable: true, enumerable: true, get: () => 'https' });
      try {
        const res = await request(comparingApp(express, false)).get('/');
        expect(res.body).toEqual({ own: false, ip: '192.0.2.46', expressIp: '192.0.2.46', secure: true, expressSecure: true });
      } finally {
        for (const [name, descriptor] of saved) if (descriptor) Object.defineProperty(base, name, descriptor);
      }
      // And back to Express's own once restored: a new app, a new verdict.
      const res = await request(comparingApp(express, false)).get('/');
      expect(res.body.own).toBe(true);
      expect(res.body.ip).toBe(res.body.expressIp);
      expect(res.body.ip).not.toBe('192.0.2.46');
    });

    it('the gate’s IP allow-list follows an overridden `ip`', async () => {
      const app = express();
      override('ip', function (this: Request) {
        return this.get('Client-IP');
      })(app);
      app.use(intermission({ mode: 'maintenance', configFile: false, env: {}, logger: false, allow: { ips: ['192.0.2.0/24'] } }));
      app.get('/', (_req, res) => void res.send('open'));
      expect((await request(app).get('/').set('Client-IP', '192.0.2.9')).text).toBe('open');
      // The socket's own address (loopback) is not on the list, and the override decides.
      expect((await request(app).get('/').set('Client-IP', '198.51.100.9')).status).toBe(503);
    });
  });

  it('reads the socket on a plain node:http request', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => void res.end(JSON.stringify({ ip: clientIp(req), secure: isSecure(req) })));
    const res = await request(server).get('/').set('X-Forwarded-For', '203.0.113.7').set('X-Forwarded-Proto', 'https');
    expect(JSON.parse(res.text)).toEqual({ ip: expect.stringMatching(/127\.0\.0\.1$/), secure: false });
  });
});
