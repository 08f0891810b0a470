/**
 * One Redis connection for the subscriber store: created lazily from a URL (node-redis is an optional
 * peer, imported on first use) or borrowed from the caller, with every command bounded in time and every
 * failure turned into a `SubscriberStoreError`.
 */
// Types only: node-redis is loaded with `import()` when a store is given a `url`.
import type * as NodeRedis from 'redis';
import { redactUrl } from '../../shared/messages.js';
import { shutdown, waitForReady } from '../../shared/redis-lifecycle.js';
import { withTimeout } from '../../shared/timeout.js';
import { SubscriberStoreError } from '../subscriber.js';
import { INVALID, unavailable } from './common.js';

/**
 * The part of a node-redis client (v4 or newer) the subscriber store uses. Structural, so you can pass
 * your own client and no client version is forced on you.
 */
export interface RedisCommandClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  /** Raw command; the store sends `EVAL`, `ZCARD`, `ZRANGEBYSCORE`, `HMGET` and `SET … NX`. */
  sendCommand(args: string[]): Promise<unknown>;
  on(event: 'error' | 'ready', listener: (...args: unknown[]) => void): unknown;
  off(event: 'error' | 'ready', listener: (...args: unknown[]) => void): unknown;
  /** node-redis v5+; `quit()` is the v4 name. */
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  /** node-redis v5+; `disconnect()` is the v4 name. */
  destroy?(): void;
  disconnect?(): Promise<unknown>;
}

export interface RedisConnectionOptions {
  url: string | undefined;
  client: RedisCommandClient | undefined;
  /** How long to wait for the first connection, or for any reply (ms). */
  timeout: number;
  /** Names the store in messages: `Redis key "…" at redis://…`. */
  where: string;
}

export interface RedisConnection {
  /** Sends one command; rejects with `…_UNAVAILABLE` (or `…_INVALID` for WRONGTYPE) naming `what`. */
  command(what: string, args: string[]): Promise<unknown>;
  /** Closes the client when the store created it; leaves a borrowed one open. Never rejects. */
  close(): Promise<void>;
}

const ignore = (): void => {};

export function redisConnection(options: RedisConnectionOptions): RedisConnection {
  const { timeout, where } = options;
  const owned = options.client === undefined;
  let client: Promise<RedisCommandClient> | undefined;
  let created: RedisCommandClient | undefined;
  let closed = false;
  let everReady = false;
  let lastError: unknown;
  const isClosed = (): boolean => closed;

  const create = async (url: string): Promise<RedisCommandClient> => {
    let redis: typeof NodeRedis;
    try {
      redis = await import('redis');
    } catch (error) {
      const missing = errorCode(error) === 'ERR_MODULE_NOT_FOUND';
      throw unavailable(
        missing
          ? 'redisSubscriberStore({ url }) needs the optional peer dependency node-redis: npm install redis'
          : 'redisSubscriberStore({ url }) could not load node-redis',
        missing ? undefined : error,
      );
    }
    if (isClosed()) throw unavailable(`The Redis subscriber store is closed: ${where}`);
    const made: RedisCommandClient = redis.createClient({
      url,
      // A command never waits in a queue while disconnected: it fails, and the visitor is told to retry.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: timeout,
        // Never gives up; jitter spreads a fleet's reconnections.
        reconnectStrategy: (retries: number) => Math.min(retries * 200, 5000) + Math.floor(Math.random() * 100),
      },
    });
    // An `error` event nobody listens to ends the process; failures reach callers as rejections instead.
    made.on('error', (error: unknown) => (lastError = error));
    made.on('ready', () => {
      everReady = true;
      lastError = undefined;
    });
    created = made;
    made.connect().catch(ignore); // retries in the background; rejects only when closed
    return made;
  };

  const ready = async (): Promise<RedisCommandClient> => {
    if (closed) throw unavailable(`The Redis subscriber store is closed: ${where}`);
    client ??= options.client ? Promise.resolve(options.client) : create(options.url ?? '');
    const current = await client;
    if (current.isReady) return current;
    if (!owned || !current.isOpen)
      throw unavailable(
        owned
          ? `The Redis connection is closed: ${where}`
          : `The Redis client passed as \`client\` is not ready (call \`await client.connect()\` first): ${where}`,
      );
    if (everReady) throw unavailable(`Redis is unreachable (reconnecting): ${where}`, lastError);
    await waitForReady(current, timeout).catch(() => {
      throw unavailable(`Could not connect to Redis within ${timeout} ms: ${where}`, lastError);
    });
    return current;
  };

  return {
    async command(what, args) {
      const current = await ready();
      try {
        // Bounds a reply: a hung Redis, or a caller's client with an offline queue, must not hang a visitor.
        return await withTimeout(current.sendCommand(args), timeout, () => new Error(`no answer within ${timeout} ms`));
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('WRONGTYPE')) {
          throw new SubscriberStoreError(
            INVALID,
            `${what}: ${where} holds another kind of value (${error.message}); choose another \`key\``,
            { cause: error },
          );
        }
        throw unavailable(`${what}: ${where}`, error);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await client?.catch(ignore);
      if (owned && created) await shutdown(created, timeout);
    },
  };
}

/** `Redis key "k" at redis://host` with the password hidden. */
export function describeWhere(key: string, url: string | undefined): string {
  return `Redis key "${key}"${url === undefined ? '' : ` at ${redactUrl(url)}`}`;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}
