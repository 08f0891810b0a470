import { setTimeout as sleep } from 'node:timers/promises';
import { parseStoredState, StateStoreError } from '../stored-state.js';
import type { Logger, StateStore, StoredState } from '../../types.js';
// Types only: node-redis is an optional peer, loaded with `import()` when a store is given a `url`.
import type * as NodeRedis from 'redis';
import { redactUrl as redact } from '../../shared/messages.js';
import { withTimeout } from '../../shared/timeout.js';
import { guardSubscriber, type Subscriber } from './subscriber.js';

/** The key holding the state, unless the store is given another. */
export const DEFAULT_REDIS_KEY = 'intermission:state';
/** The channel `set()` announces changes on, unless the store is given another. */
export const DEFAULT_REDIS_CHANNEL = 'intermission:state-changed';

/** A pub/sub message listener, as node-redis calls it. */
export type RedisMessageListener = (message: string, channel: string) => unknown;

/**
 * The part of a node-redis client (v4 or newer) that `redisStore` uses. Structural, so you can pass
 * your own client and no client version is forced on you.
 */
export interface RedisClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string, listener: RedisMessageListener): Promise<unknown>;
  unsubscribe(channel: string, listener: RedisMessageListener): Promise<unknown>;
  /** A new, unconnected client with the same options (the store uses one for pub/sub). */
  duplicate(): RedisClientLike;
  on(event: 'error' | 'ready', listener: (...args: unknown[]) => void): unknown;
  off(event: 'error' | 'ready', listener: (...args: unknown[]) => void): unknown;
  /** node-redis v5+; `quit()` is the v4 name. */
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  /** node-redis v5+; `disconnect()` is the v4 name. */
  destroy?(): void;
  disconnect?(): Promise<unknown>;
}

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL. The store creates, owns and closes its connections. Needs `npm install redis`. */
  url?: string;
  /**
   * Your own node-redis client, already connected (`await client.connect()`). The store never connects
   * nor closes it, and does not add an `error` listener to it (that stays yours to add); it does own,
   * and close, the duplicate it makes for pub/sub.
   */
  client?: RedisClientLike;
  /** The key holding the state as JSON. Default `intermission:state` (`DEFAULT_REDIS_KEY`). */
  key?: string;
  /** The channel where `set()` announces a change. Default `intermission:state-changed` (`DEFAULT_REDIS_CHANNEL`). */
  channel?: string;
  /** Subscribers re-read the key this often (ms), in case a notification was lost. Default 5000. */
  resyncInterval?: number;
  /** How long to wait for the first connection, or for any reply, before failing (ms). Default 2000. */
  connectTimeout?: number;
  /** Where a subscriber callback that throws is logged (once per subscription). Default: `console`. */
  logger?: Pick<Logger, 'error'>;
}

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

const ignore = (): void => {};

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
    new StateStoreError(UNAVAILABLE, `${what}: ${where}${cause === undefined ? '' : ` (${describe(cause)})`}`, cause === undefined ? undefined : { cause });
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
      throw unavailable(owned ? 'The Redis connection is closed' : 'The Redis client passed as `client` is not connected (call `await client.connect()` first)');
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
  const answer = <T>(promise: Promise<T>): Promise<T> => withTimeout(promise, connectTimeout, () => new Error(`no answer within ${connectTimeout} ms`));

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
    const subscription = follow(parent.duplicate(), { channel, resyncInterval, connectTimeout, signal: abort.signal, read: get, subscriber });
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

interface Subscription {
  /** Resolves once subscribed, or after connectTimeout, or when stopped. */
  started: Promise<void>;
  resync(): void;
  stop(): Promise<void>;
}

interface FollowOptions {
  channel: string;
  resyncInterval: number;
  connectTimeout: number;
  signal: AbortSignal;
  read: () => Promise<StoredState | null>;
  /** Guarded callbacks: they never throw. */
  subscriber: Subscriber;
}

