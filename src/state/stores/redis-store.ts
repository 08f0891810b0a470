// Types only: node-redis is an optional peer, loaded with `import()` when a store is given a `url`.
import type * as NodeRedis from 'redis';
import { redactUrl as redact } from '../../shared/messages.js';
import { withTimeout } from '../../shared/timeout.js';
import type { StateStore, StoredState } from '../../types.js';
import { StateStoreError } from '../../errors.js';
import { parseStoredState } from '../stored-state.js';
import { shutdown, waitForReady } from '../../shared/redis-lifecycle.js';
import { describe, ignore, type RedisClientLike } from './redis-client.js';
import { checkOptions, type RedisStoreOptions } from './redis-options.js';
import { followKey, type Subscription } from './redis-subscription.js';
import { guardSubscriber } from './subscription-guard.js';

export type { RedisClientLike, RedisMessageListener } from './redis-client.js';
export { DEFAULT_REDIS_CHANNEL, DEFAULT_REDIS_KEY, type RedisStoreOptions } from './redis-options.js';

/** What `redisStore` returns: a `StateStore` with every method, plus where it keeps the state. */
export interface RedisStore extends StateStore {
  readonly key: string;
  readonly channel: string;
  /**
   * The state in the key, or `null` when the key is absent. Rejects with `StateStoreError` when Redis
   * cannot answer (`ERR_INTERMISSION_STATE_UNAVAILABLE`) or the key is not a valid state
   * (`ERR_INTERMISSION_STATE_INVALID`). An absent key (Redis restarted without persistence, eviction)
   * does not open a closed site: the app follows it as "unknown" and keeps its last known state.
   */
  get(): Promise<StoredState | null>;
  /**
   * Writes the state, then publishes its `updatedAt` on the channel. Taking the site up writes
   * `{ mode: 'off' }`: the key is never deleted, since an absent key means "unknown", not "open".
   */
  set(state: StoredState): Promise<void>;
  /**
   * Follows the key: re-reads it on each notification, on every reconnection, and every
   * `resyncInterval` ms; calls `onChange` with what each read found (`null` for an absent key; repeats
   * are possible, and the caller skips them) and `onError` on every failed read, an outage thus several
   * times: the caller logs once per outage. Resolves once the subscription is live, or after
   * `connectTimeout` when Redis is unreachable (it keeps trying).
   */
  subscribe(onChange: (state: StoredState | null) => void, onError: (error: unknown) => void): Promise<() => void>;
  /** Stops timers, unsubscribes, closes the connections the store made. Idempotent; never rejects. */
  close(): Promise<void>;
}

const UNAVAILABLE = 'ERR_INTERMISSION_STATE_UNAVAILABLE';
const INVALID = 'ERR_INTERMISSION_STATE_INVALID';

/** Every store `redisStore` made, so the follower can tell one apart from other stores (see `absentMeans`). */
const redisStores = new WeakSet<object>();

/** Whether `store` was made by `redisStore`. */
export function isRedisStore(store: unknown): store is RedisStore {
  return typeof store === 'object' && store !== null && redisStores.has(store);
}

