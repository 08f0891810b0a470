// The signup endpoint on each real store: a redis-server (env INTERMISSION_REDIS_URL), a store that
// cannot write (503, nothing lost), a full disk, and onLaunch claimed once by a fleet of two.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileSubscriberStore } from '../../src/signup/stores/file-subscriber-store.js';
import { redisSubscriberStore } from '../../src/signup/stores/redis-subscriber-store.js';
import type { Subscriber } from '../../src/signup/subscriber.js';
import { createApp, expressVersions, recordingLogger } from '../helpers/app.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redis-server.js';
import { listFile, listLines, pageToken, postForm, postJson, signupApp } from './signup-helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

async function collect(list: AsyncIterable<Subscriber>): Promise<string[]> {
  const emails: string[] = [];
  for await (const subscriber of list) emails.push(subscriber.email);
  return emails;
}

describeRedis('signup on a real redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each(expressVersions)('stores in Redis when INTERMISSION_REDIS_URL is set (%s)', async (_name, expressFactory) => {
    const key = `intermission:subscribers`;
    const { app, middleware } = createApp(expressFactory, {
      mode: 'coming-soon',
      signup: true,
      env: { INTERMISSION_REDIS_URL: server.url },
    });
    cleanups.push(() => void middleware.close());
    const token = await pageToken(app);
    const email = `redis-${_name.replace(' ', '')}@example.com`;
    expect((await postJson(app, { email, token, consent: true })).status).toBe(201);
    expect((await postJson(app, { email, token })).status).toBe(200);
    const store = redisSubscriberStore({ url: server.url }, { key });
    try {
      expect(await collect(store.list())).toContain(email);
    } finally {
      await store.close();
    }
  });

  it('answers 503 with Retry-After while Redis is down, and logs the store code', async () => {
    const own = await startRedis();
    const logger = recordingLogger();
    const store = redisSubscriberStore({ url: own.url }, { timeout: 300 });
    const { app, middleware } = createApp(express, { mode: 'coming-soon', signup: { store }, logger });
    cleanups.push(
      () => void middleware.close(),
      () => void store.close(),
    );
    const token = await pageToken(app);
    expect((await postJson(app, { email: 'before@example.com', token })).status).toBe(201);
    await own.stop();
    const down = await postJson(app, { email: 'during@example.com', token });
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('30');
    expect(down.body.detail).toBe('Something went wrong on our side. Please try again later.');
    expect((await postForm(app, `email=during%40example.com&token=${token}`)).headers.location).toBe('/#signup-unavailable');
    expect(logger.lines.some((line) => line.level === 'error' && line.details?.code === 'ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE')).toBe(
      true,
    );
  });

  it('runs onLaunch once for a fleet of two when intermission up opens the site', async () => {
    const runs: string[][] = [];
    const stateFile = join(mkdtempSync(join(tmpdir(), 'intermission-launch-')), 'state.json');
    writeFileSync(stateFile, JSON.stringify({ mode: 'coming-soon', updatedAt: new Date().toISOString() }));
    const subscriberKey = `intermission:launch-${Date.now()}`;
    const fleet = [0, 1].map(() => {
      const store = redisSubscriberStore({ url: server.url }, { key: subscriberKey });
      const built = createApp(express, {
        signup: { store, onLaunch: async (list) => void runs.push(await collect(list)) },
        env: { INTERMISSION_STATE_FILE: stateFile },
        pollInterval: 50,
      });
      cleanups.push(
        () => void built.middleware.close(),
        () => void store.close(),
      );
      return built;
    });
    await Promise.all(fleet.map((member) => member.middleware.ready()));
    const token = await pageToken(fleet[0]!.app);
    expect((await postJson(fleet[1]!.app, { email: 'first@example.com', token: await pageToken(fleet[1]!.app) })).status).toBe(201);
    expect((await postJson(fleet[0]!.app, { email: 'second@example.com', token })).status).toBe(201);
    writeFileSync(stateFile, JSON.stringify({ mode: 'off', updatedAt: new Date().toISOString() }));
    await expect.poll(() => runs.length, { timeout: 3000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs).toEqual([['first@example.com', 'second@example.com']]);
  });
});

describe('signup when the store cannot write', () => {
  it.each(expressVersions)('answers 503 and keeps what the list had (%s)', async (_name, expressFactory) => {
    const dir = mkdtempSync(join(tmpdir(), 'intermission-signup-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'list.jsonl');
    const { app } = signupApp(expressFactory, { signup: { file } });
    const token = await pageToken(app);
    expect((await postJson(app, { email: 'kept@example.com', token })).status).toBe(201);
    const before = readFileSync(file, 'utf8');
    // The list's directory becomes a file: every write fails (ENOTDIR) for any user, root included.
    const blocked = signupApp(expressFactory, { signup: { file: join(file, 'nested.jsonl') } });
    const res = await postJson(blocked.app, { email: 'lost@example.com', token: await pageToken(blocked.app) });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

const canMount = ((): boolean => {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'intermission-mount-probe-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (mounted) spawnSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return mounted;
})();

describe.skipIf(!canMount)('signup on a full disk', () => {
  it('answers 503, and every address answered 201 before is still listed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'intermission-full-'));
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', dir]).status).toBe(0);
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => spawnSync('umount', ['-l', dir]),
    );
    const file = join(dir, 'list.jsonl');
    const { app } = signupApp(express, { signup: { file } });
    const token = await pageToken(app);
    const answered: string[] = [];
    expect((await postJson(app, { email: 'before@example.com', token })).status).toBe(201);
    answered.push('before@example.com');
    // Fill what is left to the last byte, then ask for more.
    const fd = openSync(join(dir, 'filler'), 'w');
    for (const size of [4096, 1]) {
      const chunk = Buffer.alloc(size, 0x2e);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch {
          break;
        }
      }
    }
    closeSync(fd);
    let status = 0;
    // The list's last page of the tmpfs still has room for a few lines: write until it has none.
    for (let i = 0; i < 200 && status !== 503; i++) {
      const email = `full${i}@example.com`;
      status = (await postJson(app, { email, token })).status;
      if (status === 201) answered.push(email);
    }
    expect(status).toBe(503);
    rmSync(join(dir, 'filler'));
    const store = fileSubscriberStore({ path: file });
    expect(await collect(store.list())).toEqual(answered);
    expect(listLines(file).length).toBe(answered.length);
  });
});

describe('onLaunch with the embedded store', () => {
  it('runs once for two processes sharing the file when launchAt passes', async () => {
    const file = listFile();
    const runs: string[][] = [];
    const launchAt = new Date(Date.now() + 400).toISOString();
    const apps = [0, 1].map(() => {
      const built = createApp(express, {
        mode: 'coming-soon',
        launchAt,
        signup: { file, onLaunch: async (list) => void runs.push(await collect(list)) },
      });
      cleanups.push(() => void built.middleware.close());
      return built;
    });
    expect((await postJson(apps[0]!.app, { email: 'early@example.com', token: await pageToken(apps[0]!.app) })).status).toBe(201);
    await expect.poll(() => runs.length, { timeout: 3000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(runs).toEqual([['early@example.com']]);
  });

  it('does not run when maintenance ends (that is not a launch)', async () => {
    const runs: unknown[] = [];
    const built = createApp(express, {
      mode: 'maintenance',
      until: new Date(Date.now() + 200).toISOString(),
      signup: { file: listFile(), onLaunch: () => void runs.push(1) },
    });
    cleanups.push(() => void built.middleware.close());
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(runs).toEqual([]);
  });
});