/** Keeps one pub/sub connection (`sub`, owned) and re-reads the key whenever it may have changed. */
function follow(sub: RedisClientLike, options: FollowOptions): Subscription {
  const { channel, read, subscriber } = options;
  let active = true;
  let subscribed = false;
  let subscribing = false;
  let connectedNow = false;
  let reading = false;
  let requested = 0;
  let stopped: Promise<void> | undefined;
  let markLive = ignore;
  const live = new Promise<void>((resolve) => (markLive = resolve));

  // Read through a function: `active` changes while a read awaits, which narrowing cannot see.
  const isActive = (): boolean => active;

  // One read at a time, so states are delivered in the order they were read; requests made during a
  // read coalesce into one more read.
  const resync = (): void => {
    if (!active) return;
    requested += 1;
    if (reading) return;
    reading = true;
    void (async () => {
      let served = 0;
      while (isActive() && served < requested) {
        served = requested;
        try {
          const state = await read();
          if (!isActive()) break;
          subscriber.onChange(state);
        } catch (error) {
          if (!isActive()) break;
          // Every failed read is reported; the caller logs once per outage.
          subscriber.onError(error);
        }
      }
      reading = false;
    })();
  };

  // The message is only a hint to re-read the key: its content is never trusted as the state.
  const onMessage: RedisMessageListener = () => resync();

  const onReady = (): void => {
    connectedNow = true;
    if (subscribed) {
      // node-redis (v4+) re-sends SUBSCRIBE for known channels before emitting `ready`; what was
      // published while we were away is lost (pub/sub is at most once), hence the re-read.
      resync();
      return;
    }
    if (subscribing) return;
    subscribing = true;
    sub.subscribe(channel, onMessage).then(
      () => {
        subscribing = false;
        subscribed = true;
        markLive();
        resync();
      },
      (error: unknown) => {
        subscribing = false;
        // A drop retries on the next `ready`; a refusal (ACL) leaves the periodic resync to keep up.
        if (active && sub.isReady) subscriber.onError(new StateStoreError(UNAVAILABLE, `Cannot subscribe to Redis channel "${channel}" (${describe(error)}); following the key by polling only`, { cause: error }));
        markLive();
      },
    );
  };
  const onSubError = (): void => {
    // Report an outage when the connection drops, rather than at the next resync tick.
    if (connectedNow) {
      connectedNow = false;
      resync();
    }
  };

  sub.on('error', onSubError); // also keeps node-redis from throwing the event
  sub.on('ready', onReady);
  sub.connect().catch(ignore); // retries in the background; rejects only when closed
  const timer = setInterval(resync, options.resyncInterval);
  timer.unref();

  const started = Promise.race([live, sleep(options.connectTimeout, undefined, { signal: options.signal, ref: false })])
    .catch(ignore)
    .then(() => {
      // Not subscribed in time: say why now rather than at the next tick.
      if (!subscribed) resync();
    });

  return {
    started,
    resync,
    stop() {
      stopped ??= (async () => {
        active = false;
        clearInterval(timer);
        markLive();
        sub.off('ready', onReady);
        if (subscribed && sub.isReady) await withTimeout(sub.unsubscribe(channel, onMessage), options.connectTimeout).catch(ignore);
        await shutdown(sub, options.connectTimeout);
      })();
      return stopped;
    },
  };
}

/** Closes a client the store owns; falls back to destroying it when Redis is gone. Never rejects. */
async function shutdown(client: RedisClientLike, timeout: number): Promise<void> {
  if (!client.isOpen) return;
  try {
    const closing = client.close ? client.close() : client.quit?.();
    if (closing) {
      await withTimeout(closing, timeout);
      return;
    }
  } catch {
    // fall through: force it
  }
  try {
    if (client.destroy) client.destroy();
    else await client.disconnect?.();
  } catch {
    // nothing more to release
  }
}

function waitForReady(client: RedisClientLike, timeout: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => done();
    const onAbort = (): void => done(new Error('closed'));
    const timer = setTimeout(() => done(new Error('timeout')), timeout);
    client.on('ready', onReady);
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) onAbort();
  });
}

interface CheckedOptions {
  url: string | undefined;
  client: RedisClientLike | undefined;
  key: string;
  channel: string;
  resyncInterval: number;
  connectTimeout: number;
  logger: Pick<Logger, 'error'> | undefined;
}

function checkOptions(options: RedisStoreOptions): CheckedOptions {
  if (typeof options !== 'object' || (options as RedisStoreOptions | null) === null) {
    throw new TypeError('redisStore() needs an options object with `url` or `client`');
  }
  const { url, client } = options;
  if ((url === undefined) === (client === undefined)) {
    throw new TypeError('redisStore() needs exactly one of `url` (a redis:// URL) or `client` (a node-redis client), not ' + (url === undefined ? 'neither' : 'both'));
  }
  if (url !== undefined) {
    let protocol: string | undefined;
    try {
      protocol = new URL(url).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      throw new TypeError(`redisStore(): \`url\` must be a redis:// or rediss:// URL, got ${JSON.stringify(redact(url))}`);
    }
  }
  if (client !== undefined) {
    const record = client as unknown as Record<string, unknown> | null;
    const missing = ['get', 'set', 'publish', 'subscribe', 'unsubscribe', 'duplicate', 'connect', 'on', 'off'].filter((name) => typeof record?.[name] !== 'function');
    if (missing.length > 0) throw new TypeError(`redisStore(): \`client\` must be a node-redis client (v4 or newer); it has no ${missing.join(', ')}`);
  }
  const name = (option: 'key' | 'channel', fallback: string): string => {
    const value = options[option];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value === '') throw new TypeError(`redisStore(): \`${option}\` must be a non-empty string`);
    return value;
  };
  const ms = (option: 'resyncInterval' | 'connectTimeout', fallback: number, min: number): number => {
    const value = options[option];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > 2_147_483_647) {
      throw new TypeError(`redisStore(): \`${option}\` must be a number of milliseconds, at least ${min}`);
    }
    return value;
  };
  if (options.logger !== undefined && typeof (options.logger as Partial<Logger> | null)?.error !== 'function') {
    throw new TypeError('redisStore(): `logger` must have an error() method, like console');
  }
  return {
    url,
    client,
    key: name('key', DEFAULT_REDIS_KEY),
    channel: name('channel', DEFAULT_REDIS_CHANNEL),
    resyncInterval: ms('resyncInterval', 5000, 10),
    connectTimeout: ms('connectTimeout', 2000, 1),
    logger: options.logger,
  };
}


function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
