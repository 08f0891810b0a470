import { Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { signBypassCookie } from '../../src/bypass/bypass-cookie.js';
import { createKeyRing } from '../../src/bypass/keys.js';
import { intermission, type IntermissionOptions, type StateStore } from '../../src/index.js';
import { createApp, exposeBypass, expressVersions, manualClock, REAL_SITE, type ExpressFactory } from '../helpers/app.js';

// A bypass cookie is remembered on the connection that showed it (src/bypass/cookie-memo.ts): these
// requests all go over one keep-alive connection, and each one must get the answer a fresh
// connection would get, whatever changed since the one before.

const SECRET_A = 'memo-alpha-secret-0123456789-abcdefghijklmnopq';
const SECRET_B = 'memo-bravo-secret-0123456789-abcdefghijklmnopq';
const NOW = Date.parse('2026-06-01T12:00:00Z');
const HOUR = 3_600_000;
const cookieOf = (secret: string, name = 'intermission_bypass', issuedAt = NOW - 1000, expiresAt = NOW + HOUR): string =>
  `${name}=${signBypassCookie(createKeyRing([secret]), issuedAt, expiresAt)}`;
const PLAIN_A = cookieOf(SECRET_A);

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/**
 * The app listening, and a client that sends every request over the same connection: one keep-alive
 * socket. `connections()` counts the connections the server accepted, to show that it stayed one.
 */
async function oneConnection(app: ReturnType<typeof express>) {
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, () => resolve(listening));
  });
  let accepted = 0;
  server.on('connection', () => {
    accepted += 1;
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  closers.push(async () => {
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  const get = (path: string, headers: OutgoingHttpHeaders = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  return { get, connections: () => accepted };
}

function gateOptions(extra: IntermissionOptions = {}): IntermissionOptions {
  return { mode: 'maintenance', secret: SECRET_A, now: () => NOW, ...extra };
}

function expectOpen(answer: Answer): void {
  expect(answer.status).toBe(200);
  expect(answer.text).toContain(REAL_SITE);
  expect(answer.headers['cache-control']).toBe('private, no-store');
}

function expectClosed(answer: Answer): void {
  expect(answer.status).toBe(503);
  expect(answer.text).not.toContain(REAL_SITE);
}

describe.each(expressVersions)('%s: a bypass cookie on a keep-alive connection', (_name, expressFactory: ExpressFactory) => {
  it('opens every request on the connection, each one private and marked as a cookie bypass', async () => {
    const { app } = createApp(expressFactory, gateOptions(), undefined, exposeBypass);
    const client = await oneConnection(app);
    for (let i = 0; i < 4; i++) {
      const answer = await client.get('/', { Cookie: PLAIN_A });
      expectOpen(answer);
      expect(JSON.parse(answer.headers['x-test-bypass'] as string)).toEqual({ mode: 'maintenance', bypass: 'cookie' });
    }
    expectClosed(await client.get('/'));
    expect(client.connections()).toBe(1);
  });

  it('closes the next request once the cookie has expired', async () => {
    const clock = manualClock(NOW);
    const { app } = createApp(expressFactory, gateOptions({ now: clock.now }));
    const client = await oneConnection(app);
    expectOpen(await client.get('/', { Cookie: PLAIN_A }));
    clock.advance(HOUR);
    expectClosed(await client.get('/', { Cookie: PLAIN_A }));
    expect(client.connections()).toBe(1);
  });

  it('closes the next request once previews are revoked', async () => {
    let state: Awaited<ReturnType<StateStore['get']>> = { mode: 'maintenance', updatedAt: '2026-06-01T11:00:00Z' };
    const { app, middleware } = createApp(expressFactory, gateOptions({ store: { get: () => state }, pollInterval: 50 }));
    await middleware.ready();
    const client = await oneConnection(app);
    expectOpen(await client.get('/', { Cookie: PLAIN_A }));
    state = { mode: 'maintenance', updatedAt: '2026-06-01T11:30:00Z', previewsValidAfter: new Date(NOW).toISOString() };
    const deadline = Date.now() + 2000;
    while (middleware.status().previewsValidAfter === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(middleware.status().previewsValidAfter).toBe(new Date(NOW).toISOString());
    expectClosed(await client.get('/', { Cookie: PLAIN_A }));
    // A cookie issued after the revocation opens again.
    expectOpen(await client.get('/', { Cookie: cookieOf(SECRET_A, undefined, NOW) }));
    expect(client.connections()).toBe(1);
  });

  it('checks a changed Cookie header afresh: tampered, duplicated, or another cookie beside it', async () => {
    const { app } = createApp(expressFactory, gateOptions());
    const client = await oneConnection(app);
    expectOpen(await client.get('/', { Cookie: PLAIN_A }));
    const tampered = PLAIN_A.slice(0, -1) + (PLAIN_A.endsWith('A') ? 'B' : 'A');
    expectClosed(await client.get('/', { Cookie: tampered }));
    expectClosed(await client.get('/', { Cookie: `${PLAIN_A}; ${PLAIN_A}` }));
    expectClosed(await client.get('/', { Cookie: cookieOf(SECRET_B) }));
    expectOpen(await client.get('/', { Cookie: `theme=dark; ${PLAIN_A}` }));
    expectOpen(await client.get('/', { Cookie: PLAIN_A }));
    expect(client.connections()).toBe(1);
  });

  it('reads the scheme again when X-Forwarded-Proto comes: a plain cookie does not count over HTTPS', async () => {
    const { app } = createApp(expressFactory, gateOptions(), (site) => void site.set('trust proxy', 'loopback'));
    const client = await oneConnection(app);
    expectOpen(await client.get('/', { Cookie: PLAIN_A }));
    expectClosed(await client.get('/', { Cookie: PLAIN_A, 'X-Forwarded-Proto': 'https' }));
    expectOpen(await client.get('/', { Cookie: `__Host-${PLAIN_A}`, 'X-Forwarded-Proto': 'https' }));
    expectOpen(await client.get('/', { Cookie: PLAIN_A }));
    expect(client.connections()).toBe(1);
  });

  it("lets one gate's cookie open nothing behind another gate on the same connection", async () => {
    // The same secret, so only the cookie's name tells the gates apart; and a third gate with its own secret.
    const app = expressFactory();
    const quiet = { configFile: false, env: {}, logger: false } as const;
    app.use('/a', intermission({ ...gateOptions(), ...quiet }));
    app.use('/b', intermission({ ...gateOptions({ cookie: { name: 'b_bypass' } }), ...quiet }));
    app.use('/c', intermission({ ...gateOptions({ secret: SECRET_B }), ...quiet }));
    app.get(['/a', '/b', '/c'], (_req, res) => void res.send(REAL_SITE));
    const client = await oneConnection(app);
    expectOpen(await client.get('/a', { Cookie: PLAIN_A }));
    expectClosed(await client.get('/b', { Cookie: PLAIN_A }));
    expectClosed(await client.get('/c', { Cookie: PLAIN_A }));
    expectOpen(await client.get('/a', { Cookie: PLAIN_A }));
    expectOpen(await client.get('/b', { Cookie: cookieOf(SECRET_A, 'b_bypass') }));
    expect(client.connections()).toBe(1);
  });

  it("reads an app's own req.secure even when the connection remembers the cookie", async () => {
    // One gate mounted twice: in the app, and in a sub-app whose requests say they are secure.
    const gate = intermission({ ...gateOptions(), configFile: false, env: {}, logger: false });
    const app = expressFactory();
    const inner = expressFactory();
    Object.defineProperty(inner.request, 'secure', { configurable: true, get: () => true });
    app.get('/outer', gate, (_req, res) => void res.send(REAL_SITE));
    inner.get('/inner', gate, (_req, res) => void res.send(REAL_SITE));
    app.use(inner);
    const client = await oneConnection(app);
    expectOpen(await client.get('/outer', { Cookie: PLAIN_A }));
    // Secure there: the plain name is not the bypass cookie, the `__Host-` one is.
    expectClosed(await client.get('/inner', { Cookie: PLAIN_A }));
    expectOpen(await client.get('/inner', { Cookie: `__Host-${PLAIN_A}` }));
    expect(client.connections()).toBe(1);
  });
});
