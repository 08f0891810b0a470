import {
  SubscriberStoreError,
  type AddResult,
  type Subscriber,
  type SubscriberStore,
  type SubscriberStoreWarningHandler,
} from '../subscriber.js';
import { checkLaunchId, INVALID, warnToConsole } from './common.js';
import { checkEmail, checkSubscriber, encodeRecord, parseRecord } from './record.js';
import { describeWhere, redisConnection, type RedisCommandClient } from './redis-connection.js';

export type { RedisCommandClient } from './redis-connection.js';

export interface RedisSubscriberStoreOptions {
  /** The key of the sorted set of addresses; the other keys are named after it. Default `intermission:subscribers`. */
  key?: string;
  /** How long to wait for the first connection, or for any reply (ms). Default 2000. */
  timeout?: number;
  /** Addresses read per round trip by `list()`. Default 500. */
  batchSize?: number;
  /** Receives records skipped as unreadable (once each). Default: one line on `console.warn`. */
  onWarning?: SubscriberStoreWarningHandler;
}

/** Where the store connects: a URL (the store owns the connection; needs `npm install redis`) or your own client. */
export type RedisSubscriberTarget =
  | { url: string; client?: undefined }
  /** Already connected (`await client.connect()`); the store never connects nor closes it. */
  | { client: RedisCommandClient; url?: undefined };

/** What `redisSubscriberStore` returns: every `SubscriberStore` method but `compact` (Redis deletes for real). */
export interface RedisSubscriberStore extends SubscriberStore {
  /** The sorted set: address → subscription sequence number. */
  readonly key: string;
  add(subscriber: Subscriber): Promise<AddResult>;
  remove(email: string): Promise<boolean>;
  count(): Promise<number>;
  list(): AsyncIterable<Subscriber>;
  /** `SET <key>:launch:<id> <now> NX`: the first process of the fleet to set it wins. */
  claimLaunch(launchId: string): Promise<boolean>;
  /** Closes the connection the store made (not a client you passed). Idempotent; never rejects. */
  close(): Promise<void>;
}

const DEFAULT_KEY = 'intermission:subscribers';

/**
 * Adds the address unless present, at the next sequence number, with its record: atomic (a script runs
 * alone), so two instances adding one address at once get one `1` and one `0`.
 * KEYS: sorted set, records hash, sequence counter. ARGV: address, record JSON.
 */
const ADD_SCRIPT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;

