import { resolve } from 'node:path';
import type { ConfigIssue } from '../errors.js';
import { DEFAULT_OPEN_PATHS } from '../bypass/path-rules.js';
import { parseIsoDateTime } from '../shared/iso-time.js';
import type { BypassPredicate, IntermissionOptions, Logger, Mode, StateStore, Teaser, TeaserFile, TeaserResolver } from '../types.js';
import { checkCodeOptions, takeFunctions } from './code-options.js';
import { resolveSignup, type ResolvedSignup } from '../signup/options.js';
import { storeFromEnv, type StoreSpec } from '../state/stores/from-env.js';
import { envIssues, envLayer, envName } from './env.js';
import { configFilePath, DEFAULT_CONFIG_FILE, readConfigFile } from './file.js';
import { toIssues } from './issues.js';
import { isPlainObject, withoutUndefined } from './plain-object.js';
import { checkPageLanguage, pageMessages } from './page-language.js';
import { checkPreviewPath, checkRules } from './rules.js';
import type { MessageOverrides } from '../i18n/index.js';
import { configSchema, type FileConfig } from './schema.js';

/** Where the effective value of a setting came from, lowest precedence first. */
export type ConfigSource = 'default' | 'config file' | 'options' | 'env';

/** The options after defaults, config file, code and environment are merged and checked. Everything present. */
export interface ResolvedConfig {
  mode: Mode;
  modeSource: ConfigSource;
  secrets: string[];
  ips: string[];
  paths: string[];
  /** `only`: the paths the gate closes; empty closes every path. */
  only: string[];
  bypass: BypassPredicate | undefined;
  retryAfter: number;
  /** Epoch milliseconds. */
  until: number | undefined;
  launchAt: number | undefined;
  teaser: Teaser | TeaserFile | TeaserResolver | undefined;
  fallbackTeaser: Teaser | TeaserFile | undefined;
  teaserTimeout: number;
  page: {
    title: string | undefined;
    heading: string | undefined;
    message: string | undefined;
    views: string | undefined;
    locals: Record<string, unknown>;
    /** A BCP 47 tag, or `'auto'`. */
    lang: string;
    messages: MessageOverrides;
    /** Per mode: the mode's own texts, else the mode-less ones. */
    texts: Record<'maintenance' | 'coming-soon', PageTexts>;
    timeZone: string;
    imageOrigins: string[];
  };
  statusCode: number;
  noindex: boolean;
  previewPath: string;
  cookie: { name: string; maxAge: number };
  logger: Logger;
  now: () => number;
  /** The config file that was read, if any. */
  configFile: string | undefined;
  /** The state store: the `store` option, or one named by `INTERMISSION_STATE_FILE` / `INTERMISSION_REDIS_URL`. */
  store: { kind: 'options'; store: StateStore } | StoreSpec | undefined;
  pollInterval: number;
  onChange: IntermissionOptions['onChange'];
  /** The launch list; `undefined` when off (the default). */
  signup: ResolvedSignup | undefined;
}

export const DEFAULTS = {
  retryAfter: 3600,
  teaserTimeout: 250,
  statusCode: 200,
  previewPath: '/__intermission/preview',
  cookieName: 'intermission_bypass',
  cookieMaxAge: 12 * 60 * 60,
  lang: 'en',
  timeZone: 'UTC',
  configFile: DEFAULT_CONFIG_FILE,
} as const;

type Layer = { source: Exclude<ConfigSource, 'default'>; config: FileConfig };

/** One layer through the schema and the rule grammar; a layer with any issue is left out. */
function parseLayer(raw: unknown, source: Layer['source'], name: (path: string) => string): { layer?: Layer; issues: ConfigIssue[] } {
  const parsed = configSchema.safeParse(raw);
  const issues = [...(parsed.success ? [] : toIssues(parsed.error, name)), ...checkRules(raw, name), ...checkPageLanguage(raw, name)];
  return parsed.success && issues.length === 0 ? { layer: { source, config: parsed.data }, issues } : { issues };
}

/** Later layers win; objects merge one level deep, except teasers, which are replaced whole. */
function merge(layers: readonly Layer[]): FileConfig {
  const out: FileConfig & Record<string, unknown> = {};
  for (const { config } of layers) {
    for (const [key, value] of Object.entries(config)) {
      const current = out[key];
      out[key] =
        isPlainObject(current) && isPlainObject(value) && key !== 'teaser' && key !== 'fallbackTeaser' ? { ...current, ...value } : value;
    }
  }
  return out;
}

type PageTexts = { title: string | undefined; heading: string | undefined; message: string | undefined };

function textsFor(page: PageTexts | Partial<PageTexts>, mode: Partial<PageTexts> | undefined): PageTexts {
  return { title: mode?.title ?? page.title, heading: mode?.heading ?? page.heading, message: mode?.message ?? page.message };
}

function isRequestLike(value: object): boolean {
  return 'method' in value && 'headers' in value && ('socket' in value || 'url' in value);
}

/** What `intermission()` was called with, when it is not an options object at all. */
function notOptions(input: unknown): ConfigIssue | undefined {
  if (input === undefined) return undefined;
  if (typeof input === 'object' && input !== null && isRequestLike(input)) {
    return {
      field: 'intermission',
      code: 'ERR_INTERMISSION_NOT_CALLED',
      message: 'was mounted without being called; write app.use(intermission()) rather than app.use(intermission)',
    };
  }
  if (isPlainObject(input)) return undefined;
  return {
    field: 'options',
    code: 'ERR_INTERMISSION_INVALID_OPTION',
    message: `expected an object, got ${input === null ? 'null' : typeof input}; pass intermission({ mode: 'maintenance' }) or nothing`,
  };
}

