import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { intermission } from '../../src/index.js';
import request from 'supertest';
import { expressVersions, recordingLogger, type ExpressFactory } from '../helpers/app.js';

const OPENED = 'WS-OPENED';
const servers: Server[] = [];
afterEach(async () => {
  while (servers.length) {
    const server = servers.pop()!;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** Sends an upgrade request with the target byte for byte and reads until the server closes. */
function upgrade(server: Server, path: string): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

async function serve(expressFactory: ExpressFactory, mountPath: string | undefined, options: Parameters<typeof intermission>[0] = {}) {
  const gate = intermission({ mode: 'maintenance', configFile: false, env: {}, logger: recordingLogger(), ...options });
  const app = expressFactory();
  if (mountPath === undefined) app.use(gate);
  else app.use(mountPath, gate);
  app.get('/', (_req, res) => void res.send('home'));
  const server = createServer(app);
  gate.upgrade(server);
  const seen: (string | undefined)[] = [];
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    seen.push(req.url);
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n${OPENED}`);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, app, seen };
}

describe.each(expressVersions)('only, for upgrade requests (%s)', (_name, expressFactory) => {
  it('refuses upgrades to closed or ambiguous paths and passes the rest', async () => {
    const { server, seen } = await serve(expressFactory, undefined, { only: ['/blog/*'] });

    for (const path of ['/live', '/blogx/live']) expect(await upgrade(server, path), path).toMatch(/^HTTP\/1\.1 101 [\s\S]*WS-OPENED$/);
    for (const path of ['/blog/live', '/BLOG/live', '/blog', '//blog/live', '/x/%2e%2e/blog/live', '/%62log/live', '/blog;x']) {
      const answer = await upgrade(server, path);
      expect(answer, path).toMatch(/^HTTP\/1\.1 503 /);
      expect(answer, path).not.toContain(OPENED);
    }
    expect(seen).toEqual(['/live', '/blogx/live']);
  });
});

describe.each(expressVersions)('gate.upgrade() for a gate mounted below / (%s)', (_name, expressFactory) => {
  it('refuses every upgrade until the mount is known (fail closed), then only those under it', async () => {
    const { server, app, seen } = await serve(expressFactory, '/blog');
    expect(await upgrade(server, '/live'), 'mount not known yet').toMatch(/^HTTP\/1\.1 503 /);
    expect((await request(app).get('/blog/post')).status).toBe(503);
    expect(await upgrade(server, '/live')).toMatch(/^HTTP\/1\.1 101 [\s\S]*WS-OPENED$/);
    expect(await upgrade(server, '/blogx/live')).toMatch(/^HTTP\/1\.1 101 /);
    for (const path of ['/blog/live', '/BLOG/live', '/blog', '/x/%2e%2e/blog/live', '/%62log/live', '//blog/live', '/x/../blog']) {
      expect(await upgrade(server, path), path).toMatch(/^HTTP\/1\.1 503 /);
    }
    expect(seen).toEqual(['/live', '/blogx/live']);
  });

  it('covers every path once a path-parameter mount has produced too many mount paths', async () => {
    const { server, app } = await serve(expressFactory, '/:tenant');
    for (let i = 0; i < 40; i++) await request(app).get(`/t${i}/x`);
    expect(await upgrade(server, '/live')).toMatch(/^HTTP\/1\.1 503 /);
  });
});
