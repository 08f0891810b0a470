import { resolve } from 'node:path';
import { redactUrl } from '../shared/messages.js';
import { absentMeans, type AbsentMeans } from '../state/follow.js';
import { StateStoreError } from '../state/stored-state.js';
import { isRedisUrl, openStore, STORE_ENV, storeFromEnv, type StoreSpec } from '../state/stores/from-env.js';
import { DEFAULT_REDIS_KEY } from '../state/stores/redis-store.js';
import type { StoredState } from '../types.js';
import { stringValue, type Values } from './args.js';
import { CliError, EXIT, usageError } from './errors.js';

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
  if (file !== undefined && url !== undefined) throw usageError('--state-file and --redis-url both given; pass only the store the app follows');
  let spec: StoreSpec | undefined;
  if (file !== undefined) spec = { kind: 'file', path: file };
  else if (url !== undefined) {
    if (!isRedisUrl(url)) throw usageError(`Redis URL ${JSON.stringify(redactUrl(url))} is not a redis:// or rediss:// URL; write it like redis://localhost:6379`);
    spec = { kind: 'redis', url, key: undefined };
  } else {
    const fromEnv = storeFromEnv(env);
    const [issue] = fromEnv.issues;
    if (issue) throw usageError(`${issue.field} ${issue.message}; or pick the store with --state-file or --redis-url`);
    spec = fromEnv.spec;
  }
  if (!spec) throw usageError(`no state store given; ${NO_TARGET_FIX}`);
  if (spec.kind === 'file') {
    if (key !== undefined) throw usageError('--redis-key only applies to a Redis store; drop it, or pass --redis-url');
    return spec;
  }
  return { ...spec, key: key ?? spec.key };
}

/** Opens the store through the same `openStore` the app uses; its errors become exits 3 and 4 with a fix. */
export function openTarget(spec: StoreSpec): Target {
  const store = openStore(spec, { connectTimeout: REDIS_CONNECT_TIMEOUT });
  const label = spec.kind === 'file' ? `state file ${resolve(spec.path)}` : `redis ${spec.key ?? DEFAULT_REDIS_KEY} at ${redactUrl(spec.url)}`;
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
      throw new CliError(EXIT.FAILURE, 'ERR_INTERMISSION_REDIS_MISSING', 'cannot load node-redis; install it next to intermission with npm install redis');
    }
    const what = error.message.replace(/^Intermission: /, '');
    if (error.code === 'ERR_INTERMISSION_STATE_INVALID') {
      throw new CliError(EXIT.INVALID, error.code, `${what}; fix it by hand, or overwrite it with intermission down or intermission up`);
    }
    throw new CliError(EXIT.UNAVAILABLE, error.code, `${what}; ${unavailableFix}`);
  }
}
