/** `redisStore`'s options: their defaults, documented once, and their checks at construction. */
import { redactUrl } from '../../shared/messages.js';
import type { Logger } from '../../types.js';
import type { RedisClientLike } from './redis-client.js';

/** The key holding the state, unless the store is given another. */
export const DEFAULT_REDIS_KEY = 'intermission:state';
/** The channel `set()` announces changes on, unless the store is given another. */
export const DEFAULT_REDIS_CHANNEL = 'intermission:state-changed';

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

export interface CheckedOptions {
  url: string | undefined;
  client: RedisClientLike | undefined;
  key: string;
  channel: string;
  resyncInterval: number;
  connectTimeout: number;
  logger: Pick<Logger, 'error'> | undefined;
}

export function checkOptions(options: RedisStoreOptions): CheckedOptions {
  if (typeof options !== 'object' || (options as RedisStoreOptions | null) === null) {
    throw new TypeError('redisStore() needs an options object with `url` or `client`');
  }
  const { url, client } = options;
  if ((url === undefined) === (client === undefined)) {
    throw new TypeError(
      'redisStore() needs exactly one of `url` (a redis:// URL) or `client` (a node-redis client), not ' +
        (url === undefined ? 'neither' : 'both'),
    );
  }
  if (url !== undefined) {
    let protocol: string | undefined;
    try {
      protocol = new URL(url).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      throw new TypeError(`redisStore(): \`url\` must be a redis:// or rediss:// URL, got ${JSON.stringify(redactUrl(url))}`);
    }
  }
  if (client !== undefined) {
    const record = client as unknown as Record<string, unknown> | null;
    const missing = ['get', 'set', 'publish', 'subscribe', 'unsubscribe', 'duplicate', 'connect', 'on', 'off'].filter(
      (name) => typeof record?.[name] !== 'function',
    );
    if (missing.length > 0)
      throw new TypeError(`redisStore(): \`client\` must be a node-redis client (v4 or newer); it has no ${missing.join(', ')}`);
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
