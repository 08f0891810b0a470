import { resolve } from 'node:path';
import type { Subscriber, SubscriberStore } from './subscriber.js';

/** Where the signup endpoint listens unless `signup.path` says otherwise (next to the preview path). */
export const DEFAULT_SIGNUP_PATH = '/__intermission/subscribe';
/** The embedded store's file, relative to the working directory at start-up. */
export const DEFAULT_SUBSCRIBERS_FILE = '.intermission/subscribers.jsonl';
/** Longest consent text: a sentence or two, not a privacy policy (link to that from the page). */
export const MAX_CONSENT_LENGTH = 1000;

/** Called after an address was durably added (not for one already on the list). */
export type OnSubscribe = (subscriber: Subscriber) => unknown;
/** Called once per fleet when the coming-soon site opens, with every subscriber, oldest first. */
export type OnLaunch = (subscribers: AsyncIterable<Subscriber>) => unknown;

/** `signup`: the launch list's form on the coming-soon page and its endpoint. */
export interface SignupOptions {
  /** Where the form posts. Default: `'/__intermission/subscribe'`. */
  path?: string;
  /** The consent sentence under the field. Default: the page language's `signup.consent` message. */
  consent?: string;
  /** Show a checkbox that must be ticked. Default: `false` (the consent text is shown, and stored as given). */
  requireConsent?: boolean;
  /** Show the form on the maintenance page too. Default: `false`. */
  maintenance?: boolean;
  /**
   * The embedded store's JSON-lines file. Default: `INTERMISSION_SUBSCRIBERS_FILE`, else
   * `.intermission/subscribers.jsonl` in the working directory. Ignored when `store` is given or
   * `INTERMISSION_REDIS_URL` is set.
   */
  file?: string;
  /** Your own store, or `redisSubscriberStore(…)`. Code only. Default: see `file`. */
  store?: SubscriberStore;
  /** After a new address was stored durably. Errors are logged, never shown to the visitor. Code only. */
  onSubscribe?: OnSubscribe;
  /** When the coming-soon site opens (launchAt passes, or `intermission up`): once per fleet. Code only. */
  onLaunch?: OnLaunch;
}

/** Options in `signup` that a config file may not hold (the type test ties this list to the types). */
export const SIGNUP_CODE_ONLY_OPTIONS = ['store', 'onSubscribe', 'onLaunch'] as const;

/** Where the list lives, decided at start-up and opened on the first signup. */
export type SubscriberStoreSpec =
  | { kind: 'options'; store: SubscriberStore }
  | { kind: 'file'; path: string; source: string }
  | { kind: 'redis'; url: string; source: string };

/** `signup` after defaults: everything present. */
export interface ResolvedSignup {
  path: string;
  consent: string | undefined;
  requireConsent: boolean;
  maintenance: boolean;
  store: SubscriberStoreSpec;
  onSubscribe: OnSubscribe | undefined;
  onLaunch: OnLaunch | undefined;
}

/** The serialisable part, as the schema passed it. */
export interface SignupFileOptions {
  path?: string | undefined;
  consent?: string | undefined;
  requireConsent?: boolean | undefined;
  maintenance?: boolean | undefined;
  file?: string | undefined;
}

/** The code-only part, as code-options.ts checked it. */
export interface SignupCodeOptions {
  store?: SubscriberStore | undefined;
  onSubscribe?: OnSubscribe | undefined;
  onLaunch?: OnLaunch | undefined;
}

function envText(env: Record<string, unknown>, key: string): string | undefined {
  const value = env[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The store, by precedence: `signup.store` (code says exactly which object), then
 * `INTERMISSION_SUBSCRIBERS_FILE`, then `INTERMISSION_REDIS_URL` (a fleet that shares its state in
 * Redis shares its list there too), then `signup.file`, then `.intermission/subscribers.jsonl`.
 */
function storeSpec(file: SignupFileOptions, code: SignupCodeOptions, env: Record<string, unknown>): SubscriberStoreSpec {
  if (code.store) return { kind: 'options', store: code.store };
  const envFile = envText(env, 'INTERMISSION_SUBSCRIBERS_FILE');
  if (envFile) return { kind: 'file', path: resolve(envFile), source: 'INTERMISSION_SUBSCRIBERS_FILE' };
  const url = envText(env, 'INTERMISSION_REDIS_URL');
  if (url) return { kind: 'redis', url, source: 'INTERMISSION_REDIS_URL' };
  if (file.file) return { kind: 'file', path: resolve(file.file), source: 'signup.file' };
  return { kind: 'file', path: resolve(DEFAULT_SUBSCRIBERS_FILE), source: 'default' };
}

/** `signup` with its defaults; `undefined` when the launch list is off (the default). */
export function resolveSignup(
  file: boolean | SignupFileOptions | undefined,
  code: SignupCodeOptions,
  env: Record<string, unknown>,
): ResolvedSignup | undefined {
  if (file === undefined || file === false) return undefined;
  const options: SignupFileOptions = file === true ? {} : file;
  return {
    path: options.path ?? DEFAULT_SIGNUP_PATH,
    consent: options.consent,
    requireConsent: options.requireConsent ?? false,
    maintenance: options.maintenance ?? false,
    store: storeSpec(options, code, env),
    onSubscribe: code.onSubscribe,
    onLaunch: code.onLaunch,
  };
}
