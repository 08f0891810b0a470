import type { ConfigIssue } from '../errors.js';
import { describeValue } from '../shared/messages.js';
import { SIGNUP_CODE_ONLY_OPTIONS, type SignupCodeOptions } from '../signup/options.js';
import type { BypassPredicate, IntermissionOptions, Logger, TeaserResolver } from '../types.js';
import type { Env } from './env.js';
import { isPlainObject } from './plain-object.js';

/**
 * The options only code can set (functions, host objects, the environment itself), checked here
 * because they cannot go through the JSON schema. Everything else is left for the schema.
 */

/** Options that code may set and a config file may not (the type test ties this list to the types). */
export const CODE_ONLY_OPTIONS = ['env', 'logger', 'now', 'configFile', 'store', 'pollInterval', 'onChange'] as const;

const MIN_POLL_INTERVAL_MS = 50;
const MAX_POLL_INTERVAL_MS = 3_600_000;
const DEFAULT_POLL_INTERVAL_MS = 1000;

/** The code-only options, checked; `undefined` where a default applies. */
export interface CodeOptions {
  env: Env | undefined;
  logger: Logger | false | undefined;
  now: IntermissionOptions['now'];
  configFile: string | false | undefined;
  store: IntermissionOptions['store'];
  pollInterval: number;
  onChange: IntermissionOptions['onChange'];
}

function expected(field: string, what: string): ConfigIssue {
  return { field, code: 'ERR_INTERMISSION_INVALID_OPTION', message: `expected ${what}` };
}

function hasMethods(value: unknown, ...methods: string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return methods.every((method) => typeof record[method] === 'function');
}

/**
 * Checks the code-only options and splits them from the rest, which goes on to the schema.
 * `options` has no `undefined` values left.
 */
export function checkCodeOptions(options: Record<string, unknown>): {
  code: CodeOptions;
  rest: Record<string, unknown>;
  issues: ConfigIssue[];
} {
  const { env, logger, now, configFile, store, pollInterval, onChange, ...rest } = options;
  const issues: ConfigIssue[] = [];
  if (env !== undefined && (typeof env !== 'object' || env === null)) issues.push(expected('env', 'an object of environment variables'));
  if (logger !== undefined && logger !== false) issues.push(...checkLogger(logger));
  if (now !== undefined) issues.push(...checkClock(now));
  if (configFile !== undefined && configFile !== false && typeof configFile !== 'string')
    issues.push(expected('configFile', 'a path or false'));
  if (onChange !== undefined && typeof onChange !== 'function') issues.push(expected('onChange', 'a function (status, previous) => void'));
  if (
    pollInterval !== undefined &&
    !(
      typeof pollInterval === 'number' &&
      Number.isInteger(pollInterval) &&
      pollInterval >= MIN_POLL_INTERVAL_MS &&
      pollInterval <= MAX_POLL_INTERVAL_MS
    )
  ) {
    issues.push({
      field: 'pollInterval',
      code: 'ERR_INTERMISSION_INVALID_NUMBER',
      message: `expected whole milliseconds from ${MIN_POLL_INTERVAL_MS} to ${MAX_POLL_INTERVAL_MS}`,
    });
  }
  issues.push(...checkStore(store));
  return {
    code: {
      env: env as Env | undefined,
      logger: logger as Logger | false | undefined,
      now: now as IntermissionOptions['now'],
      configFile: configFile as string | false | undefined,
      store: store as IntermissionOptions['store'],
      pollInterval: (pollInterval as number | undefined) ?? DEFAULT_POLL_INTERVAL_MS,
      onChange: onChange as IntermissionOptions['onChange'],
    },
    rest,
    issues,
  };
}

/** `warn` and `error` are required; `debug` and `info` are called per request when present, so they must be functions. */
function checkLogger(logger: unknown): ConfigIssue[] {
  if (!hasMethods(logger, 'warn', 'error')) return [expected('logger', 'an object with warn() and error() methods, or false')];
  const record = logger as Record<string, unknown>;
  return (['debug', 'info'] as const)
    .filter((level) => record[level] !== undefined && typeof record[level] !== 'function')
    .map((level) =>
      expected(
        'logger',
        `logger.${level} to be a function when present, got ${describeValue(record[level])}; make it a method or leave it out`,
      ),
    );
}

/** The clock is read on every request: one call now shows whether it answers with a time. */
function checkClock(now: unknown): ConfigIssue[] {
  if (typeof now !== 'function') return [expected('now', 'a function returning epoch milliseconds or a Date')];
  let value: unknown;
  try {
    value = (now as () => unknown)();
  } catch (error) {
    return [expected('now', `a clock that answers, but it threw (${error instanceof Error ? error.message : String(error)})`)];
  }
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms === 'number' && Number.isFinite(ms)) return [];
  return [
    expected(
      'now',
      `a function returning epoch milliseconds or a valid Date, but it returned ${value instanceof Date ? 'an invalid Date' : describeValue(value)}`,
    ),
  ];
}

