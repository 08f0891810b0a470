import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { IntermissionOptions } from '../../src/index.js';
import { createApp, manualClock, type ExpressFactory } from '../helpers/app.js';

export const NOW = '2026-06-01T12:00:00Z';
export const PATH = '/__intermission/subscribe';
export const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

/** A fresh directory for the embedded store's file. */
export function listFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'intermission-signup-')), 'subscribers.jsonl');
}

/** The lines of the list file, parsed (none when it was never written). */
export function listLines(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * A coming-soon app with the launch list on, a list file of its own, and a manual clock. It trusts
 * X-Forwarded-For (as behind a proxy), so each test client can have an address of its own.
 */
export function signupApp(express: ExpressFactory, options: IntermissionOptions = {}, afterGate?: Parameters<typeof createApp>[3]) {
  const file = listFile();
  const clock = manualClock(NOW);
  const built = createApp(
    express,
    { mode: 'coming-soon', now: clock.now, signup: { file }, ...options },
    (app) => app.set('trust proxy', 'loopback'),
    afterGate,
  );
  return { ...built, clock, file };
}

/** The form token in the page the app serves now. */
export async function pageToken(app: Parameters<typeof request>[0]): Promise<string> {
  const page = await request(app).get('/').set('Accept', 'text/html');
  const token = /name="token" value="([^"]+)"/.exec(page.text)?.[1];
  if (!token) throw new Error('no form token in the page');
  return token;
}

let clients = 0;
/** A client address of its own (the rate limit counts per address), unless one is given. */
export function clientIp(): string {
  clients++;
  return `198.51.${(clients >> 8) & 255}.${clients & 255}`;
}

/** A JSON signup as the page's script sends it. */
export function postJson(app: Parameters<typeof request>[0], body: unknown, ip = clientIp()) {
  return request(app)
    .post(PATH)
    .set('X-Forwarded-For', ip)
    .set('Accept', 'application/json')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
}

/** A form post as a browser without JavaScript sends it. */
export function postForm(app: Parameters<typeof request>[0], body: string, ip = clientIp()) {
  return request(app)
    .post(PATH)
    .set('X-Forwarded-For', ip)
    .set('Accept', 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8')
    .set('Content-Type', 'application/x-www-form-urlencoded')
    .send(body);
}
