import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import type { RedisClientType } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { StateStoreError } from '../../src/errors.js';
import type { StoredState } from '../../src/types.js';
import { redisStore } from '../../src/state/stores/redis-store.js';
import type { RedisClientLike, RedisStore, RedisStoreOptions } from '../../src/state/stores/redis-store.js';
import { describeRedis, startRedis } from '../helpers/redis-server.js';
import type { RedisServer } from '../helpers/redis-server.js';

const KEY = 'intermission:state';
const CHANNEL = 'intermission:state-changed';

let clock = Date.parse('2030-01-01T00:00:00Z');
/** A valid state, each with its own `updatedAt` so two calls never compare equal. */
function state(mode: StoredState['mode'], extra: Partial<StoredState> = {}): StoredState {
  clock += 1000;
  return { mode, updatedAt: new Date(clock).toISOString(), ...extra };
}

/** The rejection of `promise`, and how long it took to settle. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected a rejection, got a value');
}

function expectStoreError(error: unknown, code: StateStoreError['code']): StateStoreError {
  expect(error).toBeInstanceOf(StateStoreError);
  expect((error as StateStoreError).code).toBe(code);
  return error as StateStoreError;
}

interface Recorder {
  /** Every state delivered, repeats included (the store delivers what each read found). */
  changes: (StoredState | null)[];
  /** The same, with consecutive repeats collapsed: the states a follower would apply. */
  distinct: () => (StoredState | null)[];
  errors: unknown[];
  onChange: (state: StoredState | null) => void;
  onError: (error: unknown) => void;
}
function recorder(): Recorder {
  const changes: (StoredState | null)[] = [];
  const errors: unknown[] = [];
  const distinct = (): (StoredState | null)[] =>
    changes.filter((value, index) => index === 0 || JSON.stringify(value) !== JSON.stringify(changes[index - 1]));
  return { changes, distinct, errors, onChange: (s) => changes.push(s), onError: (e) => errors.push(e) };
}

type RawClient = RedisClientType;
async function rawClient(url: string): Promise<RawClient> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  return client;
}

