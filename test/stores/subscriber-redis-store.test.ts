import { createClient } from 'redis';
import type { RedisClientType } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SubscriberStoreError } from '../../src/signup/subscriber.js';
import type { Subscriber } from '../../src/signup/subscriber.js';
import { redisSubscriberStore } from '../../src/signup/stores/redis-subscriber-store.js';
import type {
  RedisCommandClient,
  RedisSubscriberStore,
  RedisSubscriberStoreOptions,
  RedisSubscriberTarget,
} from '../../src/signup/stores/redis-subscriber-store.js';
import { describeRedis, startRedis } from '../helpers/redis-server.js';
import type { RedisServer } from '../helpers/redis-server.js';

const KEY = 'intermission:subscribers';

let clock = Date.parse('2030-01-01T00:00:00Z');
function subscriber(email: string, extra: Partial<Subscriber> = {}): Subscriber {
  clock += 1000;
  return { email, subscribedAt: new Date(clock).toISOString(), consent: true, ...extra };
}

async function emails(store: { list(): AsyncIterable<Subscriber> }): Promise<string[]> {
  const result: string[] = [];
  for await (const entry of store.list()) result.push(entry.email);
  return result;
}

async function failure(promise: Promise<unknown>): Promise<{ error: SubscriberStoreError; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SubscriberStoreError);
    return { error: error as SubscriberStoreError, ms: Date.now() - started };
  }
  throw new Error('expected a rejection');
}

async function rawClient(url: string, resp: 2 | 3 = 2): Promise<RedisClientType> {
  const client = createClient({ url, RESP: resp }) as RedisClientType;
  client.on('error', () => {});
  await client.connect();
  return client;
}

