import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPreviewToken, intermission } from '../../src/index.js';
import type { IntermissionOptions, UpgradeOptions } from '../../src/types.js';
import { expressVersions, manualClock, recordingLogger, warningsWith, type ExpressFactory } from '../helpers/app.js';

const SECRET = 's'.repeat(40);
const NOW = Date.parse('2026-12-01T10:00:00Z');
const UNTIL = '2026-12-01T12:00:00Z';
const LAUNCH = '2026-12-03T12:00:00Z';
const OPENED = 'WS-OPENED';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
}

/** Sends raw request bytes and reads until the server closes: nothing between us and the socket. */
function sendRaw(server: Server, bytes: string): Promise<RawAnswer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('the server neither answered nor closed')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      const bytes = Buffer.concat(chunks);
      const split = bytes.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = bytes
        .subarray(0, split === -1 ? bytes.length : split)
        .toString('latin1')
        .split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      const body = split === -1 ? Buffer.alloc(0) : bytes.subarray(split + 4);
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: body.toString('utf8'), bodyBytes: body.length });
    });
    socket.write(bytes);
  });
}

/** A WebSocket opening handshake for `path`, with extra header lines. */
const handshake = (path: string, extra: Record<string, string> = {}): string =>
  `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  Object.entries(extra)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('') +
  '\r\n';

const upgrade = (server: Server, path: string, extra?: Record<string, string>) => sendRaw(server, handshake(path, extra));

function get(
  server: Server,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const servers: Server[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

interface SiteOptions {
  trustProxy?: string | false;
  /** Serve through gate.listener(app) rather than the app itself. */
  viaListener?: boolean;
  upgradeOptions?: UpgradeOptions;
  /** Add the app's ws-like listener before calling gate.upgrade(). */
  listenerFirst?: boolean;
  /** No upgrade listener at all: upgrades go to the app. */
  noWebSocket?: boolean;
}

/**
 * A real site: Express with the gate, a node:http server, and a stand-in WebSocket server that
 * accepts every upgrade it sees (101, then a marker) and records what it saw.
 */
async function site(expressFactory: ExpressFactory, options: IntermissionOptions = {}, siteOptions: SiteOptions = {}) {
  const logger = recordingLogger();
  const gate = intermission({
    mode: 'maintenance',
    secret: SECRET,
    now: () => NOW,
    until: UNTIL,
    launchAt: LAUNCH,
    allow: { ips: ['10.9.8.7'], paths: ['/assets/*'] },
    configFile: false,
    env: {},
    logger,
    ...options,
  });
  const app = expressFactory();
  if (siteOptions.trustProxy !== false) app.set('trust proxy', siteOptions.trustProxy ?? 'loopback');
  app.use(gate);
  app.get('/', (_req, res) => void res.send('real site'));
  const server = createServer(siteOptions.viaListener ? gate.listener(app) : app);
  const seen: { url: string | undefined; head: Buffer }[] = [];
  const webSocket = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    seen.push({ url: req.url, head });
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n${OPENED}`);
  };
  if (!siteOptions.noWebSocket && siteOptions.listenerFirst) server.on('upgrade', webSocket);
  expect(gate.upgrade(server, siteOptions.upgradeOptions)).toBe(server);
  if (!siteOptions.noWebSocket && !siteOptions.listenerFirst) server.on('upgrade', webSocket);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { gate, app, server, seen, logger };
}

function expectRefused(answer: RawAnswer): void {
  expect(answer.status).toBe(503);
  expect(answer.headers['connection']).toBe('close');
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers['retry-after']).toBeTruthy();
  expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
  expect(Number(answer.headers['content-length'])).toBe(answer.bodyBytes);
  expect(answer.body).not.toContain(OPENED);
}

function expectOpened(answer: RawAnswer): void {
  expect(answer.status).toBe(101);
  expect(answer.body).toBe(OPENED);
}