describeRedis('redisStore on a real redis-server', () => {
  let server: RedisServer;
  let raw: RawClient;
  const stores: RedisStore[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const open = (options: RedisStoreOptions = {}): RedisStore => {
    const store = redisStore(options.client ? options : { url: server.url, ...options });
    stores.push(store);
    return store;
  };
  /** A redis-server of its own, for tests that kill or restart it. */
  const ownServer = async (): Promise<RedisServer> => {
    const own = await startRedis();
    cleanups.push(() => own.kill());
    return own;
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
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });

  it('round-trips a state through the key, as JSON, under the intermission: prefix', async () => {
    const store = open();
    expect(store.key).toBe(KEY);
    expect(store.channel).toBe(CHANNEL);
    const down = state('maintenance', { message: 'Back soon', retryAfter: 600, updatedBy: 'ops@host' });
    await store.set(down);
    expect(await store.get()).toEqual(down);
    expect(JSON.parse((await raw.get(KEY))!)).toEqual(down);
  });

  it('writes { mode: "off" } when the site goes up, and never deletes the key', async () => {
    const store = open();
    await store.set(state('maintenance'));
    const up = state('off');
    await store.set(up);
    expect(await raw.exists(KEY)).toBe(1);
    expect(JSON.parse((await raw.get(KEY))!)).toEqual(up);
    expect(await store.get()).toEqual(up);
  });

  it('uses the key and channel it is given', async () => {
    const store = open({ key: 'app1:state', channel: 'app1:changed' });
    const messages: string[] = [];
    const listener = await rawClient(server.url);
    cleanups.push(() => listener.close());
    await listener.subscribe('app1:changed', (message) => messages.push(message));
    const down = state('coming-soon');
    await store.set(down);
    expect(await raw.get('app1:state')).toBe(JSON.stringify(down));
    expect(await raw.exists(KEY)).toBe(0);
    await vi.waitFor(() => expect(messages).toEqual([down.updatedAt]));
  });

  it('returns null for an absent key, like every store (the follower decides what absent means)', async () => {
    const store = open();
    expect(await store.get()).toBeNull();
    await store.set(state('maintenance'));
    await raw.del(KEY);
    expect(await store.get()).toBeNull();
  });

  it('rejects invalid JSON, an invalid state, and a key of the wrong type as ERR_INTERMISSION_STATE_INVALID', async () => {
    const store = open();
    await raw.set(KEY, '{"mode": "maintenance",');
    expectStoreError((await rejection(store.get())).error, 'ERR_INTERMISSION_STATE_INVALID');
    await raw.set(KEY, JSON.stringify({ mode: 'closed', updatedAt: '2030-01-01T00:00:00Z' }));
    expect(expectStoreError((await rejection(store.get())).error, 'ERR_INTERMISSION_STATE_INVALID').message).toContain('mode');
    await raw.set(KEY, JSON.stringify({ mode: 'off' }));
    expectStoreError((await rejection(store.get())).error, 'ERR_INTERMISSION_STATE_INVALID');
    await raw.del(KEY);
    await raw.hSet(KEY, 'mode', 'off');
    expectStoreError((await rejection(store.get())).error, 'ERR_INTERMISSION_STATE_INVALID');
  });

  it('refuses to write an invalid state, and writes nothing', async () => {
    const store = open();
    const bad = { mode: 'closed', updatedAt: 'yesterday' } as unknown as StoredState;
    expectStoreError((await rejection(store.set(bad))).error, 'ERR_INTERMISSION_STATE_INVALID');
    expect(await raw.exists(KEY)).toBe(0);
  });

  it('publishes on set; a subscriber on another instance sees the change well within 1 s', async () => {
    const writer = open();
    const reader = open({ resyncInterval: 60_000 }); // the resync cannot be what delivers
    const first = state('maintenance');
    await writer.set(first);
    const seen = recorder();
    await reader.subscribe(seen.onChange, seen.onError);
    await vi.waitFor(() => expect(seen.distinct()).toEqual([first]));

    const second = state('coming-soon', { launchAt: '2030-06-01T09:00:00Z' });
    const started = Date.now();
    await writer.set(second);
    await vi.waitFor(() => expect(seen.distinct()).toEqual([first, second]), { timeout: 1000, interval: 5 });
    expect(Date.now() - started).toBeLessThan(1000);

    // The same state again is read again, and delivered as it is: skipping repeats is the follower's job.
    const delivered = seen.changes.length;
    await writer.set(second);
    await vi.waitFor(() => expect(seen.changes.length).toBeGreaterThan(delivered), { timeout: 1000 });
    expect(seen.distinct()).toEqual([first, second]);
    expect(seen.errors).toEqual([]);
  });

  it('never trusts a message: garbage on the channel only triggers a re-read of the key', async () => {
    const reader = open({ resyncInterval: 60_000 });
    const inKey = state('maintenance', { message: 'from the key' });
    await raw.set(KEY, JSON.stringify(inKey));
    const seen = recorder();
    await reader.subscribe(seen.onChange, seen.onError);
    await vi.waitFor(() => expect(seen.distinct()).toEqual([inKey]));

    const changed = state('coming-soon', { message: 'also from the key' });
    await raw.set(KEY, JSON.stringify(changed)); // no publish: nobody knows yet
    await raw.publish(CHANNEL, JSON.stringify(state('off', { message: 'forged' })));
    await vi.waitFor(() => expect(seen.distinct()).toEqual([inKey, changed]), { timeout: 1000 });
    await raw.publish(CHANNEL, '\u0000 not even JSON');
    await sleep(150);
    expect(seen.distinct()).toEqual([inKey, changed]);
    expect(seen.errors).toEqual([]);
  });

  it('picks up a key changed by hand, without a publish, at the next resync', async () => {
    const reader = open({ resyncInterval: 200 });
    const first = state('maintenance');
    await raw.set(KEY, JSON.stringify(first));
    const seen = recorder();
    await reader.subscribe(seen.onChange, seen.onError);
    await vi.waitFor(() => expect(seen.distinct()).toEqual([first]));
    const byHand = state('off');
    await raw.set(KEY, JSON.stringify(byHand));
    await vi.waitFor(() => expect(seen.distinct()).toEqual([first, byHand]), { timeout: 1500 });
  });

  it('delivers an absent key as null, reports every failed read to onError, and delivers again after recovering', async () => {
    const reader = open({ resyncInterval: 100 });
    const down = state('maintenance');
    await raw.set(KEY, JSON.stringify(down));
    const seen = recorder();
    await reader.subscribe(seen.onChange, seen.onError);
    await vi.waitFor(() => expect(seen.distinct()).toEqual([down]));

    await raw.del(KEY); // eviction, or a restart without persistence
    await vi.waitFor(() => expect(seen.distinct()).toEqual([down, null]), { timeout: 2000 });
    expect(seen.errors).toEqual([]);
    await raw.set(KEY, '{oops');
    await vi.waitFor(() => expect(seen.errors.length).toBeGreaterThanOrEqual(2), { timeout: 2000 });
    for (const error of seen.errors) expectStoreError(error, 'ERR_INTERMISSION_STATE_INVALID');
    expect(seen.distinct()).toEqual([down, null]);

    await raw.set(KEY, JSON.stringify(down));
    await vi.waitFor(() => expect(seen.distinct()).toEqual([down, null, down]), { timeout: 2000 });
  });

  it('when Redis dies: get and set reject fast with ERR_INTERMISSION_STATE_UNAVAILABLE, onError is called, nothing crashes', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    process.on('uncaughtException', unhandled);
    try {
      const own = await ownServer();
      const writer = open({ url: own.url });
      const reader = open({ url: own.url, resyncInterval: 200 });
      const first = state('maintenance');
      await writer.set(first);
      const seen = recorder();
      await reader.subscribe(seen.onChange, seen.onError);
      await vi.waitFor(() => expect(seen.distinct()).toEqual([first]));

      await own.kill();
      const read = await rejection(writer.get());
      expect(read.ms).toBeLessThan(3000);
      expectStoreError(read.error, 'ERR_INTERMISSION_STATE_UNAVAILABLE');
      const write = await rejection(writer.set(state('off')));
      expect(write.ms).toBeLessThan(3000);
      expectStoreError(write.error, 'ERR_INTERMISSION_STATE_UNAVAILABLE');

      await vi.waitFor(() => expect(seen.errors.length).toBeGreaterThan(0), { timeout: 3000 });
      expectStoreError(seen.errors[0], 'ERR_INTERMISSION_STATE_UNAVAILABLE');
      expect(seen.distinct()).toEqual([first]);
      await sleep(1000); // several reconnection attempts, each an `error` event
      expect(unhandled).not.toHaveBeenCalled();

      const closing = Date.now();
      await expect(reader.close()).resolves.toBeUndefined();
      await expect(writer.close()).resolves.toBeUndefined();
      expect(Date.now() - closing).toBeLessThan(3000);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
      process.off('uncaughtException', unhandled);
    }
  });

  it('when Redis restarts on the same port: the subscriber reconnects, re-reads, and follows new sets', async () => {
    const own = await ownServer();
    const writer = open({ url: own.url });
    const reader = open({ url: own.url, resyncInterval: 60_000 }); // only reconnection and pub/sub can deliver
    const first = state('maintenance');
    await writer.set(first);
    const seen = recorder();
    await reader.subscribe(seen.onChange, seen.onError);
    await vi.waitFor(() => expect(seen.distinct()).toEqual([first]));

    await own.restart(); // no persistence: the key is gone
    // The re-read on reconnection finds no key, and says so (the follower keeps its last state).
    await vi.waitFor(() => expect(seen.distinct()).toEqual([first, null]), { timeout: 10_000 });

    const second = state('coming-soon');
    await vi.waitFor(() => writer.set(second), { timeout: 10_000, interval: 100 });
    await vi.waitFor(() => expect(seen.distinct()).toEqual([first, null, second]), { timeout: 2000 });
    // Both connections are surely back now: this one can only come through the re-subscribed channel.
    const third = state('off');
    await writer.set(third);
    await vi.waitFor(() => expect(seen.distinct()).toEqual([first, null, second, third]), { timeout: 1000 });
    expect(await reader.get()).toEqual(third);
  });

  it('when Redis is down from the start: fails within connectTimeout, then follows it once it is up', async () => {
    const own = await ownServer();
    await own.kill();
    const reader = open({ url: own.url, connectTimeout: 500, resyncInterval: 60_000 });
    const read = await rejection(reader.get());
    expect(read.ms).toBeLessThan(2000);
    expect(expectStoreError(read.error, 'ERR_INTERMISSION_STATE_UNAVAILABLE').message).toContain(
      'Could not connect to Redis within 500 ms',
    );

    const seen = recorder();
    const subscribing = Date.now();
    const unsubscribe = await reader.subscribe(seen.onChange, seen.onError);
    expect(Date.now() - subscribing).toBeLessThan(2000);
    await vi.waitFor(() => expect(seen.errors.length).toBeGreaterThan(0), { timeout: 3000 });

    await own.restart();
    const writer = open({ url: own.url });
    const first = state('maintenance');
    await vi.waitFor(() => writer.set(first), { timeout: 10_000, interval: 100 });
    await vi.waitFor(() => expect(seen.changes.at(-1)).toEqual(first), { timeout: 10_000 });
    expect(await reader.get()).toEqual(first);
    unsubscribe();
  });

  it('works with a node-redis client of your own, and closes only the duplicate it made', async () => {
    const clientCount = async (): Promise<number> => (await raw.sendCommand<string>(['CLIENT', 'LIST'])).trim().split('\n').length;
    const other = open();
    await other.set(state('maintenance'));

    const user = createClient({ url: server.url });
    user.on('error', () => {});
    await user.connect();
    cleanups.push(() => user.close());
    const asLike: RedisClientLike = user; // a v6 client fits the structural type
    const store = open({ client: asLike, resyncInterval: 60_000 });
    const first = state('coming-soon');
    await store.set(first);
    expect(await store.get()).toEqual(first);
    const before = await clientCount();

    const seen = recorder();
    await store.subscribe(seen.onChange, seen.onError);
    await vi.waitFor(() => expect(seen.distinct()).toEqual([first]));
    expect(await clientCount()).toBe(before + 1); // the pub/sub duplicate
    const second = state('off');
    await other.set(second);
    await vi.waitFor(() => expect(seen.distinct()).toEqual([first, second]), { timeout: 1000 });

    await store.close();
    expect(user.isOpen).toBe(true);
    expect(await user.ping()).toBe('PONG');
    await vi.waitFor(async () => expect(await clientCount()).toBe(before));
  });

  it('says so when the client passed in is not connected', async () => {
    const user = createClient({ url: server.url });
    const store = open({ client: user });
    const { error } = await rejection(store.get());
    expect(expectStoreError(error, 'ERR_INTERMISSION_STATE_UNAVAILABLE').message).toContain('await client.connect()');
  });

  it('close() is idempotent, never throws, and later calls reject as unavailable', async () => {
    const unused = open();
    await Promise.all([unused.close(), unused.close()]);

    const store = open({ resyncInterval: 50 });
    await store.set(state('maintenance'));
    const seen = recorder();
    const unsubscribe = await store.subscribe(seen.onChange, seen.onError);
    unsubscribe();
    unsubscribe();
    await Promise.all([store.close(), store.close()]);
    await store.close();
    const delivered = seen.changes.length;
    await sleep(200); // the resync timer is gone
    expect(seen.changes).toHaveLength(delivered);
    expect(seen.errors).toEqual([]);
    expect(expectStoreError((await rejection(store.get())).error, 'ERR_INTERMISSION_STATE_UNAVAILABLE').message).toContain('closed');
    expectStoreError((await rejection(store.set(state('off')))).error, 'ERR_INTERMISSION_STATE_UNAVAILABLE');
    expectStoreError(
      (
        await rejection(
          store.subscribe(
            () => {},
            () => {},
          ),
        )
      ).error,
      'ERR_INTERMISSION_STATE_UNAVAILABLE',
    );
  });

  it('leaves no open handles: a process that used the store exits once it is closed', async () => {
    const child = await runChild(
      `const store = redisStore({ url: process.env.REDIS_URL, resyncInterval: 100 });
       await store.set({ mode: 'maintenance', updatedAt: '2030-01-01T00:00:00Z' });
       await store.get();
       const unsubscribe = await store.subscribe(() => {}, () => {});
       const other = await store.subscribe(() => {}, () => {});
       unsubscribe();
       await store.close();
       await store.close();
       console.log('closed');`,
      { REDIS_URL: server.url },
    );
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    expect(child.exitAfterClosedMs).toBeLessThan(3000); // a socket left open would keep it alive for good
  });

  it('leaves no open handles either when closed while Redis is unreachable (exits within one reconnection delay)', async () => {
    const own = await ownServer();
    await own.kill();
    const child = await runChild(
      `const store = redisStore({ url: process.env.REDIS_URL, connectTimeout: 300, resyncInterval: 100 });
       await store.get().catch(() => {});
       await store.subscribe(() => {}, () => {});
       await store.close();
       console.log('closed');`,
      { REDIS_URL: own.url },
    );
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    expect(child.exitAfterClosedMs).toBeLessThan(5500);
  });
});