function isoOf(value: unknown): unknown {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : 'Invalid Date';
  return value;
}

function defaultLogger(): Logger {
  return {
    warn: (message, details) => console.warn(`[intermission] ${message}`, details ?? ''),
    error: (message, details) => console.error(`[intermission] ${message}`, details ?? ''),
  };
}

const SILENT: Logger = { warn() {}, error() {} };

function toClock(now: IntermissionOptions['now']): () => number {
  if (!now) return Date.now;
  return () => {
    const value = now();
    return value instanceof Date ? value.getTime() : value;
  };
}

/**
 * Merges defaults, the config file, code options and environment variables (lowest precedence
 * first) and checks every layer. Returns every problem found rather than stopping at the first.
 */
export function resolveConfig(input: unknown): { config?: ResolvedConfig; issues: ConfigIssue[] } {
  const wrongInput = notOptions(input);
  if (wrongInput) return { issues: [wrongInput] };
  const checked = checkCodeOptions(withoutUndefined(input ?? {}) as Record<string, unknown>);
  const { code } = checked;
  const issues: ConfigIssue[] = [...checked.issues];
  const env = code.env ?? process.env;
  issues.push(...envIssues(env));

  const fromEnvStore = storeFromEnv(env);
  issues.push(...fromEnvStore.issues);
  // Environment over code, as everywhere: an operator can point a deployed app at another store.
  const store: ResolvedConfig['store'] =
    fromEnvStore.spec ?? (code.store === undefined ? undefined : { kind: 'options', store: code.store });

  const { serialisable, teaserResolver, bypass, signup: signupCode, issues: functionIssues } = takeFunctions(checked.rest);
  issues.push(...functionIssues);
  serialisable.until = isoOf(serialisable.until);
  serialisable.launchAt = isoOf(serialisable.launchAt);

  const layers: Layer[] = [];
  const configFile = configFilePath(code.configFile, env);
  if (configFile !== undefined) {
    const { raw, issue } = readConfigFile(configFile);
    if (issue) issues.push(issue);
    else {
      const parsed = parseLayer(raw, 'config file', (field) => `${configFile} › ${field}`);
      issues.push(...parsed.issues);
      if (parsed.layer) layers.push(parsed.layer);
    }
  }
  for (const [raw, source, name] of [
    [withoutUndefined(serialisable), 'options', (field: string) => field],
    [envLayer(env), 'env', envName],
  ] as const) {
    const parsed = parseLayer(raw, source, name);
    issues.push(...parsed.issues);
    if (parsed.layer) layers.push(parsed.layer);
  }

  if (issues.length > 0) return { issues };

  const merged = merge(layers);
  const previewPath = merged.previewPath ?? DEFAULTS.previewPath;
  const paths = [...(merged.allow?.defaultPaths === false ? [] : DEFAULT_OPEN_PATHS), ...(merged.allow?.paths ?? [])];
  issues.push(...checkPreviewPath(previewPath, paths, DEFAULT_OPEN_PATHS));
  if (isPlainObject(merged.signup) && merged.signup.path === previewPath) {
    issues.push({
      field: 'signup.path',
      code: 'ERR_INTERMISSION_INVALID_PATH',
      message: 'is the preview path; give the signup endpoint a path of its own, like /__intermission/subscribe',
    });
  }
  if (issues.length > 0) return { issues };

  const modeSource = [...layers].reverse().find((layer) => layer.config.mode !== undefined)?.source ?? 'default';
  const page = merged.page ?? {};
  const config: ResolvedConfig = {
    mode: merged.mode ?? 'off',
    modeSource,
    secrets: merged.secret === undefined ? [] : ([] as string[]).concat(merged.secret),
    ips: merged.allow?.ips ?? [],
    paths,
    only: merged.only ?? [],
    bypass,
    retryAfter: merged.retryAfter ?? DEFAULTS.retryAfter,
    until: merged.until === undefined ? undefined : parseIsoDateTime(merged.until),
    launchAt: merged.launchAt === undefined ? undefined : parseIsoDateTime(merged.launchAt),
    teaser: teaserResolver ?? merged.teaser,
    fallbackTeaser: merged.fallbackTeaser,
    teaserTimeout: merged.teaserTimeout ?? DEFAULTS.teaserTimeout,
    page: {
      title: page.title,
      heading: page.heading,
      message: page.message,
      views: page.views === undefined ? undefined : resolve(page.views),
      locals: page.locals ?? {},
      lang: typeof page.lang === 'string' ? page.lang : DEFAULTS.lang,
      messages: pageMessages(page.messages),
      texts: {
        maintenance: textsFor(page, page.maintenance),
        'coming-soon': textsFor(page, page['coming-soon']),
      },
      timeZone: page.timeZone ?? DEFAULTS.timeZone,
      imageOrigins: (page.imageOrigins ?? []).map((url) => new URL(url).origin),
    },
    statusCode: merged.statusCode ?? DEFAULTS.statusCode,
    noindex: merged.noindex ?? false,
    previewPath,
    cookie: { name: merged.cookie?.name ?? DEFAULTS.cookieName, maxAge: merged.cookie?.maxAge ?? DEFAULTS.cookieMaxAge },
    logger: code.logger === false ? SILENT : (code.logger ?? defaultLogger()),
    now: toClock(code.now),
    configFile,
    store,
    pollInterval: code.pollInterval,
    onChange: code.onChange,
    signup: resolveSignup(merged.signup, signupCode, env),
  };
  return { config, issues };
}
