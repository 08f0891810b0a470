/**
 * The options every command shares. One grammar: each command accepts every target and output flag, so
 * a script can set its targets once for all commands; a flag that cannot matter to a command is ignored
 * (and listed under `"ignored"` with --json), never refused.
 */
import { STORE_ENV } from '../state/stores/from-env.js';
import { DEFAULT_REDIS_KEY } from '../state/stores/redis-store.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown in help for string options. */
  arg?: string;
  short?: string;
  help: string;
}
export type OptionSpecs = Record<string, OptionSpec>;

/** The environment variables that name the subscriber list (the Redis URL is the state store's, shared). */
export const SUBSCRIBERS_ENV = {
  file: 'INTERMISSION_SUBSCRIBERS_FILE',
  key: 'INTERMISSION_SUBSCRIBERS_KEY',
} as const;

/** `redisSubscriberStore`'s default key, for help and labels. */
export const DEFAULT_SUBSCRIBERS_KEY = 'intermission:subscribers';

export const OUTPUT_OPTIONS: OptionSpecs = {
  json: { type: 'boolean', help: 'Print the result as one JSON object on stdout (errors as JSON on stderr)' },
  help: { type: 'boolean', short: 'h', help: 'Show this help' },
};

/** The state store the app follows. */
export const STATE_OPTIONS: OptionSpecs = {
  'state-file': { type: 'string', arg: 'PATH', help: `JSON state file the app follows (env ${STORE_ENV.file})` },
  'redis-url': {
    type: 'string',
    arg: 'URL',
    help: `Redis the fleet follows, redis:// or rediss:// (env ${STORE_ENV.url}); also holds the subscribers unless a subscriber file is given`,
  },
  'redis-key': { type: 'string', arg: 'KEY', help: `Redis key holding the state (env ${STORE_ENV.key}, default ${DEFAULT_REDIS_KEY})` },
};

/** The launch list (`signup`). */
export const SUBSCRIBER_OPTIONS: OptionSpecs = {
  'subscribers-file': {
    type: 'string',
    arg: 'PATH',
    help: `JSON-lines subscriber file (env ${SUBSCRIBERS_ENV.file}); wins over --redis-url for the list`,
  },
  'subscribers-key': {
    type: 'string',
    arg: 'KEY',
    help: `Redis key of the subscriber list (env ${SUBSCRIBERS_ENV.key}, default ${DEFAULT_SUBSCRIBERS_KEY})`,
  },
};

/** The flags every command takes, whatever it does. */
export const TARGET_OPTIONS: OptionSpecs = { ...STATE_OPTIONS, ...SUBSCRIBER_OPTIONS };
