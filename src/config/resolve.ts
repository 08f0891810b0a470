import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as z from 'zod';
import { parseIsoDateTime } from '../shared/iso-time.js';
import { MAX_COOKIE_MAX_AGE_SECONDS, MIN_COOKIE_MAX_AGE_SECONDS, MIN_SECRET_LENGTH } from '../shared/limits.js';
import { configSchema, type FileConfig } from './schema.js';
import type { ConfigErrorCode, ConfigIssue } from '../errors.js';
import { admittedSpace } from '../bypass/ip-rule-parse.js';
import { compileIpRules } from '../bypass/ip-rules.js';
import { closest } from '../shared/messages.js';
import { compilePathRules, DEFAULT_OPEN_PATHS } from '../bypass/path-rules.js';
import type {
  BypassPredicate,
  IntermissionOptions,
  Logger,
  Mode,
  Teaser,
  TeaserFile,
  TeaserResolver,
} from '../types.js';

/** Where the effective value of a setting came from, lowest precedence first. */
export type ConfigSource = 'default' | 'config file' | 'options' | 'env';

/** The options after defaults, config file, code and environment are merged and checked. Everything present. */
export interface ResolvedConfig {
  mode: Mode;
  modeSource: ConfigSource;
  secrets: string[];
  ips: string[];
  paths: string[];
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
    lang: string;
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
  store: { kind: 'options' } | { kind: 'file'; path: string } | { kind: 'redis'; url: string; key: string | undefined } | undefined;
  pollInterval: number;
  onChange: IntermissionOptions['onChange'];
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
  configFile: 'config/intermission.json',
} as const;

const SECRET_FIX = `use a random string of at least ${MIN_SECRET_LENGTH} characters (\`npx intermission secret\` prints one)`;

const KNOWN_TOP_LEVEL = [
  ...Object.keys(configSchema.shape),
  'env',
  'logger',
  'now',
  'configFile',
  'store',
  'pollInterval',
  'onChange',
];

/** Environment variables and the option each one sets. */
const ENV_FIELDS: Record<string, string> = {
  mode: 'INTERMISSION_MODE',
  secret: 'INTERMISSION_SECRET',
  'allow.ips': 'INTERMISSION_ALLOW_IPS',
  'allow.paths': 'INTERMISSION_ALLOW_PATHS',
  retryAfter: 'INTERMISSION_RETRY_AFTER',
  until: 'INTERMISSION_UNTIL',
  launchAt: 'INTERMISSION_LAUNCH_AT',
};

/** How to fix a field, appended to zod's description of what is wrong. */
const FIXES: Record<string, { code: ConfigErrorCode; fix: string }> = {
  mode: { code: 'ERR_INTERMISSION_INVALID_MODE', fix: 'use "off", "maintenance" or "coming-soon"' },
  secret: { code: 'ERR_INTERMISSION_INVALID_SECRET', fix: SECRET_FIX },
  until: { code: 'ERR_INTERMISSION_INVALID_DATE', fix: 'write it like 2026-12-24T18:00:00Z' },
  launchAt: { code: 'ERR_INTERMISSION_INVALID_DATE', fix: 'write it like 2026-12-24T18:00:00Z' },
  retryAfter: { code: 'ERR_INTERMISSION_INVALID_NUMBER', fix: 'use a whole number of seconds, like 3600' },
  teaserTimeout: { code: 'ERR_INTERMISSION_INVALID_NUMBER', fix: 'use whole milliseconds from 1 to 10000' },
  statusCode: { code: 'ERR_INTERMISSION_INVALID_NUMBER', fix: 'use an HTTP status from 200 to 599' },
  'cookie.maxAge': {
    code: 'ERR_INTERMISSION_INVALID_NUMBER',
    fix: `use whole seconds from ${MIN_COOKIE_MAX_AGE_SECONDS} to ${MAX_COOKIE_MAX_AGE_SECONDS} (30 days); milliseconds are a common slip`,
  },
};

