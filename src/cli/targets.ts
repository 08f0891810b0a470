import { resolve } from 'node:path';
import { redactUrl } from '../shared/messages.js';
import { absentMeans, type AbsentMeans } from '../state/follow.js';
import { StateStoreError } from '../errors.js';
import { isRedisUrl, openStore, STORE_ENV, storeFromEnv, type StoreSpec } from '../state/stores/from-env.js';
import { DEFAULT_REDIS_KEY } from '../state/stores/redis-store.js';
import type { StoredState } from '../types.js';
import { stringValue, type StoreUse, type Values } from './args.js';
import { CliError, EXIT, usageError } from './errors.js';
import { SUBSCRIBERS_ENV, TARGET_OPTIONS } from './options.js';
import { DEFAULT_SUBSCRIBERS_FILE } from '../signup/options.js';

/** A CLI is run by a person waiting at a prompt: fail fast rather than wait for Redis. */
const REDIS_CONNECT_TIMEOUT = 2000;
const NO_TARGET_FIX = `pass --state-file PATH or --redis-url URL, or set ${STORE_ENV.file} or ${STORE_ENV.url}`;

/** The store a command reads and writes: the one the app follows. */
export interface Target {
  /** `state file <path>` or `redis <key> at <url>`: shown as the source of the state. */
  readonly label: string;
  /** What "holds no state" means to the apps following this store (see `absentMeans`). */
  readonly absentMeans: AbsentMeans;
  /** The stored state, or `null` when the store holds none. Throws `CliError` (exit 3 or 4). */
  read(): Promise<StoredState | null>;
  write(state: StoredState): Promise<void>;
  close(): Promise<void>;
}

/** The store named by --state-file / --redis-url / --redis-key, else by the environment, as the app reads it. */
export function targetSpec(values: Values, env: Readonly<Record<string, string | undefined>>): StoreSpec {
  const file = stringValue(values, 'state-file');
  const url = stringValue(values, 'redis-url');
  const key = stringValue(values, 'redis-key');
  if (file !== undefined && url !== undefined)
    throw usageError('--state-file and --redis-url both given; pass only the store the app follows');
  let spec: StoreSpec | undefined;
  if (file !== undefined) spec = { kind: 'file', path: file };
  else if (url !== undefined) {
    if (!isRedisUrl(url))
      throw usageError(
        `Redis URL ${JSON.stringify(redactUrl(url))} is not a redis:// or rediss:// URL; write it like redis://localhost:6379`,
      );
    spec = { kind: 'redis', url, key: undefined };
  } else {
    const fromEnv = storeFromEnv(env);
    const [issue] = fromEnv.issues;
    if (issue) throw usageError(`${issue.field} ${issue.message}; or pick the store with --state-file or --redis-url`);
    spec = fromEnv.spec;
  }
  if (!spec) throw usageError(`no state store given; ${NO_TARGET_FIX}`);
  // --redis-key with a state file cannot matter: ignored (see ignoredFlags), like any target flag.
  if (spec.kind === 'file') return spec;
  return { ...spec, key: key ?? spec.key };
}

/** Where the launch list lives, as the CLI opens it. `key` undefined: the store's default key. */
export type SubscriberSpec = { kind: 'file'; path: string } | { kind: 'redis'; url: string; key: string | undefined };

/**
 * The subscriber list named by the flags, else by the environment, else the app's default file
 * (`.intermission/subscribers.jsonl` in the working directory). A subscriber file (--subscribers-file,
 * else ${SUBSCRIBERS_ENV.file}) wins over the Redis URL, which is shared with the state store: a site
 * may keep its state in Redis and its list in a file, and set both once for every command.
 */
export function subscriberSpec(values: Values, env: Readonly<Record<string, string | undefined>>): SubscriberSpec {
  const read = (name: string): string | undefined => {
    const raw = env[name];
    return (typeof raw === 'string' && raw.trim()) || undefined;
  };
  const file = stringValue(values, 'subscribers-file') ?? read(SUBSCRIBERS_ENV.file);
  if (file !== undefined) return { kind: 'file', path: resolve(file) };
  const flagUrl = stringValue(values, 'redis-url');
  const url = flagUrl ?? read(STORE_ENV.url);
  // Nothing named: the app's own default, the embedded file in the working directory.
  if (url === undefined) return { kind: 'file', path: resolve(DEFAULT_SUBSCRIBERS_FILE) };
  if (!isRedisUrl(url)) {
    const where = flagUrl === undefined ? STORE_ENV.url : 'Redis URL';
    throw usageError(`${where} ${JSON.stringify(redactUrl(url))} is not a redis:// or rediss:// URL; write it like redis://localhost:6379`);
  }
  return { kind: 'redis', url, key: stringValue(values, 'subscribers-key') ?? read(SUBSCRIBERS_ENV.key) };
}

/**
 * The target flags given on the command line that cannot change what this command does: the other
 * store's flags, and a Redis flag when the store is a file. Reported under `"ignored"` with --json.
 */
export function ignoredFlags(store: StoreUse, values: Values, resolved: StoreSpec | SubscriberSpec | undefined): string[] {
  const relevant = new Set<string>();
  if (store === 'state') {
    relevant.add('state-file').add('redis-url');
    if (resolved?.kind !== 'file') relevant.add('redis-key');
  } else if (store === 'subscribers') {
    relevant.add('subscribers-file');
    if (resolved?.kind !== 'file') relevant.add('redis-url').add('subscribers-key');
  }
  return Object.keys(TARGET_OPTIONS)
    .filter((flag) => values[flag] !== undefined && !relevant.has(flag))
    .map((flag) => `--${flag}`);
}

/** Opens the store through the same `openStore` the app uses; its errors become exits 3 and 4 with a fix. */
export function openTarget(spec: StoreSpec): Target {
  const store = openStore(spec, { connectTimeout: REDIS_CONNECT_TIMEOUT });
  const label =
    spec.kind === 'file' ? `state file ${resolve(spec.path)}` : `redis ${spec.key ?? DEFAULT_REDIS_KEY} at ${redactUrl(spec.url)}`;
  const fix =
    spec.kind === 'file'
      ? `check the path and its permissions (--state-file or ${STORE_ENV.file})`
      : `check --redis-url (or ${STORE_ENV.url}) and that Redis is running`;
  return {
    label,
    absentMeans: absentMeans(store),
    read: () => guarded(fix, async () => store.get()),
    write: (state) =>
      guarded(fix, async () => {
        if (!store.set) throw new Error('this store cannot write');
        await store.set(state);
      }),
    close: async () => {
      await store.close?.();
    },
  };
}

/** Turns the stores' errors into exit codes 3 and 4, with a fix for the user. */
async function guarded<T>(unavailableFix: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof StateStoreError)) throw error;
    if ((error.cause as { code?: unknown } | undefined)?.code === 'ERR_MODULE_NOT_FOUND') {
      throw new CliError(
        EXIT.FAILURE,
        'ERR_INTERMISSION_REDIS_MISSING',
        'cannot load node-redis; install it next to intermission with npm install redis',
      );
    }
    const what = error.message.replace(/^Intermission: /, '');
    if (error.code === 'ERR_INTERMISSION_STATE_INVALID') {
      throw new CliError(EXIT.INVALID, error.code, `${what}; fix it by hand, or overwrite it with intermission down or intermission up`);
    }
    throw new CliError(EXIT.UNAVAILABLE, error.code, `${what}; ${unavailableFix}`);
  }
}
