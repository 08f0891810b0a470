import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisSubscriberStore } from '../../src/signup/stores/redis-subscriber-store.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redis-server.js';
import { NOW, run, seed } from './run-cli.js';

const at = (secondsBefore: number): string => new Date(NOW - secondsBefore * 1000).toISOString();

interface JsonError {
  error: { code: string; message: string };
}
const asError = (text: string): JsonError => JSON.parse(text) as JsonError;

describeRedis('subscribers on a real redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('count, export and remove work on the list the app writes; compact says it is not needed', async () => {
    const key = `cli-subscribers-${Date.now()}`;
    await seed(redisSubscriberStore({ url: server.url }, { key }), ['ada@example.com', '+plus@example.com', 'cy@example.com'], {
      lang: 'fr',
    });
    const env = { INTERMISSION_REDIS_URL: server.url, INTERMISSION_SUBSCRIBERS_KEY: key };
    expect(await run(['subscribers', 'count'], { env })).toEqual({ code: 0, stdout: '3\n', stderr: '' });
    const csv = await run(['subscribers', 'export', '--redis-url', server.url, '--subscribers-key', key]);
    expect(csv.stdout.split('\r\n')).toEqual([
      'email,subscribedAt,consent,lang',
      `ada@example.com,${at(3)},true,fr`,
      `'+plus@example.com,${at(2)},true,fr`,
      `cy@example.com,${at(1)},true,fr`,
      '',
    ]);

    const removed = await run(['subscribers', 'remove', 'ada@example.com', '--json'], { env });
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({
      target: `redis ${key} at ${server.url}`,
      email: 'ada@example.com',
      removed: true,
      compacted: null,
      similar: [],
    });
    const raw = createClient({ url: server.url });
    raw.on('error', () => {});
    await raw.connect();
    try {
      expect(await raw.zScore(key, 'ada@example.com')).toBeNull();
      expect(await raw.hExists(`${key}:records`, 'ada@example.com')).toBe(0);
    } finally {
      await raw.close();
    }
    const compact = await run(['subscribers', 'compact'], { env });
    expect(compact).toMatchObject({ code: 0, stderr: '' });
    expect(compact.stdout).toBe(`Nothing to compact: Redis deletes removed addresses at once (redis ${key} at ${server.url}).\n`);
    expect(JSON.parse((await run(['subscribers', 'compact', '--json'], { env })).stdout)).toMatchObject({ compacted: false });
  });

  it('the default key is the store default', async () => {
    await seed(redisSubscriberStore({ url: server.url }), ['default@example.com']);
    const result = await run(['subscribers', 'count', '--json', '--redis-url', server.url]);
    expect(JSON.parse(result.stdout)).toEqual({ count: 1, target: `redis intermission:subscribers at ${server.url}` });
  });

  it('a key of the wrong type exits 4', async () => {
    const key = `cli-subscribers-wrong-${Date.now()}`;
    const raw = createClient({ url: server.url });
    raw.on('error', () => {});
    await raw.connect();
    try {
      await raw.set(key, 'not a sorted set');
      const result = await run(['subscribers', 'count', '--json', '--redis-url', server.url, '--subscribers-key', key]);
      expect(result.code).toBe(4);
      expect(asError(result.stderr).error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_INVALID');
    } finally {
      await raw.close();
    }
  });
});

describe('subscribers with Redis down', () => {
  it('exits 3 quickly, without the password', async () => {
    const started = Date.now();
    const result = await run(['subscribers', 'count', '--json', '--redis-url', 'redis://:hunter2@127.0.0.1:1']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.code).toBe(3);
    expect(result.stderr).not.toContain('hunter2');
    expect(asError(result.stderr).error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE');
    expect(asError(result.stderr).error.message).toMatch(/check --redis-url \(or INTERMISSION_REDIS_URL\) and that Redis is running/);
  });
});
