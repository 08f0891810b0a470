import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import express4 from 'express4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPreviewToken, intermission } from '../../src/index.js';
import { recordingLogger } from '../helpers/app.js';

const SECRET = 's'.repeat(40);
const NOW = Date.parse('2026-12-01T10:00:00Z');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(server: Server, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The same app served two ways: Express with the middleware, and the fast listener in front of it. */
function pair(expressFactory: typeof express, mode: 'maintenance' | 'coming-soon') {
  const build = () => {
    const gate = intermission({
      mode,
      secret: SECRET,
      now: () => NOW,
      until: '2026-12-01T12:00:00Z',
      launchAt: '2026-12-03T12:00:00Z',
      allow: { ips: ['10.9.8.7'], paths: ['/assets/*'] },
      teaser: { title: 'Launch day', excerpt: 'A short excerpt.' },
      configFile: false,
      env: {},
      logger: recordingLogger(),
    });
    const app = expressFactory();
    app.set('trust proxy', 'loopback');
    app.use(gate);
    app.get('/', (_req, res) => void res.send('real site'));
    app.get('/assets/x.css', (_req, res) => void res.send('asset'));
    return { gate, app };
  };
  const viaMiddleware = build();
  const viaListener = build();
  return {
    middleware: createServer(viaMiddleware.app),
    listener: createServer(viaListener.gate.listener(viaListener.app)),
  };
}

const cookieFor = async (server: Server): Promise<string> => {
  const token = createPreviewToken(SECRET, { now: () => NOW });
  const res = await send(server, `/__intermission/preview?token=${token}`);
  return String(res.headers['set-cookie']).split(';')[0]!;
};

const CASES: [string, string, Record<string, string>, string?][] = [
  ['HTML gate', '/', {}],
  ['gzip gate', '/', { 'accept-encoding': 'gzip' }],
  ['brotli gate', '/', { 'accept-encoding': 'gzip, br' }],
  ['JSON gate', '/', { accept: 'application/json' }],
  ['problem gate', '/', { accept: 'application/problem+json' }],
  ['text gate', '/', { accept: 'text/plain' }],
  ['HEAD gate', '/', {}, 'HEAD'],
  ['POST gate', '/', {}, 'POST'],
  ['allowed path', '/assets/x.css', {}],
  ['traversal is not a path bypass', '/assets/../', {}],
  ['allowed IP via trusted proxy', '/', { 'x-forwarded-for': '10.9.8.7' }],
  ['spoofed IP behind an untrusted hop', '/', { 'x-forwarded-for': '10.9.8.7, 6.6.6.6' }],
  ['forged cookie', '/', { cookie: 'intermission_bypass=abc.def' }],
];

describe.each([
  ['express 5', express],
  ['express 4', express4],
])('listener(app) on %s', (_name, expressFactory) => {
  describe.each(['maintenance', 'coming-soon'] as const)('when the mode is %s', (mode) => {
    const servers = pair(expressFactory, mode);
    beforeAll(async () => {
      await new Promise<void>((resolve) => servers.middleware.listen(0, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => servers.listener.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => {
      servers.middleware.close();
      servers.listener.close();
    });

    it.each(CASES)('answers the %s exactly like the middleware', async (_case, path, headers, method) => {
      const [a, b] = await Promise.all([send(servers.middleware, path, headers, method), send(servers.listener, path, headers, method)]);
      expect(b.status).toBe(a.status);
      expect(b.body).toBe(a.body);
      // Connection details differ by server; everything the gate decides must not.
      const strip = (h: Answer['headers']) =>
        Object.fromEntries(Object.entries(h).filter(([name]) => !['date', 'connection', 'keep-alive'].includes(name)));
      expect(strip(b.headers)).toEqual(strip(a.headers));
    });

    it('lets a valid bypass cookie through to the app, like the middleware', async () => {
      const cookie = await cookieFor(servers.listener);
      const [a, b] = await Promise.all([send(servers.middleware, '/', { cookie }), send(servers.listener, '/', { cookie })]);
      expect(a.body).toBe('real site');
      expect(b.body).toBe('real site');
      expect(b.headers['cache-control']).toBe('private, no-store');
    });
  });
});