describeRedis('redisSubscriberStore on a real redis-server', () => {
  let server: RedisServer;
  let raw: RedisClientType;
  const stores: RedisSubscriberStore[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  const open = (options: RedisSubscriberStoreOptions = {}, target: RedisSubscriberTarget = { url: server.url }) => {
    const warnings: SubscriberStoreError[] = [];
    const store = redisSubscriberStore(target, { onWarning: (warning) => warnings.push(warning), ...options });
    stores.push(store);
    return { store, warnings };
  };

  beforeAll(async () => {
    server = await startRedis();
    raw = await rawClient(server.url);
  });
  afterAll(async () => {
    await raw.close();
    await server.stop();
  });
  beforeEach(async () => {
    await raw.flushAll();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  describe('add, count and list', () => {
    it('tells a new address from one on the list, keeps the first, and lists in subscription order', async () => {
      const { store } = open();
      const first = subscriber('a@example.com', { lang: 'fr' });
      expect(await store.add(first)).toBe('added');
      expect(await store.add(subscriber('a@example.com', { consent: false }))).toBe('exists');
      // Added in an order that is neither alphabetical nor by date.
      expect(await store.add(subscriber('c@example.com', { subscribedAt: '2020-01-01T00:00:00Z' }))).toBe('added');
      expect(await store.add(subscriber('b@example.com'))).toBe('added');
      expect(await store.count()).toBe(3);
      const listed: Subscriber[] = [];
      for await (const entry of store.list()) listed.push(entry);
      expect(listed.map((entry) => entry.email)).toEqual(['a@example.com', 'c@example.com', 'b@example.com']);
      expect(listed[0]).toEqual(first);
    });

    it('keeps three keys under the prefix, and only the allowed fields in a record', async () => {
      const { store } = open();
      await store.add({ ...subscriber('a@example.com'), ip: '203.0.113.9', userAgent: 'curl/8' } as Subscriber);
      expect((await raw.keys('*')).sort()).toEqual([KEY, `${KEY}:records`, `${KEY}:seq`]);
      const record = await raw.hGet(`${KEY}:records`, 'a@example.com');
      expect(Object.keys(JSON.parse(record ?? '{}') as object)).toEqual(['subscribedAt', 'consent']);
      expect(await raw.type(KEY)).toBe('zset');
    });

    it('answers concurrent adds of one address from two connections with exactly one "added"', async () => {
      const a = open().store;
      const b = open().store;
      const addresses = Array.from({ length: 100 }, (_, i) => `user${i}@example.com`);
      const results = await Promise.all(addresses.flatMap((email) => [a.add(subscriber(email)), b.add(subscriber(email))]));
      expect(results.filter((result) => result === 'added')).toHaveLength(100);
      expect(await a.count()).toBe(100);
    });

    it('lists a long list in batches, including addresses added during the walk', async () => {
      const { store } = open({ batchSize: 3 });
      for (let i = 0; i < 10; i++) await store.add(subscriber(`user${i}@example.com`));
      const seen: string[] = [];
      for await (const entry of store.list()) {
        seen.push(entry.email);
        if (seen.length === 2) await store.add(subscriber('late@example.com'));
        if (seen.length === 4) await store.remove('user9@example.com'); // not reached yet: not listed
      }
      expect(seen).toEqual([...Array.from({ length: 9 }, (_, i) => `user${i}@example.com`), 'late@example.com']);
    });

    it('reads with a RESP3 client passed as `client`, and leaves that client open on close', async () => {
      const client = await rawClient(server.url, 3);
      cleanups.push(() => client.close());
      const { store } = open({ batchSize: 2 }, { client: client as unknown as RedisCommandClient });
      for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) await store.add(subscriber(email));
      expect(await emails(store)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
      await store.close();
      expect(client.isReady).toBe(true);
    });

    it('skips a record that is missing or broken, and reports each once', async () => {
      const { store, warnings } = open();
      await store.add(subscriber('a@example.com'));
      await store.add(subscriber('b@example.com'));
      await store.add(subscriber('c@example.com'));
      await raw.hSet(`${KEY}:records`, 'a@example.com', '{"consent":"maybe"}');
      await raw.hDel(`${KEY}:records`, 'b@example.com');
      expect(await emails(store)).toEqual(['c@example.com']);
      expect(await emails(store)).toEqual(['c@example.com']);
      expect(warnings.map((warning) => warning.message)).toEqual([
        expect.stringContaining('"a@example.com"'),
        expect.stringContaining('"b@example.com"'),
      ]);
    });

    it('refuses an invalid subscriber without touching Redis', async () => {
      const { store } = open();
      const { error } = await failure(store.add(subscriber('A@EXAMPLE.COM')));
      expect(error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_INVALID');
      expect(await raw.keys('*')).toEqual([]);
    });

    it('uses the key given, so two lists can share a server', async () => {
      const main = open().store;
      const beta = open({ key: 'intermission:beta-list' }).store;
      await main.add(subscriber('a@example.com'));
      expect(await beta.add(subscriber('a@example.com'))).toBe('added');
      expect(beta.key).toBe('intermission:beta-list');
      expect(await raw.zCard('intermission:beta-list')).toBe(1);
    });
  });

  describe('remove', () => {
    it('deletes the address and its record for real, and a new add goes to the end', async () => {
      const { store } = open();
      await store.add(subscriber('a@example.com'));
      await store.add(subscriber('b@example.com'));
      expect(await store.remove('a@EXAMPLE.com')).toBe(true);
      expect(await store.remove('a@example.com')).toBe(false);
      expect(await raw.hExists(`${KEY}:records`, 'a@example.com')).toBe(0);
      expect(JSON.stringify(await raw.zRange(KEY, 0, -1))).not.toContain('a@example.com');
      expect(await store.add(subscriber('a@example.com'))).toBe('added');
      expect(await emails(store)).toEqual(['b@example.com', 'a@example.com']);
    });

    it('refuses a string that is not an address as invalid', async () => {
      const { store } = open();
      expect((await failure(store.remove('not an address'))).error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_INVALID');
    });
  });

  describe('claimLaunch', () => {
    it('is true for exactly one of many concurrent callers across connections, once per launch id', async () => {
      const a = open().store;
      const b = open().store;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claimLaunch('2030-06-01T09:00:00Z')));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await a.claimLaunch('2030-06-01T09:00:00Z')).toBe(false);
      expect(await a.claimLaunch('2030-07-01T09:00:00Z')).toBe(true);
      expect(await raw.exists(`${KEY}:launch:2030-06-01T09:00:00Z`)).toBe(1);
    });
  });

  describe('when Redis fails', () => {
    it('names a key of another type as invalid', async () => {
      await raw.set(KEY, 'not a sorted set');
      const { store } = open();
      const { error } = await failure(store.add(subscriber('a@example.com')));
      expect(error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_INVALID');
      expect(error.message).toContain('WRONGTYPE');
      expect((await failure(store.count())).error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_INVALID');
    });

    it('fails fast as unavailable while Redis is down, and works again once it is back', async () => {
      const own = await startRedis();
      cleanups.push(() => own.kill());
      const { store } = open({ timeout: 500 }, { url: own.url });
      await store.add(subscriber('a@example.com'));
      await own.kill();
      for (const attempt of [
        store.add(subscriber('b@example.com')),
        store.count(),
        store.remove('a@example.com'),
        store.claimLaunch('x'),
      ]) {
        const { error, ms } = await failure(attempt);
        expect(error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE');
        expect(error.message).toContain(`Redis key "${KEY}" at ${own.url}`);
        expect(ms).toBeLessThan(1500);
      }
      const listing = store.list()[Symbol.asyncIterator]().next();
      expect((await failure(listing)).error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE');
      await own.restart(); // no persistence: an empty server
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          expect(await store.add(subscriber('c@example.com'))).toBe('added');
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    });

    it('fails as unavailable within the timeout when no server answers at start', async () => {
      const own = await startRedis();
      const url = own.url;
      await own.kill();
      const { store } = open({ timeout: 300 }, { url });
      const { error, ms } = await failure(store.count());
      expect(error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE');
      expect(ms).toBeLessThan(1500);
    });

    it('hides the password of the URL in messages', async () => {
      const own = await startRedis();
      const url = `redis://user:s3cret@127.0.0.1:${own.port}`;
      await own.kill();
      const { store } = open({ timeout: 200 }, { url });
      const { error } = await failure(store.count());
      expect(error.message).not.toContain('s3cret');
      expect(error.message).toContain('***');
    });

    it('fails as unavailable once closed, and close is idempotent', async () => {
      const { store } = open();
      await store.count();
      await store.close();
      await store.close();
      expect((await failure(store.count())).error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE');
    });
  });
});

describe('redisSubscriberStore options', () => {
  it.each([
    ['no target', undefined, undefined, 'needs { url'],
    ['neither url nor client', {}, undefined, 'not neither'],
    ['both url and client', { url: 'redis://x', client: {} }, undefined, 'not both'],
    ['an http URL', { url: 'http://localhost:6379' }, undefined, 'redis:// or rediss://'],
    ['a client without sendCommand', { client: { connect() {}, on() {}, off() {} } }, undefined, 'no sendCommand'],
    ['an empty key', { url: 'redis://x' }, { key: '' }, '`key`'],
    ['a zero timeout', { url: 'redis://x' }, { timeout: 0 }, '`timeout`'],
    ['a fractional batch size', { url: 'redis://x' }, { batchSize: 2.5 }, '`batchSize`'],
    ['a warning handler that is not a function', { url: 'redis://x' }, { onWarning: 'log' }, '`onWarning`'],
  ])('refuses %s with a TypeError naming it', (_name, target, options, message) => {
    const create = () =>
      redisSubscriberStore(target as unknown as RedisSubscriberTarget, options as unknown as RedisSubscriberStoreOptions);
    expect(create).toThrow(TypeError);
    expect(create).toThrow(message);
  });

  it('takes explicit undefined options as the defaults, and connects lazily', async () => {
    const store = redisSubscriberStore(
      { url: 'redis://127.0.0.1:1' },
      { key: undefined, timeout: undefined, batchSize: undefined, onWarning: undefined },
    );
    expect(store.key).toBe(KEY);
    await store.close(); // never connected: nothing to wait for
  });
});