const STORE_FIX = 'pass fileStore(path), redisStore({ url }) or your own object with a get() method (see the StateStore type)';
const OPTIONAL_STORE_METHODS = ['set', 'subscribe', 'close'] as const;

/**
 * The `StateStore` contract, checked at start-up like every other option (the store is only opened
 * after the whole configuration passed): `get` is required, the other methods are optional but must
 * be functions when present.
 */
function checkStore(store: unknown): ConfigIssue[] {
  if (store === undefined) return [];
  const issue = (message: string): ConfigIssue => ({ field: 'store', code: 'ERR_INTERMISSION_STORE', message });
  if ((typeof store !== 'object' && typeof store !== 'function') || store === null) {
    return [issue(`expected a StateStore, got ${describeValue(store)}; ${STORE_FIX}`)];
  }
  const record = store as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  if (typeof record.get !== 'function') issues.push(issue(`has no get() method (store.get must be a function); ${STORE_FIX}`));
  for (const method of OPTIONAL_STORE_METHODS) {
    const value = record[method];
    if (value !== undefined && typeof value !== 'function') {
      issues.push(
        issue(`store.${method} is ${describeValue(value)}, not a function; make it a method or leave it out (${method}() is optional)`),
      );
    }
  }
  return issues;
}

/**
 * Takes the functions out of the serialisable options (a teaser resolver, `allow.bypass`), so what
 * is left can go through the schema like a config file.
 */
export function takeFunctions(options: Record<string, unknown>): {
  serialisable: Record<string, unknown>;
  teaserResolver: TeaserResolver | undefined;
  bypass: BypassPredicate | undefined;
  signup: SignupCodeOptions;
  issues: ConfigIssue[];
} {
  const serialisable = { ...options };
  const signup: SignupCodeOptions = {};
  const issues: ConfigIssue[] = [];
  let teaserResolver: TeaserResolver | undefined;
  if (typeof serialisable.teaser === 'function') {
    teaserResolver = serialisable.teaser as TeaserResolver;
    delete serialisable.teaser;
  }
  let bypass: BypassPredicate | undefined;
  if (isPlainObject(serialisable.allow) && serialisable.allow.bypass !== undefined) {
    const { bypass: predicate, ...allow } = serialisable.allow;
    if (typeof predicate === 'function') bypass = predicate as BypassPredicate;
    else issues.push(expected('allow.bypass', 'a function (req) => boolean | Promise<boolean>'));
    serialisable.allow = allow;
  }
  if (isPlainObject(serialisable.signup)) {
    const { rest, code, issues: signupIssues } = takeSignupCode(serialisable.signup);
    serialisable.signup = rest;
    Object.assign(signup, code);
    issues.push(...signupIssues);
  }
  return { serialisable, teaserResolver, bypass, signup, issues };
}

/** `signup.store`, `signup.onSubscribe` and `signup.onLaunch`: checked here, kept out of the schema. */
function takeSignupCode(options: Record<string, unknown>): {
  rest: Record<string, unknown>;
  code: SignupCodeOptions;
  issues: ConfigIssue[];
} {
  const codeOnly: readonly string[] = SIGNUP_CODE_ONLY_OPTIONS;
  const rest = Object.fromEntries(Object.entries(options).filter(([name]) => !codeOnly.includes(name)));
  const code: SignupCodeOptions = {};
  const issues: ConfigIssue[] = [];
  for (const name of SIGNUP_CODE_ONLY_OPTIONS) {
    const value = options[name];
    if (value === undefined) continue;
    if (name === 'store') {
      const missing = ['add', 'remove', 'count', 'list'].filter((method) => !hasMethods(value, method));
      if (missing.length > 0) {
        issues.push({
          field: 'signup.store',
          code: 'ERR_INTERMISSION_STORE',
          message: `expected a SubscriberStore, but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not a method; pass fileSubscriberStore({ path }), redisSubscriberStore({ url }) or an object with add, remove, count and list`,
        });
      } else code.store = value as SignupCodeOptions['store'];
    } else if (typeof value !== 'function') {
      issues.push(
        expected(
          `signup.${name}`,
          name === 'onSubscribe'
            ? 'a function (subscriber) => void'
            : 'a function (subscribers) => void, given an async iterable of subscribers',
        ),
      );
    } else if (name === 'onSubscribe') code.onSubscribe = value as SignupCodeOptions['onSubscribe'];
    else code.onLaunch = value as SignupCodeOptions['onLaunch'];
  }
  return { rest, code, issues };
}