it('rejects options with both or neither of url and client, and bad values, with a TypeError', () => {
  const client = createClient();
  expect(() => redisStore({ url: 'redis://127.0.0.1:6379', client })).toThrow(TypeError);
  expect(() => redisStore({ url: 'redis://127.0.0.1:6379', client })).toThrow(/exactly one of `url`.*or `client`/);
  expect(() => redisStore({})).toThrow(/exactly one of `url`.*or `client`/);
  expect(() => redisStore({ url: 'http://example.com' })).toThrow(TypeError);
  expect(() => redisStore({ url: 'redis://127.0.0.1', resyncInterval: 0 })).toThrow(/resyncInterval/);
  expect(() => redisStore({ url: 'redis://127.0.0.1', connectTimeout: Number.NaN })).toThrow(/connectTimeout/);
  expect(() => redisStore({ url: 'redis://127.0.0.1', key: '' })).toThrow(/key/);
  expect(() => redisStore({ client: {} as RedisClientLike })).toThrow(/node-redis client/);
  // A password in the URL never reaches a message.
  expect(() => redisStore({ url: 'http://user:s3cret@example.com' })).toThrow(/http:\/\/user:\*\*\*@example\.com/);
});

it('without node-redis installed, a url store rejects saying `npm install redis`', async () => {
  // A resolve hook hides the `redis` package, as if it were not installed.
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === 'redis') { const error = new Error("Cannot find package 'redis'"); error.code = 'ERR_MODULE_NOT_FOUND'; throw error; }
    return next(specifier, context);
  }`;
  const child = await runChild(
    `const { register } = await import('node:module');
     register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
     const store = redisStore({ url: 'redis://127.0.0.1:1' });
     const error = await store.get().then(() => undefined, (e) => e);
     await store.close();
     console.log(JSON.stringify({ name: error?.name, code: error?.code, message: error?.message }));`,
    {},
    { importAfterSetup: true },
  );
  expect(child.stderr).toBe('');
  const result = JSON.parse(child.stdout.trim()) as { name: string; code: string; message: string };
  expect(result.name).toBe('StateStoreError');
  expect(result.code).toBe('ERR_INTERMISSION_STATE_UNAVAILABLE');
  expect(result.message).toContain('npm install redis');
});

const STORE_MODULE = fileURLToPath(new URL('../../src/state/stores/redis-store.ts', import.meta.url));

/**
 * Runs `body` in a fresh Node process (with tsx, `redisStore` in scope) and reports how long the
 * process took to exit after printing `closed`: anything left open would keep it alive.
 */
function runChild(
  body: string,
  env: Record<string, string>,
  options: { importAfterSetup?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; exitAfterClosedMs: number }> {
  const load = `const { redisStore } = await import(${JSON.stringify(STORE_MODULE)});`;
  // With a resolve hook to install first, the store module is imported after it (the hook is in `body`).
  const code = options.importAfterSetup ? body.replace('const store =', `${load}\nconst store =`) : `${load}\n${body}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let closedAt: number | undefined;
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (closedAt === undefined && stdout.includes('closed')) closedAt = Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (exitCode) => {
      clearTimeout(killer);
      resolve({ code: exitCode, stdout, stderr, exitAfterClosedMs: closedAt === undefined ? Number.NaN : Date.now() - closedAt });
    });
  });
}