/** Removes the address and its record together: no record outlives its address. KEYS: sorted set, records hash. */
const REMOVE_SCRIPT = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return removed`;

/**
 * The subscriber store for fleets: every instance adds to, and reads, the same Redis keys.
 *
 * - `<key>` (sorted set): address → sequence number, so `list()` is in subscription order.
 * - `<key>:records` (hash): address → `{ subscribedAt, consent, lang? }` as JSON.
 * - `<key>:seq` (string): the sequence counter. `<key>:launch:<id>`: launch claims.
 *
 * `add` and `remove` are single Lua scripts (atomic). `list()` reads `batchSize` addresses per round trip
 * (ZRANGEBYSCORE from the last score seen, then HMGET), never one huge reply, and sees an address added
 * during the walk. Every failure is a `SubscriberStoreError`: `…_UNAVAILABLE` when Redis is down,
 * `…_INVALID` when a key holds another type. On Redis Cluster, put the key in braces
 * (`{intermission:subscribers}`) so that all keys share a slot.
 */
export function redisSubscriberStore(target: RedisSubscriberTarget, options: RedisSubscriberStoreOptions = {}): RedisSubscriberStore {
  const { key, timeout, batchSize, onWarning } = checkOptions(target, options);
  const records = `${key}:records`;
  const where = describeWhere(key, target.url);
  const redis = redisConnection({ url: target.url, client: target.client, timeout, where });
  const reported = new Set<string>();

  const skip = (email: string, reason: string): void => {
    if (reported.has(email)) return;
    reported.add(email);
    onWarning(new SubscriberStoreError(INVALID, `Intermission: skipped subscriber "${email}" in ${where}: ${reason}`));
  };

  return {
    key,

    async add(subscriber) {
      const checked = checkSubscriber(subscriber);
      const reply = await redis.command('Cannot add the subscriber', [
        'EVAL',
        ADD_SCRIPT,
        '3',
        key,
        records,
        `${key}:seq`,
        checked.email,
        encodeRecord(checked),
      ]);
      return Number(reply) === 1 ? 'added' : 'exists';
    },

    async remove(email) {
      const address = checkEmail(email);
      const reply = await redis.command('Cannot remove the subscriber', ['EVAL', REMOVE_SCRIPT, '2', key, records, address]);
      return Number(reply) === 1;
    },

    async count() {
      const reply = await redis.command('Cannot count the subscribers', ['ZCARD', key]);
      return Number(reply);
    },

    async *list() {
      let after = '-inf';
      for (;;) {
        const page = pairs(
          await redis.command('Cannot list the subscribers', [
            'ZRANGEBYSCORE',
            key,
            after,
            '+inf',
            'WITHSCORES',
            'LIMIT',
            '0',
            String(batchSize),
          ]),
        );
        if (page.length === 0) return;
        const found = await redis.command('Cannot read the subscriber records', ['HMGET', records, ...page.map(([email]) => email)]);
        const values = Array.isArray(found) ? found : [];
        for (const [i, [email]] of page.entries()) {
          const json = text(values[i]);
          const subscriber = json === undefined ? undefined : parseRecord(email, json);
          if (subscriber) yield subscriber;
          else skip(email, json === undefined ? 'its record is missing' : 'its record is not valid');
        }
        const last = page[page.length - 1];
        if (!last || page.length < batchSize) return;
        // Exclusive: the next page starts after the last score read.
        after = `(${last[1]}`;
      }
    },

    async claimLaunch(launchId) {
      const id = checkLaunchId(launchId);
      const reply = await redis.command('Cannot claim the launch', ['SET', `${key}:launch:${id}`, new Date().toISOString(), 'NX']);
      return reply !== null && reply !== undefined;
    },

    close() {
      return redis.close();
    },
  };
}

/** `[member, score]` pairs from a WITHSCORES reply: flat in RESP2, nested in RESP3. */
function pairs(reply: unknown): [string, string][] {
  if (!Array.isArray(reply)) return [];
  const result: [string, string][] = [];
  if (reply.every(Array.isArray)) {
    for (const entry of reply as unknown[][]) {
      const member = text(entry[0]);
      if (member !== undefined) result.push([member, String(entry[1])]);
    }
    return result;
  }
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const member = text(reply[i]);
    const score = text(reply[i + 1]);
    if (member !== undefined && score !== undefined) result.push([member, score]);
  }
  return result;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return undefined;
}

function checkOptions(
  target: RedisSubscriberTarget,
  options: RedisSubscriberStoreOptions,
): { key: string; timeout: number; batchSize: number; onWarning: SubscriberStoreWarningHandler } {
  if (typeof target !== 'object' || (target as RedisSubscriberTarget | null) === null) {
    throw new TypeError('redisSubscriberStore() needs { url: "redis://…" } or { client } as its first argument');
  }
  const { url, client } = target;
  if ((url === undefined) === (client === undefined)) {
    throw new TypeError(
      `redisSubscriberStore() needs exactly one of \`url\` (a redis:// URL) or \`client\` (a node-redis client), not ${url === undefined ? 'neither' : 'both'}`,
    );
  }
  if (url !== undefined) {
    let protocol: string | undefined;
    try {
      protocol = new URL(url).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:')
      throw new TypeError('redisSubscriberStore(): `url` must be a redis:// or rediss:// URL');
  }
  if (client !== undefined) {
    const record = client as unknown as Record<string, unknown> | null;
    const missing = ['sendCommand', 'connect', 'on', 'off'].filter((name) => typeof record?.[name] !== 'function');
    if (missing.length > 0)
      throw new TypeError(`redisSubscriberStore(): \`client\` must be a node-redis client (v4 or newer); it has no ${missing.join(', ')}`);
  }
  if (typeof options !== 'object' || (options as RedisSubscriberStoreOptions | null) === null)
    throw new TypeError('redisSubscriberStore(): the second argument must be an options object');
  const { key = DEFAULT_KEY, timeout = 2000, batchSize = 500, onWarning = warnToConsole } = options;
  if (typeof key !== 'string' || key === '') throw new TypeError('redisSubscriberStore(): `key` must be a non-empty string');
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 1 || timeout > 2_147_483_647)
    throw new TypeError('redisSubscriberStore(): `timeout` must be a number of milliseconds, at least 1');
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new TypeError('redisSubscriberStore(): `batchSize` must be an integer from 1 to 10000');
  if (typeof onWarning !== 'function') throw new TypeError('redisSubscriberStore(): `onWarning` must be a function');
  return { key, timeout, batchSize, onWarning };
}
