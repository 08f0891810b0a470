/**
 * The open-path matcher in front of a real `express.static`, on Express 5 and 4: no spelling of
 * "a path under /assets/" may reach a file outside it. Requests go out over a raw socket so every
 * byte of the request target is sent as written (HTTP clients normalise or refuse some of them).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import express4 from 'express4';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePathRules, DEFAULT_OPEN_PATHS } from '../../src/bypass/path-rules.js';
import { ASSETS_TRAVERSALS } from '../helpers/traversals.js';

const SECRET = 'TOP-SECRET-7d3f9a1c';
const ASSET = 'body{color:rebeccapurple}';

/** Every way we know of to say "secret.html" while looking like a path under an open prefix. */
const TRAVERSALS = [
  ...ASSETS_TRAVERSALS,
  '/assets/%2e%2E/secret.html',
  '/assets/..%5Csecret.html',
  '/assets/%2e%2e%2fsecret.html',
  '/assets/%2e%2e/%2e%2e/secret.html',
  '/assets/./../secret.html',
  '/assets/./x.css',
  '//assets/x.css',
  '//assets/../secret.html',
  '/assets//x.css',
  '/assets/x.css%00',
  '/assets/x%00.css',
  '/assets/%00/../secret.html',
  '/assets/%zz/../secret.html',
  '/assets/..%c0%afsecret.html',
  '/assets/%u002e%u002e/secret.html',
  '/assets/\xc0\xae\xc0\xae/secret.html', // raw overlong-UTF-8 bytes, sent as latin1
  '/assets/\uff0e\uff0e/secret.html', // full-width dots; Node sends their low bytes
  '/assets;/../secret.html',
  '/assets/.../secret.html',
  '/assets/..%20/secret.html',
  '/assets/..%09/secret.html',
  '/ASSETS/../secret.html',
  '/assets-private/../secret.html',
  '/assets/x.css/../../secret.html',
  '/healthz/../secret.html',
  '/healthz/%2e%2e/secret.html',
  '/robots.txt/..%2fsecret.html',
  '/.well-known/../secret.html',
  '/.well-known/%2e%2e/secret.html',
  '/secret.html',
  '/secret.html?/assets/x.css',
  '/secret.html#/assets/x.css',
  '/secret.html;/assets/x.css',
  '/%73ecret.html',
  'http://localhost/assets/../secret.html',
  'http://localhost/assets/%2e%2e/secret.html',
  'http://localhost/secret.html',
  '*',
];

interface RawResponse {
  status: number;
  body: string;
}

/** Sends one GET with `target` exactly as given and reads the whole answer (the connection closes). */
function rawGet(port: number, target: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`timeout for ${target}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const split = text.indexOf('\r\n\r\n');
      resolve({ status, body: split < 0 ? '' : text.slice(split + 4) });
    });
    // write, not end: a half-closed client makes Node drop a response that is still being streamed.
    socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}

type Factory = typeof express;

/** The tiny gate under test: open paths go on, everything else gets 503 "closed". */
function gate(isOpen: (originalUrl: string) => boolean): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (isOpen(req.originalUrl)) next();
    else res.status(503).type('text/plain').send('closed');
  };
}

function listen(app: ReturnType<Factory>): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'intermission-traversal-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'assets', 'x.css'), ASSET);
  writeFileSync(join(root, 'secret.html'), `<p>${SECRET}</p>`);
  writeFileSync(join(root, 'robots.txt'), 'User-agent: *');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe.each<[string, Factory]>([
  ['express 5', express],
  ['express 4', express4],
])('%s: open paths in front of express.static', (_name, factory) => {
  const { matcher, errors } = compilePathRules([...DEFAULT_OPEN_PATHS, '/assets/*']);
  const servers: Server[] = [];
  let port = 0;
  let naivePort = 0;
  let ungatedPort = 0;
  let mountedPort = 0;

  beforeAll(async () => {
    expect(errors).toEqual([]);
    const start = async (setup: (app: ReturnType<Factory>) => void): Promise<number> => {
      const app = factory();
      setup(app);
      const server = await listen(app);
      servers.push(server);
      return portOf(server);
    };
    port = await start((app) => {
      app.use(gate((url) => matcher.matches(url)));
      app.use(factory.static(root));
    });
    // Controls: without a gate, and with a naive prefix check, the secret is reachable, so this
    // test would notice if the real matcher let it through.
    ungatedPort = await start((app) => app.use(factory.static(root)));
    naivePort = await start((app) => {
      app.use(gate((url) => url.startsWith('/assets/')));
      app.use(factory.static(root));
    });
    // Mounted under a path: the gate sees req.originalUrl, the full path as received.
    const mounted = compilePathRules(['/static/assets/*']).matcher;
    mountedPort = await start((app) => {
      app.use(
        '/static',
        gate((url) => mounted.matches(url)),
        factory.static(root),
      );
    });
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('serves the open asset and closes the secret file', async () => {
    const asset = await rawGet(port, '/assets/x.css');
    expect(asset.status).toBe(200);
    expect(asset.body).toBe(ASSET);
    expect(await rawGet(port, '/assets/x.css?v=1')).toMatchObject({ status: 200, body: ASSET });
    expect(await rawGet(port, '/assets/x.css?/../../secret.html')).toMatchObject({ status: 200, body: ASSET });
    expect(await rawGet(port, '/assets/%78.css')).toMatchObject({ status: 200, body: ASSET });
    expect(await rawGet(port, '/robots.txt')).toMatchObject({ status: 200 });
    expect(await rawGet(port, '/secret.html')).toMatchObject({ status: 503, body: 'closed' });
  });

  it('the controls can see a leak', async () => {
    expect((await rawGet(ungatedPort, '/secret.html')).body).toContain(SECRET);
    const leaks = await Promise.all(
      TRAVERSALS.map(async (target) => ((await rawGet(naivePort, target)).body.includes(SECRET) ? target : undefined)),
    );
    // send() decodes once, then resolves `..` inside its root: these reach the secret file.
    expect(leaks).toEqual(expect.arrayContaining(['/assets/../secret.html', '/assets/%2e%2e/secret.html', '/assets/..%2fsecret.html']));
  });

  it.each(TRAVERSALS)('%j never returns the secret', async (target) => {
    const response = await rawGet(port, target);
    expect(response.status).not.toBe(0);
    expect(response.body).not.toContain(SECRET);
    expect(response.status).not.toBe(200);
  });

  it('works wherever the gate is mounted (req.originalUrl)', async () => {
    expect(await rawGet(mountedPort, '/static/assets/x.css')).toMatchObject({ status: 200, body: ASSET });
    for (const target of [
      '/static/secret.html',
      '/static/assets/../secret.html',
      '/static/assets/%2e%2e/secret.html',
      '/static/assets/..%2fsecret.html',
    ]) {
      const response = await rawGet(mountedPort, target);
      expect(response.body, target).not.toContain(SECRET);
    }
  });
});
