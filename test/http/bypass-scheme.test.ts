import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { signBypassCookie } from '../../src/bypass/bypass-cookie.js';
import { createKeyRing } from '../../src/bypass/keys.js';
import { createPreviewToken, intermission, type IntermissionOptions } from '../../src/index.js';
import { createApp, expressVersions, recordingLogger, warningsWith, type ExpressFactory } from '../helpers/app.js';

// The bypass cookie is bound to the scheme it was set on (issue 12, item 4): `__Host-` only on
// secure requests, the plain name only on plain ones, "secure" decided like Express's req.secure
// (TLS, or a trusted proxy's X-Forwarded-Proto), in the middleware and in the listener alike.

const SECRET = 'scheme-secret-0123456789-abcdefghijklmnopqrstu';
const NOW = Date.parse('2026-06-01T12:00:00Z');
const VALUE = signBypassCookie(createKeyRing([SECRET]), NOW - 1000, NOW + 3_600_000);
const PLAIN = `intermission_bypass=${VALUE}`;
const HOST = `__Host-intermission_bypass=${VALUE}`;
const HTTPS = { 'X-Forwarded-Proto': 'https' };

type Trust = false | 'loopback';

function options(logger = recordingLogger()): IntermissionOptions {
  return { mode: 'maintenance', secret: SECRET, now: () => NOW, configFile: false, env: {}, logger };
}

function middlewareApp(express: ExpressFactory, trust: Trust) {
  return createApp(express, options(), (app) => void app.set('trust proxy', trust));
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** The same app behind gate.listener(app): the listener decides before Express, the middleware after. */
async function listenerServer(express: ExpressFactory, trust: Trust): Promise<number> {
  const gate = intermission(options());
  const app = express();
  app.set('trust proxy', trust);
  app.use(gate);
  app.get('/whoami', (_req, res) => void res.json({ bypass: res.locals.intermission ?? null }));
  const server = createServer(gate.listener(app));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function get(port: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: '/whoami', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    })
      .on('error', reject)
      .end();
  });
}

/** [what, trust proxy, extra headers, cookie, let through?] */
const CASES: [string, Trust, Record<string, string>, string, boolean][] = [
  ['the plain cookie over plain HTTP', false, {}, PLAIN, true],
  ['the __Host- cookie over plain HTTP', false, {}, HOST, false],
  ['the __Host- cookie with X-Forwarded-Proto: https from an untrusted peer', false, HTTPS, HOST, false],
  ['the plain cookie with X-Forwarded-Proto: https from an untrusted peer', false, HTTPS, PLAIN, true],
  ['the __Host- cookie over HTTPS at a trusted proxy', 'loopback', HTTPS, HOST, true],
  ['the plain cookie over HTTPS at a trusted proxy', 'loopback', HTTPS, PLAIN, false],
  ['the __Host- cookie over HTTP at a trusted proxy', 'loopback', { 'X-Forwarded-Proto': 'http' }, HOST, false],
  ['the __Host- cookie when a trusted proxy sends "https, http"', 'loopback', { 'X-Forwarded-Proto': 'https, http' }, HOST, true],
  ['the __Host- cookie when a trusted proxy sends "http, https"', 'loopback', { 'X-Forwarded-Proto': 'http, https' }, HOST, false],
  ['both cookies over plain HTTP (the plain one counts)', false, {}, `${HOST}; ${PLAIN}`, true],
  ['both cookies over HTTPS at a trusted proxy (the __Host- one counts)', 'loopback', HTTPS, `${PLAIN}; ${HOST}`, true],
  ['the __Host- cookie with a forged value over HTTPS', 'loopback', HTTPS, `__Host-intermission_bypass=${VALUE.slice(0, -1)}A`, false],
];

describe.each(expressVersions)('%s', (_name, express) => {
  describe('the bypass cookie is bound to the scheme', () => {
    it.each(CASES)('middleware: %s', async (_what, trust, headers, cookie, through) => {
      const { app } = middlewareApp(express, trust);
      const res = await request(app).get('/whoami').set(headers).set('Cookie', cookie);
      expect(res.status).toBe(through ? 200 : 503);
      if (through) expect(res.body).toEqual({ bypass: { mode: 'maintenance', bypass: 'cookie' } });
    });

    it.each(CASES)('listener: %s', async (_what, trust, headers, cookie, through) => {
      const port = await listenerServer(express, trust);
      const res = await get(port, { ...headers, Cookie: cookie });
      expect(res.status).toBe(through ? 200 : 503);
      if (through) expect(JSON.parse(res.body)).toEqual({ bypass: { mode: 'maintenance', bypass: 'cookie' } });
    });
  });

  describe('WRN_INTERMISSION_PREVIEW_OVER_HTTP', () => {
    const link = `/__intermission/preview?token=${encodeURIComponent(createPreviewToken(SECRET, { now: () => NOW }))}`;

    it('warns once when a preview link arrives over HTTP with X-Forwarded-Proto: https (trust proxy missing)', async () => {
      const { app, logger } = middlewareApp(express, false);
      for (let i = 0; i < 3; i++) {
        const res = await request(app).get(link).set(HTTPS);
        expect(res.status).toBe(303);
        expect(String(res.headers['set-cookie'])).toMatch(/^intermission_bypass=/);
      }
      expect(warningsWith(logger, 'WRN_INTERMISSION_PREVIEW_OVER_HTTP')).toHaveLength(1);
    });

    it.each([
      ['behind a trusted TLS proxy', 'loopback', HTTPS],
      ['over plain HTTP without the header', false, {}],
      ['when the proxy says http', false, { 'X-Forwarded-Proto': 'http' }],
    ] as const)('stays quiet %s', async (_what, trust, headers) => {
      const { app, logger } = middlewareApp(express, trust);
      expect((await request(app).get(link).set(headers)).status).toBe(303);
      expect(warningsWith(logger, 'WRN_INTERMISSION_PREVIEW_OVER_HTTP')).toHaveLength(0);
    });

    it('stays quiet for an invalid link (no cookie is set)', async () => {
      const { app, logger } = middlewareApp(express, false);
      expect((await request(app).get('/__intermission/preview?token=junk').set(HTTPS)).status).toBe(403);
      expect(warningsWith(logger, 'WRN_INTERMISSION_PREVIEW_OVER_HTTP')).toHaveLength(0);
    });
  });
});
