import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * A real Express app: the middleware in front of a few routes, like a small site. Every route of the
 * real site answers with REAL_SITE and sets headers a CDN would cache.
 */
export function createApp(
  expressFactory: ExpressFactory,
  options: IntermissionOptions = {},
  setup?: (app: ReturnType<typeof express>) => void,
) {
  const app = expressFactory() as ReturnType<typeof express>;
  setup?.(app);
  const middleware = intermission({ configFile: false, env: {}, logger: recordingLogger(), ...options });
  app.use(middleware);
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
  return { app, middleware };
}

/** `null` means "must be absent" (helmet's check()). */
export function expectHeaders(res: Response, expected: Record<string, string | RegExp | null>): void {
  for (const [name, value] of Object.entries(expected)) {
    const actual = res.headers[name.toLowerCase()];
    if (value === null) expect(actual, `${name} must be absent`).toBeUndefined();
    else if (value instanceof RegExp) expect(actual, name).toMatch(value);
    else expect(actual, name).toBe(value);
  }
}

/** Asserts a response shows nothing of the real site. */
export function expectNoLeak(res: Response): void {
  expect(res.text ?? '').not.toContain(REAL_SITE);
  expect(JSON.stringify(res.body ?? '')).not.toContain(REAL_SITE);
}