describe.each(expressVersions)('gate.upgrade(server) on %s', (_name, expressFactory) => {
  describe.each([
    ['maintenance', new Date(UNTIL).toUTCString()],
    ['coming-soon', new Date(LAUNCH).toUTCString()],
  ] as const)('when the mode is %s', (mode, retryAfter) => {
    it('refuses a plain upgrade with a 503, the text page and Retry-After, and the ws server never sees it', async () => {
      const { server, seen } = await site(expressFactory, { mode });
      const answer = await upgrade(server, '/socket');
      expectRefused(answer);
      expect(answer.headers['retry-after']).toBe(retryAfter);
      // The same words the text/plain gate shows over HTTP.
      expect(answer.body).toBe((await get(server, '/', { accept: 'text/plain' })).body);
      expect(seen).toEqual([]);
    });

    it('refuses it whether the ws listener was added before or after gate.upgrade()', async () => {
      const { server, seen } = await site(expressFactory, { mode }, { listenerFirst: true });
      expectRefused(await upgrade(server, '/socket'));
      expect(seen).toEqual([]);
    });

    it('lets a valid bypass cookie through, and refuses forged, tampered and revoked ones', async () => {
      const { server, seen } = await site(expressFactory, { mode });
      const preview = await get(server, `/__intermission/preview?token=${createPreviewToken(SECRET, { now: () => NOW })}`);
      const cookie = String(preview.headers['set-cookie']).split(';')[0]!;
      expect(cookie).toMatch(/^intermission_bypass=/);
      expectOpened(await upgrade(server, '/socket', { cookie }));
      const value = cookie.slice(cookie.indexOf('=') + 1);
      const tampered = `intermission_bypass=${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`;
      for (const bad of [
        'intermission_bypass=abc.def',
        tampered,
        'intermission_bypass=',
        'intermission_bypass=%%%; ;;=',
        '__Host-intermission_bypass=abc.def',
      ]) {
        expectRefused(await upgrade(server, '/socket', { cookie: bad }));
      }
      expect(seen.map((s) => s.url)).toEqual(['/socket']);
    });

    it('binds the cookie to the scheme: the __Host- cookie only behind a trusted TLS proxy, the plain one only on plain HTTP', async () => {
      const { server, seen } = await site(expressFactory, { mode });
      const https = { 'x-forwarded-proto': 'https' };
      const preview = await get(server, `/__intermission/preview?token=${createPreviewToken(SECRET, { now: () => NOW })}`, https);
      const hostCookie = String(preview.headers['set-cookie']).split(';')[0]!;
      expect(hostCookie).toMatch(/^__Host-intermission_bypass=/);
      expectOpened(await upgrade(server, '/socket', { cookie: hostCookie, ...https }));
      // The same value over plain HTTP, or under the plain name on HTTPS, was not set for that scheme.
      expectRefused(await upgrade(server, '/socket', { cookie: hostCookie }));
      expectRefused(await upgrade(server, '/socket', { cookie: hostCookie.replace(/^__Host-/, ''), ...https }));
      // An untrusting app ignores X-Forwarded-Proto, so the __Host- cookie is refused there.
      const untrusting = await site(expressFactory, { mode }, { trustProxy: false });
      expectRefused(await upgrade(untrusting.server, '/socket', { cookie: hostCookie, ...https }));
      expect(seen.map((s) => s.url)).toEqual(['/socket']);
      expect(untrusting.seen).toEqual([]);
    });

    it('lets an admin IP through a trusted proxy, and refuses spoofed X-Forwarded-For', async () => {
      const trusted = await site(expressFactory, { mode });
      expectOpened(await upgrade(trusted.server, '/socket', { 'x-forwarded-for': '10.9.8.7' }));
      // The untrusted client put the admin IP first; the nearest untrusted hop is what counts.
      expectRefused(await upgrade(trusted.server, '/socket', { 'x-forwarded-for': '10.9.8.7, 6.6.6.6' }));
      expect(trusted.seen).toHaveLength(1);

      const untrusting = await site(expressFactory, { mode }, { trustProxy: false });
      expectRefused(await upgrade(untrusting.server, '/socket', { 'x-forwarded-for': '10.9.8.7' }));
      expectRefused(await upgrade(untrusting.server, '/socket', { forwarded: 'for=10.9.8.7', 'x-real-ip': '10.9.8.7' }));
      expect(untrusting.seen).toEqual([]);
    });

    it('lets an allowed path through, but not traversals, encoded dots or overlong paths', async () => {
      const { server, seen } = await site(expressFactory, { mode });
      expectOpened(await upgrade(server, '/assets/live'));
      for (const path of [
        '/assets/../socket',
        '/assets/%2e%2e/socket',
        '/assets/%2E%2E%2Fsocket',
        '/assets\\..\\socket',
        '//assets/live',
        `/assets/${'a'.repeat(5000)}`,
        '*',
      ]) {
        expectRefused(await upgrade(server, path));
      }
      expect(seen.map((s) => s.url)).toEqual(['/assets/live']);
    });
  });

  it('reads `trust proxy` from the app given, when the server runs gate.listener(app)', async () => {
    const withoutApp = await site(expressFactory, {}, { viaListener: true });
    // The request listener is not the app: nothing is trusted unless the app is named.
    expectRefused(await upgrade(withoutApp.server, '/socket', { 'x-forwarded-for': '10.9.8.7' }));
    const { app } = withoutApp;
    const withApp = await site(expressFactory, {}, { viaListener: true, upgradeOptions: { app } });
    expectOpened(await upgrade(withApp.server, '/socket', { 'x-forwarded-for': '10.9.8.7' }));
  });

  it('leaves upgrades untouched while the site is open, head bytes included', async () => {
    const { server, seen } = await site(expressFactory, { mode: 'off' });
    expectOpened(await sendRaw(server, handshake('/socket') + 'EARLY'));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.head.toString()).toBe('EARLY');
  });

  it('follows the schedule: refused before the launch, open after it', async () => {
    const clock = manualClock(NOW);
    const { server, seen } = await site(expressFactory, { mode: 'coming-soon', now: clock.now });
    expectRefused(await upgrade(server, '/socket'));
    clock.set(Date.parse(LAUNCH));
    expectOpened(await upgrade(server, '/socket'));
    expect(seen).toHaveLength(1);
  });

  it('adds no upgrade listener: without a ws server, upgrades still reach Express and its gate', async () => {
    const { server } = await site(expressFactory, {}, { noWebSocket: true });
    expect(server.listenerCount('upgrade')).toBe(0);
    const answer = await sendRaw(
      server,
      handshake('/', { accept: 'text/plain' }).replace('Connection: Upgrade', 'Connection: Upgrade, close'),
    );
    expect(answer.status).toBe(503);
    expect(answer.body).toContain('be back soon');
  });

  it('does not ask allow.bypass (written for requests that passed the app), only options.bypass', async () => {
    const fromConfig = await site(expressFactory, { allow: { ips: [], bypass: () => true } });
    expect((await get(fromConfig.server, '/')).body).toBe('real site');
    expectRefused(await upgrade(fromConfig.server, '/socket'));

    const staff = (req: IncomingMessage) => req.headers['x-staff'] === 'yes';
    for (const bypass of [staff, (req: IncomingMessage) => Promise.resolve(staff(req))]) {
      const { server, seen } = await site(expressFactory, {}, { upgradeOptions: { bypass } });
      expectOpened(await upgrade(server, '/socket', { 'x-staff': 'yes' }));
      expectRefused(await upgrade(server, '/socket', { 'x-staff': 'no' }));
      expect(seen).toHaveLength(1);
    }
  });

  it('refuses when options.bypass throws, rejects, answers non-true or never answers (after 2 s), and warns', async () => {
    const failing: UpgradeOptions['bypass'][] = [
      () => {
        throw new Error('session store down');
      },
      () => Promise.reject(new Error('session store down')),
      () => 'yes' as unknown as boolean,
    ];
    for (const bypass of failing) {
      const { server, seen } = await site(expressFactory, {}, { upgradeOptions: { bypass } });
      expectRefused(await upgrade(server, '/socket'));
      expect(seen).toEqual([]);
    }

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let asked!: () => void;
    const wasAsked = new Promise<void>((resolve) => (asked = resolve));
    const { server, seen, logger } = await site(
      expressFactory,
      {},
      {
        upgradeOptions: {
          bypass: () => {
            asked();
            return new Promise<boolean>(() => {});
          },
        },
      },
    );
    const answer = upgrade(server, '/socket');
    await wasAsked;
    await vi.advanceTimersByTimeAsync(1999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warningsWith(logger, 'WRN_INTERMISSION_BYPASS_FAILED')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expectRefused(await answer);
    expect(warningsWith(logger, 'WRN_INTERMISSION_BYPASS_FAILED')).toHaveLength(1);
    expect(seen).toEqual([]);
  });

  it('survives sockets that fail: reset by the client, or destroyed while a rule thinks', async () => {
    const closing = await site(expressFactory);
    const { port } = closing.server.address() as AddressInfo;
    await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<void>((resolve) => {
            const socket = connect(port, '127.0.0.1', () => {
              socket.write(handshake('/socket'));
              socket.resetAndDestroy();
            });
            socket.on('error', () => {});
            socket.on('close', () => resolve());
          }),
      ),
    );
    expectRefused(await upgrade(closing.server, '/socket'));

    const thinking = await site(
      expressFactory,
      {},
      {
        upgradeOptions: {
          bypass: (req) => {
            req.socket.destroy(new Error('reset during the lookup'));
            return new Promise<boolean>((resolve) => setImmediate(() => resolve(true)));
          },
        },
      },
    );
    const answer = await upgrade(thinking.server, '/socket');
    expect(answer.status).toBe(0); // closed without an answer
    expect(thinking.seen).toEqual([]);
  });

  it('answers malformed requests without reaching the ws server', async () => {
    const { server, seen } = await site(expressFactory);
    // Node's parser refuses these before any upgrade event.
    expect(
      (await sendRaw(server, 'GET /socket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nBad Header\r\n\r\n')).status,
    ).toBe(400);
    expect((await sendRaw(server, 'GET /so cket x HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')).status).toBe(400);
    // No Host, a junk key, a POST: still an upgrade to Node, still refused by the gate.
    expectRefused(
      await sendRaw(server, 'GET /socket HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: %%%\r\n\r\n'),
    );
    expectRefused(
      await sendRaw(server, 'POST /socket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\nhello'),
    );
    expect(seen).toEqual([]);
  });

  it('is idempotent per server and refuses what is not a server', async () => {
    const { gate, app, server, seen } = await site(expressFactory, { mode: 'off' });
    expect(gate.upgrade(server)).toBe(server);
    expectOpened(await upgrade(server, '/socket'));
    expect(seen).toHaveLength(1);
    expect(() => gate.upgrade(app as unknown as Server)).toThrow(/upgrade\(server\) needs the node:http or node:https server/);
    expect(() => gate.upgrade(createServer(), { app: {} as UpgradeOptions['app'] })).toThrow(/needs the Express app/);
  });
});