function fixFor(path: string): { code: ConfigErrorCode; fix: string | undefined } {
  const exact = FIXES[path] ?? FIXES[path.replace(/\[\d+\]$/, '')];
  return exact ?? { code: 'ERR_INTERMISSION_INVALID_OPTION', fix: undefined };
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}


function suggest(key: string, known: readonly string[]): string {
  const best = closest(key, known);
  return best ? `did you mean "${best}"?` : `known options are ${known.join(', ')}`;
}

type Layer = { source: Exclude<ConfigSource, 'default'>; config: FileConfig };

/**
 * Turns zod issues into ours. `name` maps an option path to what the user wrote (an env var, or the
 * path prefixed with the config file's name).
 */
function toIssues(error: z.ZodError, name: (path: string) => string, known: (path: string) => string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const field = path ? `${path}.${key}` : key;
        issues.push({
          field: name(field),
          code: 'ERR_INTERMISSION_UNKNOWN_OPTION',
          message: `unknown option; ${suggest(key, known(path))}`,
        });
      }
      continue;
    }
    const { code, fix } = fixFor(path);
    issues.push({ field: name(path), code, message: fix ? `${issue.message}; ${fix}` : issue.message });
  }
  return issues;
}

function knownKeys(path: string): string[] {
  if (path === '') return KNOWN_TOP_LEVEL;
  let shape: unknown = configSchema;
  for (const part of path.split('.')) {
    shape = unwrap(shape)?.shape?.[part];
  }
  return Object.keys(unwrap(shape)?.shape ?? {});
}

interface SchemaLike {
  shape?: Record<string, unknown>;
  options?: unknown[];
  unwrap?: () => unknown;
}

/** The object shape behind optional wrappers; a union of objects offers the keys of all of them. */
function unwrap(schema: unknown): { shape?: Record<string, unknown> } | undefined {
  let current = schema as SchemaLike | undefined;
  while (current && !current.shape && typeof current.unwrap === 'function') {
    current = current.unwrap() as SchemaLike;
  }
  if (current && !current.shape && Array.isArray(current.options)) {
    const shape: Record<string, unknown> = {};
    for (const option of current.options) Object.assign(shape, unwrap(option)?.shape);
    return { shape };
  }
  return current;
}

