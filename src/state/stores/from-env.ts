import { resolve } from 'node:path';
import { redactUrl } from '../../shared/messages.js';
import type { Logger, StateStore } from '../../types.js';
import { fileStore } from './file-store.js';
import { redisStore } from './redis-store.js';

/** A built-in store, named by where it keeps the state. `key` undefined: the default key. */
export type StoreSpec = { kind: 'file'; path: string } | { kind: 'redis'; url: string; key: string | undefined };

/** A problem with the store variables, shaped like a config issue (`field: message`). */
export interface StoreEnvIssue {
  field: string;
  code: 'ERR_INTERMISSION_STORE';
  message: string;
}

/** The environment variables that name a store, for messages and help. */
export const STORE_ENV = {
  file: 'INTERMISSION_STATE_FILE',
  url: 'INTERMISSION_REDIS_URL',
  key: 'INTERMISSION_REDIS_KEY',
} as const;

/** What `redisStore({ url })` accepts: a `redis://` or `rediss://` URL with a host and no white space. */
export function isRedisUrl(text: string): boolean {
  if (/\s/.test(text)) return false;
  try {
    const { protocol, hostname } = new URL(text);
    return (protocol === 'redis:' || protocol === 'rediss:') && hostname !== '';
  } catch {
    return false;
  }
}

/**
 * The store the environment names, if any: `INTERMISSION_STATE_FILE`, or `INTERMISSION_REDIS_URL`
 * with `INTERMISSION_REDIS_KEY`. The one place both the app and the CLI read these variables.
 * Blank values count as unset.
 */
export function storeFromEnv(env: Readonly<Record<string, string | undefined>>): { spec: StoreSpec | undefined; issues: StoreEnvIssue[] } {
  // A code-built `env` may hold non-strings; config reports those, here they count as unset.
  const read = (name: string): string | undefined => {
    const raw: unknown = env[name];
    return (typeof raw === 'string' && raw.trim()) || undefined;
  };
  const file = read(STORE_ENV.file);
  const url = read(STORE_ENV.url);
  const issues: StoreEnvIssue[] = [];
  if (file !== undefined && url !== undefined) {
    issues.push({
      field: STORE_ENV.file,
      code: 'ERR_INTERMISSION_STORE',
      message: `and ${STORE_ENV.url} are both set; keep the one store the fleet shares`,
    });
  }
  if (url !== undefined && !isRedisUrl(url)) {
    issues.push({
      field: STORE_ENV.url,
      code: 'ERR_INTERMISSION_STORE',
      message: `expected a redis:// or rediss:// URL with a host, like redis://localhost:6379, got ${JSON.stringify(redactUrl(url))}`,
    });
  }
  if (issues.length > 0) return { spec: undefined, issues };
  // Absolute now, so a later process.chdir() does not move the file.
  if (file !== undefined) return { spec: { kind: 'file', path: resolve(file) }, issues };
  if (url !== undefined) return { spec: { kind: 'redis', url, key: read(STORE_ENV.key) }, issues };
  return { spec: undefined, issues };
}

/** Opens a built-in store. `connectTimeout` bounds each Redis wait (the CLI fails fast with it). */
export function openStore(spec: StoreSpec, options: { logger?: Pick<Logger, 'error'>; connectTimeout?: number } = {}): StateStore {
  const { logger, connectTimeout } = options;
  if (spec.kind === 'file') return fileStore(spec.path, { ...(logger && { logger }) });
  return redisStore({
    url: spec.url,
    ...(spec.key !== undefined && { key: spec.key }),
    ...(logger && { logger }),
    ...(connectTimeout !== undefined && { connectTimeout }),
  });
}
