import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import express4 from 'express4';
import type { Response } from 'supertest';
import { expect } from 'vitest';
import { intermission } from '../../src/index.js';
import type { IntermissionOptions, Logger, LogDetails } from '../../src/index.js';

/** Both Express majors, for `describe.each(expressVersions)`. */
export const expressVersions = [
  ['express 5', express],
  ['express 4', express4],
] as const;

export type ExpressFactory = (typeof expressVersions)[number][1];

/** What the real site says: if any of it shows up in a gate response, something leaked. */
export const REAL_SITE = 'REAL-SITE-CONTENT';

/** A static folder with an asset and a secret file at its root (for traversal tests). */
export function staticDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'intermission-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'x.css'), 'body{color:red}');
  writeFileSync(join(dir, 'secret.html'), `<p>${REAL_SITE} secret file</p>`);
  return dir;
}

/** A logger that records, for tests that check what was logged (and that nothing is logged twice). */
export function recordingLogger(): Logger & { lines: { level: string; message: string; details?: LogDetails }[] } {
  const lines: { level: string; message: string; details?: LogDetails }[] = [];
  const record = (level: string) => (message: string, details?: LogDetails) => void lines.push({ level, message, details });
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

/** The routes of the real site, mounted after the middleware (or alone, for a baseline without it). */
function mountSite(app: ReturnType<typeof express>, expressFactory: ExpressFactory): void {
  app.use(expressFactory.static(staticDir(), { maxAge: '1d' }));
  app.get('/', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=600');
    res.set('Surrogate-Control', 'max-age=3600');
    res.send(`<h1>${REAL_SITE} home</h1>`);
  });
  app.get('/healthz', (_req, res) => void res.send('ok'));
  app.get('/whoami', (_req, res) => void res.json({ bypass: res.locals.intermission ?? null }));
  app.post('/webhook', (_req, res) => void res.send(`${REAL_SITE} webhook`));
  app.get('/boom', () => {
    throw new Error('route failed');
  });
}

/**
 * A real Express app: the middleware in front of a few routes, like a small site. Every route of the
 * real site answers with REAL_SITE and sets headers a CDN would cache. `setup` runs before the
 * middleware is mounted (app settings, host middleware); `afterGate` right after it, before the routes.
 * `logger` is the one the middleware writes to (a recording logger unless `options.logger` is given).
 */
export function createApp(
  expressFactory: ExpressFactory,
  options: IntermissionOptions = {},
  setup?: (app: ReturnType<typeof express>) => void,
  afterGate?: (app: ReturnType<typeof express>) => void,
) {
  const app = expressFactory();
  setup?.(app);
  const logger = options.logger ?? recordingLogger();
  const middleware = intermission({ configFile: false, env: {}, ...options, logger });
  app.use(middleware);
  afterGate?.(app);
  mountSite(app, expressFactory);
  return { app, middleware, logger };
}

/** The same site without Intermission: the baseline a pass-through response must equal. */
export function createSite(expressFactory: ExpressFactory, setup?: (app: ReturnType<typeof express>) => void) {
  const app = expressFactory();
  setup?.(app);
  mountSite(app, expressFactory);
  return { app };
}

/** Mount with `afterGate`: copies `res.locals.intermission` into `X-Test-Bypass`, for routes that do not show it. */
export function exposeBypass(app: ReturnType<typeof express>): void {
  app.use((_req, res, next) => {
    res.set('X-Test-Bypass', JSON.stringify(res.locals.intermission ?? null));
    next();
  });
}

/** A clock for the `now` option that only moves when told to. */
export function manualClock(start: number | string = '2026-06-01T12:00:00Z') {
  let t = typeof start === 'number' ? start : Date.parse(start);
  return {
    now: (): number => t,
    advance(ms: number): void {
      t += ms;
    },
    set(ms: number): void {
      t = ms;
    },
  };
}

/** The warnings logged with one code. */
export function warningsWith(logger: IntermissionOptions['logger'], code: string): LogDetails[] {
  const lines = (logger as ReturnType<typeof recordingLogger>).lines;
  return lines.filter((line) => line.level === 'warn' && line.details?.code === code).map((line) => line.details!);
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as sent: not decompressed, not parsed. */
  body: Buffer;
  text: string;
}

/** `true` when the loopback interface has an IPv6 address (`::1`), so IPv6 clients can be tested. */
export const HAS_IPV6_LOOPBACK = Object.values(networkInterfaces())
  .flat()
  .some((info) => info?.address === '::1');

/**
 * One request with `node:http`, the request target sent byte for byte (no URL normalisation, unlike
 * supertest), from `host` (`127.0.0.1` or `::1`) to the app listening on all interfaces.
 */
export async function rawRequest(
  app: ReturnType<typeof express>,
  options: { path: string; method?: string; headers?: OutgoingHttpHeaders; host?: string },
): Promise<RawResponse> {
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, () => resolve(listening));
  });
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<RawResponse>((resolve, reject) => {
      const req = httpRequest(
        {
          host: options.host ?? '127.0.0.1',
          port,
          path: options.path,
          method: options.method ?? 'GET',
          headers: options.headers,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** `null` means "must be absent" (helmet's check()). A list (Set-Cookie) is compared one item a line. */
export function expectHeaders(res: Response, expected: Record<string, string | RegExp | null>): void {
  for (const [name, value] of Object.entries(expected)) {
    const raw: unknown = res.headers[name.toLowerCase()];
    // Set-Cookie arrives as a list: match against all of them, one a line.
    const actual = Array.isArray(raw) ? raw.join('\n') : raw;
    if (value === null) expect(actual, `${name} must be absent`).toBeUndefined();
    else if (value instanceof RegExp) expect(actual, name).toMatch(value);
    else expect(actual, name).toBe(value);
  }
}

/** Asserts a response shows nothing of the real site. */
export function expectNoLeak(res: Response): void {
  // Binary responses leave res.text undefined at run time whatever its type says.
  expect(String(res.text as string | undefined)).not.toContain(REAL_SITE);
  expect(JSON.stringify(res.body ?? '')).not.toContain(REAL_SITE);
}