/** A rule covering the whole IPv4 space (`0.0.0.0/0`, `::ffff:0:0/96`, `::/0`) or the whole IPv6 space. */
function admitsEveryone(rule: string): boolean {
  return admittedSpace([rule]) !== undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * Checks secrets, IP and path rules in one layer: the schema knows their types, these know their
 * grammar. Runs on the raw layer, so their problems are listed even when the schema found others.
 */
function checkRules(raw: unknown, name: (path: string) => string): ConfigIssue[] {
  if (!isPlainObject(raw)) return [];
  const issues: ConfigIssue[] = [];
  const secret = raw.secret;
  const secrets = typeof secret === 'string' ? [secret] : strings(secret);
  secrets.forEach((value, index) => {
    if (value.length < MIN_SECRET_LENGTH) {
      issues.push({
        field: name(Array.isArray(secret) ? `secret[${index}]` : 'secret'),
        code: 'ERR_INTERMISSION_INVALID_SECRET',
        message: `is ${value.length} characters long; ${SECRET_FIX}`,
      });
    }
  });
  const allow = isPlainObject(raw.allow) ? raw.allow : {};
  const ips = strings(allow.ips);
  for (const error of compileIpRules(ips).errors) {
    issues.push({ field: name(`allow.ips[${error.index}]`), code: error.code, message: `${JSON.stringify(error.rule)}: ${error.reason}` });
  }
  ips.forEach((rule, index) => {
    if (admitsEveryone(rule)) {
      issues.push({
        field: name(`allow.ips[${index}]`),
        code: 'ERR_INTERMISSION_INVALID_CIDR',
        message: `${JSON.stringify(rule)} admits every IPv4 or every IPv6 client, which opens the site to all; list your admins' addresses, or use mode "off"`,
      });
    }
  });
  // Rules that only together cover a whole space (0.0.0.0/1 + 128.0.0.0/1) open the site just as wide.
  const together = admittedSpace(ips);
  if (together !== undefined && !ips.some(admitsEveryone)) {
    issues.push({
      field: name('allow.ips'),
      code: 'ERR_INTERMISSION_INVALID_CIDR',
      message: `together the rules admit every ${together} client, which opens the site to all; list your admins' addresses, or use mode "off"`,
    });
  }
  for (const error of compilePathRules(strings(allow.paths)).errors) {
    issues.push({ field: name(`allow.paths[${error.index}]`), code: error.code, message: `${JSON.stringify(error.rule)}: ${error.reason}` });
  }
  return issues;
}

function parseLayer(
  raw: unknown,
  source: Layer['source'],
  name: (path: string) => string,
): { layer?: Layer; issues: ConfigIssue[] } {
  const parsed = configSchema.safeParse(raw);
  const issues = [...(parsed.success ? [] : toIssues(parsed.error, name, knownKeys)), ...checkRules(raw, name)];
  return parsed.success && issues.length === 0 ? { layer: { source, config: parsed.data }, issues } : { issues };
}

function readConfigFile(path: string): { raw?: unknown; issue?: ConfigIssue } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      issue: {
        field: path,
        code: 'ERR_INTERMISSION_CONFIG_FILE',
        message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path in INTERMISSION_CONFIG or configFile`,
      },
    };
  }
  try {
    return { raw: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      issue: {
        field: path,
        code: 'ERR_INTERMISSION_CONFIG_FILE',
        message: `is not valid JSON (${(error as Error).message}); fix the syntax or point INTERMISSION_CONFIG elsewhere`,
      },
    };
  }
}

/** Reads the environment into the shape of the options. Empty variables count as unset. */
function envLayer(env: Record<string, string | undefined>): Record<string, unknown> {
  const get = (key: string): string | undefined => {
    const value = env[key]?.trim();
    return value ? value : undefined;
  };
  const list = (key: string): string[] | undefined =>
    get(key)
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  const out: Record<string, unknown> = {};
  const mode = get('INTERMISSION_MODE');
  if (mode !== undefined) out.mode = mode;
  const secrets = list('INTERMISSION_SECRET');
  if (secrets) out.secret = secrets.length === 1 ? secrets[0] : secrets;
  const ips = list('INTERMISSION_ALLOW_IPS');
  const paths = list('INTERMISSION_ALLOW_PATHS');
  if (ips || paths) out.allow = { ...(ips && { ips }), ...(paths && { paths }) };
  const retryAfter = get('INTERMISSION_RETRY_AFTER');
  // Strict digits: Number('') is 0 and Number('1e3') is 1000, neither is what was meant.
  if (retryAfter !== undefined) out.retryAfter = /^\d{1,9}$/.test(retryAfter) ? Number(retryAfter) : retryAfter;
  const until = get('INTERMISSION_UNTIL');
  if (until !== undefined) out.until = until;
  const launchAt = get('INTERMISSION_LAUNCH_AT');
  if (launchAt !== undefined) out.launchAt = launchAt;
  return out;
}

function envName(path: string): string {
  const bare = path.replace(/\[\d+\]$/, '');
  const variable = ENV_FIELDS[bare] ?? ENV_FIELDS[bare.split('.').slice(0, 2).join('.')];
  if (!variable) return path;
  const index = /\[(\d+)\]$/.exec(path)?.[1];
  return index === undefined ? variable : `${variable} (item ${Number(index) + 1})`;
}

function isRequestLike(value: object): boolean {
  return 'method' in value && 'headers' in value && ('socket' in value || 'url' in value);
}

function isPlainObjectOrInstance(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Drops keys whose value is `undefined`, deeply: an explicit `undefined` means "the default". */
function withoutUndefined(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) out[key] = withoutUndefined(item);
  }
  return out;
}

function merge(layers: readonly Layer[]): FileConfig {
  const out: FileConfig & Record<string, unknown> = {};
  for (const { config } of layers) {
    for (const [key, value] of Object.entries(config)) {
      const current = out[key];
      out[key] = isPlainObject(current) && isPlainObject(value) && key !== 'teaser' && key !== 'fallbackTeaser'
        ? { ...current, ...value }
        : value;
    }
  }
  return out;
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
  const calledAsMiddleware = typeof input === 'object' && input !== null && isRequestLike(input);
  if (input !== undefined && (calledAsMiddleware || !isPlainObject(input))) {
    return {
      issues: [
        calledAsMiddleware
          ? {
              field: 'intermission',
              code: 'ERR_INTERMISSION_NOT_CALLED',
              message: 'was mounted without being called; write app.use(intermission()) rather than app.use(intermission)',
            }
          : {
              field: 'options',
              code: 'ERR_INTERMISSION_INVALID_OPTION',
              message: `expected an object, got ${input === null ? 'null' : typeof input}; pass intermission({ mode: 'maintenance' }) or nothing`,
            },
      ],
    };
  }
  const options = (withoutUndefined(input ?? {}) as Record<string, unknown>);
  const issues: ConfigIssue[] = [];

  // Functions and host objects are checked here; everything else goes through the schema.
  const functionIssue = (field: string, expected: string): void => {
    issues.push({ field, code: 'ERR_INTERMISSION_INVALID_OPTION', message: `expected ${expected}` });
  };
  const {
    env: envOption,
    logger: loggerOption,
    now: nowOption,
    configFile: configFileOption,
    store: storeOption,
    pollInterval: pollOption,
    onChange: onChangeOption,
    ...rest
  } = options;
  const env = (envOption ?? process.env) as Record<string, string | undefined>;
  if (envOption !== undefined && (typeof envOption !== 'object' || envOption === null)) {
    functionIssue('env', 'an object of environment variables');
  }
  if (loggerOption !== undefined && loggerOption !== false) {
    const logger: unknown = loggerOption;
    if (!isPlainObjectOrInstance(logger) || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
      functionIssue('logger', 'an object with warn() and error() methods, or false');
    }
  }
  if (nowOption !== undefined && typeof nowOption !== 'function') functionIssue('now', 'a function returning epoch milliseconds or a Date');
  if (configFileOption !== undefined && configFileOption !== false && typeof configFileOption !== 'string') {
    functionIssue('configFile', 'a path or false');
  }

  if (onChangeOption !== undefined && typeof onChangeOption !== 'function') functionIssue('onChange', 'a function (status, previous) => void');
  if (pollOption !== undefined && !(typeof pollOption === 'number' && Number.isInteger(pollOption) && pollOption >= 50 && pollOption <= 3_600_000)) {
    issues.push({ field: 'pollInterval', code: 'ERR_INTERMISSION_INVALID_NUMBER', message: 'expected whole milliseconds from 50 to 3600000' });
  }
  const stateFile = env.INTERMISSION_STATE_FILE?.trim() || undefined;
  const redisUrl = env.INTERMISSION_REDIS_URL?.trim() || undefined;
  if (stateFile && redisUrl) {
    issues.push({
      field: 'INTERMISSION_STATE_FILE',
      code: 'ERR_INTERMISSION_STORE',
      message: 'and INTERMISSION_REDIS_URL are both set; keep the one store the fleet shares',
    });
  }
  if (redisUrl && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    issues.push({ field: 'INTERMISSION_REDIS_URL', code: 'ERR_INTERMISSION_STORE', message: 'expected a redis:// or rediss:// URL' });
  }
  // Environment over code, as everywhere: an operator can point a deployed app at another store.
  const store: ResolvedConfig['store'] = stateFile
    ? { kind: 'file', path: resolve(stateFile) }
    : redisUrl
      ? { kind: 'redis', url: redisUrl, key: env.INTERMISSION_REDIS_KEY?.trim() || undefined }
      : storeOption === undefined
        ? undefined
        : { kind: 'options' };

  const codeConfig: Record<string, unknown> = { ...rest, until: isoOf(rest.until), launchAt: isoOf(rest.launchAt) };
  let teaserResolver: TeaserResolver | undefined;
  if (typeof codeConfig.teaser === 'function') {
    teaserResolver = codeConfig.teaser as TeaserResolver;
    delete codeConfig.teaser;
  }
  let bypass: BypassPredicate | undefined;
  if (isPlainObject(codeConfig.allow) && codeConfig.allow.bypass !== undefined) {
    const { bypass: predicate, ...allow } = codeConfig.allow;
    if (typeof predicate === 'function') bypass = predicate as BypassPredicate;
    else functionIssue('allow.bypass', 'a function (req) => boolean | Promise<boolean>');
    codeConfig.allow = allow;
  }

  const layers: Layer[] = [];
  const envRaw = envLayer(env);
  let configFile: string | undefined;
  if (configFileOption !== false) {
    const explicit = (env.INTERMISSION_CONFIG?.trim() || undefined) ?? (configFileOption as string | undefined);
    const path = resolve(explicit ?? DEFAULTS.configFile);
    if (explicit !== undefined || existsSync(path)) {
      configFile = path;
      const { raw, issue } = readConfigFile(path);
      if (issue) issues.push(issue);
      else {
        const parsed = parseLayer(raw, 'config file', (field) => `${path} › ${field}`);
        issues.push(...parsed.issues);
        if (parsed.layer) layers.push(parsed.layer);
      }
    }
  }
  const code = parseLayer(withoutUndefined(codeConfig), 'options', (field) => field);
  issues.push(...code.issues);
  if (code.layer) layers.push(code.layer);
  const fromEnv = parseLayer(envRaw, 'env', envName);
  issues.push(...fromEnv.issues);
  if (fromEnv.layer) layers.push(fromEnv.layer);

  if (issues.length > 0) return { issues };

  const merged = merge(layers);
  const modeSource = [...layers].reverse().find((layer) => layer.config.mode !== undefined)?.source ?? 'default';
  const logger = loggerOption === false ? SILENT : ((loggerOption as Logger | undefined) ?? defaultLogger());
  const page = merged.page ?? {};
  const config: ResolvedConfig = {
    mode: merged.mode ?? 'off',
    modeSource,
    secrets: merged.secret === undefined ? [] : ([] as string[]).concat(merged.secret),
    ips: merged.allow?.ips ?? [],
    paths: [...(merged.allow?.defaultPaths === false ? [] : DEFAULT_OPEN_PATHS), ...(merged.allow?.paths ?? [])],
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
      lang: page.lang ?? DEFAULTS.lang,
      timeZone: page.timeZone ?? DEFAULTS.timeZone,
      imageOrigins: (page.imageOrigins ?? []).map((url) => new URL(url).origin),
    },
    statusCode: merged.statusCode ?? DEFAULTS.statusCode,
    noindex: merged.noindex ?? false,
    previewPath: merged.previewPath ?? DEFAULTS.previewPath,
    cookie: { name: merged.cookie?.name ?? DEFAULTS.cookieName, maxAge: merged.cookie?.maxAge ?? DEFAULTS.cookieMaxAge },
    logger,
    now: toClock(nowOption as IntermissionOptions['now']),
    configFile,
    store,
    pollInterval: (pollOption as number | undefined) ?? 1000,
    onChange: onChangeOption as IntermissionOptions['onChange'],
  };
  return { config, issues };
}
