import { existsSync } from 'node:fs';
import { redactUrl } from '../shared/messages.js';
import { fileSubscriberStore } from '../signup/stores/file-subscriber-store.js';
import { redisSubscriberStore } from '../signup/stores/redis-subscriber-store.js';
import { SubscriberStoreError, type CompactResult, type Subscriber, type SubscriberStore } from '../signup/subscriber.js';
import { STORE_ENV } from '../state/stores/from-env.js';
import { CliError, EXIT } from './errors.js';
import { DEFAULT_SUBSCRIBERS_KEY, SUBSCRIBERS_ENV } from './options.js';
import type { SubscriberSpec } from './targets.js';

/** A CLI is run by a person waiting at a prompt: fail fast rather than wait for Redis. */
const REDIS_TIMEOUT = 2000;

/** The launch list a `subscribers` command works on; every failure is a `CliError` (exit 3 or 4). */
export interface SubscriberTarget {
  readonly kind: 'file' | 'redis';
  /** `subscriber file <path>` or `redis <key> at <url>`. */
  readonly label: string;
  /** The subscriber file (absolute), for a file store. */
  readonly path: string | undefined;
  /** A file store whose file does not exist yet: an empty list, most likely a mistyped path. */
  readonly missing: boolean;
  count(): Promise<number>;
  remove(email: string): Promise<boolean>;
  /** Every subscriber, oldest first. */
  list(): AsyncIterable<Subscriber>;
  /** `undefined` for Redis, which deletes for real at once. */
  compact(): Promise<CompactResult | undefined>;
  close(): Promise<void>;
}

/**
 * Opens the store the app writes to. Skipped lines and records (a torn line, a corrupt record) are
 * reported through `onWarning`, never on the console directly.
 */
export function openSubscriberTarget(spec: SubscriberSpec, onWarning: (text: string) => void): SubscriberTarget {
  const warnings = { onWarning: (warning: SubscriberStoreError) => onWarning(warning.message.replace(/^Intermission: /, '')) };
  const store: SubscriberStore =
    spec.kind === 'file'
      ? fileSubscriberStore({ path: spec.path, ...warnings })
      : redisSubscriberStore({ url: spec.url }, { ...(spec.key !== undefined && { key: spec.key }), timeout: REDIS_TIMEOUT, ...warnings });
  const label =
    spec.kind === 'file' ? `subscriber file ${spec.path}` : `redis ${spec.key ?? DEFAULT_SUBSCRIBERS_KEY} at ${redactUrl(spec.url)}`;
  const fix =
    spec.kind === 'file'
      ? `check the path and its permissions (--subscribers-file or ${SUBSCRIBERS_ENV.file})`
      : `check --redis-url (or ${STORE_ENV.url}) and that Redis is running`;
  const guard = <T>(action: () => T | Promise<T>): Promise<T> => guarded(fix, action);
  return {
    kind: spec.kind,
    label,
    path: spec.kind === 'file' ? spec.path : undefined,
    missing: spec.kind === 'file' && !existsSync(spec.path),
    count: () => guard(() => store.count()),
    remove: (email) => guard(() => store.remove(email)),
    async *list() {
      const iterator = store.list()[Symbol.asyncIterator]();
      for (;;) {
        const next = await guard(() => iterator.next());
        if (next.done) return;
        yield next.value;
      }
    },
    compact: () => guard(() => store.compact?.()),
    close: async () => {
      await store.close?.();
    },
  };
}

/** The stores' errors as exits 3 (unreachable) and 4 (invalid data), with a fix for the user. */
async function guarded<T>(unavailableFix: string, action: () => T | Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof SubscriberStoreError)) throw error;
    const what = error.message.replace(/^Intermission: /, '');
    if (/npm install redis/.test(what)) {
      throw new CliError(
        EXIT.FAILURE,
        'ERR_INTERMISSION_REDIS_MISSING',
        'cannot load node-redis; install it next to intermission with npm install redis',
      );
    }
    if (error.code === 'ERR_INTERMISSION_SUBSCRIBERS_INVALID') {
      throw new CliError(
        EXIT.INVALID,
        error.code,
        `${what}; fix or delete the key by hand, or point --subscribers-key at the list the app writes`,
      );
    }
    throw new CliError(EXIT.UNAVAILABLE, error.code, `${what}; ${unavailableFix}`);
  }
}