/** A state store in Redis, shared by every instance of the app: one key, one change channel. */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const opts = checkOptions(options);
  const { key, channel, resyncInterval, connectTimeout } = opts;
  const where = `Redis key "${key}"${opts.url === undefined ? '' : ` at ${redact(opts.url)}`}`;
  const owned = opts.client === undefined;

  let closed = false;
  // Read through a function: `closed` changes while a call awaits, which narrowing cannot see.
  const isClosed = (): boolean => closed;
  let closing: Promise<void> | undefined;
  const abort = new AbortController();
  let base: Promise<RedisClientLike> | undefined;
  let client: RedisClientLike | undefined;
  // Before the first connection, a read waits for it (up to connectTimeout); after, a disconnected
  // client means an outage, and reads fail at once.
  let everReady = false;
  let firstReady: Promise<void> | undefined;
  let lastError: unknown;
  const subscriptions = new Set<Subscription>();
  const stopping = new Set<Promise<void>>();

  const unavailable = (what: string, cause?: unknown): StateStoreError =>
    new StateStoreError(
      UNAVAILABLE,
      `${what}: ${where}${cause === undefined ? '' : ` (${describe(cause)})`}`,
      cause === undefined ? undefined : { cause },
    );
  const closedError = (): StateStoreError => unavailable('The Redis state store is closed');

  const onClientReady = (): void => {
    everReady = true;
    lastError = undefined;
    // Reconnected: the key may have changed while we could not hear about it.
    for (const subscription of subscriptions) subscription.resync();
  };
  const onOwnedError = (error: unknown): void => {
    lastError = error;
  };

  const adopt = (adopted: RedisClientLike): RedisClientLike => {
    client = adopted;
    if (adopted.isReady) everReady = true;
    adopted.on('ready', onClientReady);
    return adopted;
  };

  const create = async (url: string): Promise<RedisClientLike> => {
    let redis: typeof NodeRedis;
    try {
      redis = await import('redis');
    } catch (error) {
      const missing = (error as { code?: unknown } | null)?.code === 'ERR_MODULE_NOT_FOUND';
      throw new StateStoreError(
        UNAVAILABLE,
        missing
          ? 'redisStore({ url }) needs the optional peer dependency node-redis: npm install redis'
          : `redisStore({ url }) could not load node-redis (${describe(error)})`,
        { cause: error },
      );
    }
    if (isClosed()) throw closedError();
    const created: RedisClientLike = redis.createClient({
      url,
      // A command never waits in a queue while disconnected: it fails, and the caller keeps its last state.
      disableOfflineQueue: true,
      socket: {
        connectTimeout,
        // Never gives up (unlike the default on socket timeouts); jitter spreads a fleet's reconnections.
        reconnectStrategy: (retries: number) => Math.min(retries * 200, 5000) + Math.floor(Math.random() * 100),
      },
    });
    // node-redis throws an `error` event nobody listens to, which ends the process; failures reach
    // the caller through the rejected reads instead.
    created.on('error', onOwnedError);
    adopt(created);
    created.connect().catch(ignore); // keeps retrying in the background; rejects only when closed
    return created;
  };

  const baseClient = (): Promise<RedisClientLike> => {
    base ??= opts.client ? Promise.resolve(adopt(opts.client)) : create(opts.url ?? '');
    return base;
  };

  const connected = async (): Promise<RedisClientLike> => {
    if (closed) throw closedError();
    let current: RedisClientLike;
    try {
      current = await baseClient();
    } catch (error) {
      throw error instanceof StateStoreError ? error : unavailable('Cannot create the Redis client', error);
    }
    if (isClosed()) throw closedError();
    if (current.isReady) return current;
    if (!current.isOpen) {
      throw unavailable(
        owned
          ? 'The Redis connection is closed'
          : 'The Redis client passed as `client` is not connected (call `await client.connect()` first)',
      );
    }
    if (everReady) throw unavailable('Redis is unreachable (reconnecting)', lastError);
    // Concurrent callers share one wait for the first connection.
    firstReady ??= waitForReady(current, connectTimeout, abort.signal).finally(() => (firstReady = undefined));
    await firstReady.catch((error: unknown) => {
      throw isClosed() ? closedError() : unavailable(`Could not connect to Redis within ${connectTimeout} ms`, lastError ?? error);
    });
    return current;
  };

  /** Bounds every command: a hung Redis, or a user's client with an offline queue, must not stall a read. */
  const answer = <T>(promise: Promise<T>): Promise<T> =>
    withTimeout(promise, connectTimeout, () => new Error(`no answer within ${connectTimeout} ms`));

  const failure = (what: string, error: unknown): StateStoreError => {
    if (error instanceof StateStoreError) return error;
    // The key holds a hash, a list...: something is there, and it is not a state.
    if (error instanceof Error && error.message.startsWith('WRONGTYPE')) {
      return new StateStoreError(INVALID, `${where} is not a string holding a state (${error.message})`, { cause: error });
    }
    return unavailable(what, error);
  };

  const get = async (): Promise<StoredState | null> => {
    const current = await connected();
    let reply: unknown;
    try {
      reply = await answer(current.get(key));
    } catch (error) {
      throw failure('Cannot read the state from Redis', error);
    }
    if (reply === null || reply === undefined) return null;
    const text = typeof reply === 'string' ? reply : reply instanceof Uint8Array ? Buffer.from(reply).toString('utf8') : undefined;
    if (text === undefined) throw new StateStoreError(INVALID, `${where} did not return a string`);
    return parseStoredState(text, where);
  };

  const set = async (state: StoredState): Promise<void> => {
    let json: unknown; // `undefined` for a non-object such as `undefined`, despite the lib's type
    try {
      json = JSON.stringify(state);
    } catch (error) {
      throw new StateStoreError(INVALID, 'The state to write is not serializable to JSON', { cause: error });
    }
    const valid = parseStoredState(typeof json === 'string' ? json : 'undefined', 'The state to write');
    const current = await connected();
    try {
      await answer(current.set(key, JSON.stringify(valid)));
    } catch (error) {
      throw failure('Cannot write the state to Redis', error);
    }
    try {
      await answer(current.publish(channel, valid.updatedAt));
    } catch {
      // The state is written; the notification is only a hint, and subscribers' resync catches up.
    }
  };

  const subscribe = async (onChange: (state: StoredState | null) => void, onError: (error: unknown) => void): Promise<() => void> => {
    const parent = await baseClient();
    if (isClosed()) throw closedError();
    const subscriber = guardSubscriber(onChange, onError, opts.logger);
    const subscription = followKey(parent.duplicate(), {
      channel,
      resyncInterval,
      connectTimeout,
      signal: abort.signal,
      read: get,
      subscriber,
    });
    subscriptions.add(subscription);
    const stop = (): Promise<void> => {
      subscriptions.delete(subscription);
      const done = subscription.stop();
      stopping.add(done);
      void done.finally(() => stopping.delete(done));
      return done;
    };
    await subscription.started;
    return () => void stop();
  };

  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      abort.abort();
      const tasks: Promise<void>[] = [...stopping];
      for (const subscription of subscriptions) tasks.push(subscription.stop());
      subscriptions.clear();
      await base?.catch(ignore); // an import or creation in flight
      if (client) {
        client.off('ready', onClientReady);
        if (owned) tasks.push(shutdown(client, connectTimeout));
      }
      await Promise.allSettled(tasks);
    })();
    return closing;
  };

  const store: RedisStore = { key, channel, get, set, subscribe, close };
  redisStores.add(store);
  return store;
}
