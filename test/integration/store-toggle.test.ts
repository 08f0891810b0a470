import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStore, intermission, type IntermissionStatus, type StateStore } from '../../src/index.js';
import { recordingLogger } from '../helpers/app.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

function app(options: Parameters<typeof intermission>[0]) {
  const logger = recordingLogger();
  const middleware = intermission({ configFile: false, env: {}, logger, ...options });
  closers.push(() => middleware.close());
  const server = express();
  server.use(middleware);
  server.get('/', (_req, res) => void res.send('open'));
  return { server, middleware, logger };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

function stateFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'intermission-toggle-')), 'state.json');
}

describe('store', () => {
  describe('when a file store is written while the app runs', () => {
    it('switches to maintenance within 1 s and back on up, with no restart', async () => {
      const path = stateFile();
      const { server, middleware } = app({ env: { INTERMISSION_STATE_FILE: path } });
      await middleware.ready();
      expect((await request(server).get('/')).status).toBe(200);

      const writer = fileStore(path);
      closers.push(() => Promise.resolve(writer.close?.()));
      await writer.set!({ mode: 'maintenance', updatedAt: new Date().toISOString(), message: 'Upgrading the database' });
      const closedAfter = await until(async () => (await request(server).get('/')).status === 503, 1000);
      expect(closedAfter).toBeLessThan(1000);
      expect((await request(server).get('/').set('Accept', 'application/json')).body.message).toBe('Upgrading the database');
      expect(middleware.status()).toMatchObject({ mode: 'maintenance', source: 'store' });

      await writer.set!({ mode: 'off', updatedAt: new Date().toISOString() });
      await until(async () => (await request(server).get('/')).status === 200, 1000);
      expect(middleware.status()).toMatchObject({ mode: 'off', source: 'store' });
    });

    it('keeps the last good state when the file turns corrupt, and warns once', async () => {
      const path = stateFile();
      writeFileSync(path, JSON.stringify({ mode: 'maintenance', updatedAt: new Date().toISOString() }));
      const { server, middleware, logger } = app({ env: { INTERMISSION_STATE_FILE: path } });
      await middleware.ready();
      expect((await request(server).get('/')).status).toBe(503);
      writeFileSync(path, '{ "mode": "of');
      await until(() => logger.lines.some((line) => line.details?.code === 'WRN_INTERMISSION_STORE_FAILED'), 2000);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect((await request(server).get('/')).status).toBe(503);
      expect(logger.lines.filter((line) => line.details?.code === 'WRN_INTERMISSION_STORE_FAILED')).toHaveLength(1);
      expect(middleware.status().storeError).toMatch(/not valid JSON/);
    });

    it('falls back to config and env when the file is deleted', async () => {
      const path = stateFile();
      writeFileSync(path, JSON.stringify({ mode: 'maintenance', updatedAt: new Date().toISOString() }));
      const { server, middleware } = app({ mode: 'coming-soon', env: { INTERMISSION_STATE_FILE: path } });
      await middleware.ready();
      expect((await request(server).get('/')).status).toBe(503);
      const { rmSync } = await import('node:fs');
      rmSync(path);
      await until(async () => (await request(server).get('/')).status === 200, 1500);
      expect(middleware.status()).toMatchObject({ mode: 'coming-soon', source: 'options' });
    });
  });

  describe('when the store option is given', () => {
    it('rejects a store without get() at construction, naming it', () => {
      expect(() => intermission({ configFile: false, env: {}, store: {} as StateStore })).toThrow(/store\.get must be a function/);
    });

    it('polls a store that cannot push, and reports changes to onChange', async () => {
      let state: Awaited<ReturnType<StateStore['get']>> = null;
      const changes: [IntermissionStatus, IntermissionStatus][] = [];
      const { server, middleware } = app({
        store: { get: () => state },
        pollInterval: 50,
        onChange: (current, previous) => changes.push([current, previous]),
      });
      await middleware.ready();
      state = { mode: 'maintenance', updatedAt: '2026-12-01T10:00:00Z', updatedBy: 'ops@host' };
      await until(async () => (await request(server).get('/')).status === 503, 1000);
      expect(changes.at(-1)?.[0]).toMatchObject({ mode: 'maintenance', source: 'store', updatedBy: 'ops@host' });
      expect(changes.at(-1)?.[1]).toMatchObject({ mode: 'off' });
    });

    it('never moves a revocation back, even when a later state has lost it', async () => {
      let state: Awaited<ReturnType<StateStore['get']>> = {
        mode: 'maintenance',
        updatedAt: '2026-12-01T10:00:00Z',
        previewsValidAfter: '2026-12-01T10:00:00Z',
      };
      const { middleware } = app({ store: { get: () => state }, pollInterval: 50 });
      await middleware.ready();
      expect(middleware.status().previewsValidAfter).toBe('2026-12-01T10:00:00.000Z');
      // As after a Redis restart without persistence, then `intermission down`.
      state = { mode: 'maintenance', updatedAt: '2026-12-01T11:00:00Z', message: 'again' };
      await until(() => middleware.status().message === 'again', 1000);
      expect(middleware.status().previewsValidAfter).toBe('2026-12-01T10:00:00.000Z');
    });

    it('serves the gate from memory: no store call per request', async () => {
      let calls = 0;
      const { server, middleware } = app({
        store: { get: () => (calls++, { mode: 'maintenance', updatedAt: '2026-12-01T10:00:00Z' }), subscribe: () => () => {} },
      });
      await middleware.ready();
      const before = calls;
      for (let i = 0; i < 20; i++) expect((await request(server).get('/')).status).toBe(503);
      expect(calls).toBe(before);
    });

    it('opens by itself when the stored window ends, and honours a window that has not started', async () => {
      let now = Date.parse('2026-12-01T10:00:00Z');
      const { server, middleware } = app({
        now: () => now,
        store: {
          get: () => ({
            mode: 'maintenance',
            startsAt: '2026-12-01T11:00:00Z',
            until: '2026-12-01T12:00:00Z',
            updatedAt: '2026-12-01T09:00:00Z',
          }),
        },
      });
      await middleware.ready();
      expect((await request(server).get('/')).status).toBe(200);
      now = Date.parse('2026-12-01T11:30:00Z');
      const closed = await request(server).get('/');
      expect(closed.status).toBe(503);
      expect(closed.headers['retry-after']).toBe('Tue, 01 Dec 2026 12:00:00 GMT');
      now = Date.parse('2026-12-01T12:00:00Z');
      expect((await request(server).get('/')).status).toBe(200);
    });
  });
});
