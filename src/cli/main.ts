/**
 * `intermission`: `php artisan down` / `up` for Express. Writes the runtime state to the store the app
 * follows (a JSON file or a Redis key), so a running site, or a whole fleet, switches without a restart.
 *
 * Exit codes, stable for scripts (also listed in `--help`):
 *   0  ok
 *   1  anything else: invalid configuration, no secret, unexpected failure
 *   2  usage error: unknown command or option, bad value, no state store given
 *   3  the state store is unreachable (file unreadable or unwritable, Redis down)
 *   4  the state store holds an invalid state
 *
 * Errors go to stderr as one line, `intermission: <what>; <fix>`; with `--json`, as one JSON object
 * `{"error":{"code","message"}}` on stderr, so stdout only ever carries results.
 */
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as NodeRedis from 'redis';
import { IntermissionError, withoutPrefix, type ErrorCode } from '../errors.js';
import { parseIsoDateTime } from '../shared/iso-time.js';
import { MAX_MESSAGE_LENGTH, MAX_PREVIEW_TTL_SECONDS, MAX_SCHEDULE_SECONDS } from '../shared/limits.js';
import { resolveConfig } from '../config/resolve.js';
import { closest, redactUrl as redact } from '../shared/messages.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { phaseAt } from '../state/schedule.js';
import { createPreviewToken } from '../bypass/preview-token.js';
import { safeNext } from '../bypass/safe-next.js';
import { parseDuration, StateStoreError } from '../state/stored-state.js';
import type { StoredState } from '../types.js';
import { fileStore } from '../state/stores/file-store.js';
import { redisStore } from '../state/stores/redis-store.js';
import type { Mode } from '../types.js';

export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, UNAVAILABLE: 3, INVALID: 4 } as const;

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** Clock for tests. Default `Date.now`. */
  now?: () => number;
}

/** An error meant for the user: `message` is `<what>; <fix>`, without the `intermission:` prefix. */
export class CliError extends IntermissionError {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: number,
    code: ErrorCode,
    message: string,
    /** Help text printed after the error line (not in JSON mode). */
    readonly help?: string,
  ) {
    super(code, message);
    // The CLI prints its own `intermission: ` before the message.
    this.message = withoutPrefix(this.message);
  }
}

const usageError = (message: string, help?: string): CliError => new CliError(EXIT.USAGE, 'ERR_INTERMISSION_USAGE', message, help);

const DEFAULT_REDIS_KEY = 'intermission:state';
const DEFAULT_BASE_URL = 'http://localhost:3000';
const DEFAULT_PREVIEW_TTL = '1h';
/** A CLI is run by a person waiting at a prompt: fail fast rather than retry. */
const REDIS_CONNECT_TIMEOUT = 2000;
const TIME_HINT = 'a duration from now like 30m, 2h or 1h30m, or an ISO date with a zone like 2026-12-24T18:00:00Z';

// ---------------------------------------------------------------------------------------------------------
// Options and commands

interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown in help for string options. */
  arg?: string;
  short?: string;
  help: string;
}
type OptionSpecs = Record<string, OptionSpec>;
type Values = Record<string, string | boolean | undefined>;

const COMMON: OptionSpecs = {
  json: { type: 'boolean', help: 'Print the result as one JSON object on stdout (errors as JSON on stderr)' },
  help: { type: 'boolean', short: 'h', help: 'Show this help' },
};

const TARGET: OptionSpecs = {
  'state-file': { type: 'string', arg: 'PATH', help: 'JSON state file the app follows (env INTERMISSION_STATE_FILE)' },
  'redis-url': { type: 'string', arg: 'URL', help: 'Redis the fleet follows, redis:// or rediss:// (env INTERMISSION_REDIS_URL)' },
  'redis-key': { type: 'string', arg: 'KEY', help: `Redis key holding the state (env INTERMISSION_REDIS_KEY, default ${DEFAULT_REDIS_KEY})` },
};

interface Context {
  io: CliIo;
  values: Values;
  now: number;
  json: boolean;
  /** Set for commands that need a state store. */
  target: Target | undefined;
  warnings: string[];
}

interface Command {
  summary: string;
  usage: string;
  /** Extra help paragraphs. */
  notes?: string;
  options: OptionSpecs;
  needsTarget: boolean;
  run(ctx: Context): void | Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  down: {
    summary: 'Close the site: maintenance, or coming soon with --coming-soon',
    usage: 'intermission down [--coming-soon] [--message TEXT] [--retry SECONDS] [--until WHEN] [--launch-at WHEN] [--at WHEN]',
    notes: [
      `WHEN is ${TIME_HINT}.`,
      'Durations always count from now, also with --at: `--at 1h --until 3h` closes from in 1 hour to in 3 hours.',
      'Without --until (or --launch-at for coming soon) the site stays closed until `intermission up`.',
      'Preview links and bypass cookies revoked with `revoke-previews` stay revoked.',
    ].join('\n'),
    options: {
      'coming-soon': { type: 'boolean', help: 'Coming-soon mode instead of maintenance' },
      message: { type: 'string', arg: 'TEXT', help: "Replaces the page's message for this window" },
      retry: { type: 'string', arg: 'SECONDS', help: 'Retry-After when no end is known (seconds, or a duration like 10m)' },
      until: { type: 'string', arg: 'WHEN', help: 'Open again at this time (maintenance; for coming soon prefer --launch-at)' },
      'launch-at': { type: 'string', arg: 'WHEN', help: 'Launch time of a coming-soon site (needs --coming-soon)' },
      at: { type: 'string', arg: 'WHEN', help: 'Close only from this time on: a window planned ahead' },
    },
    needsTarget: true,
    run: runDown,
  },
  up: {
    summary: 'Open the site',
    usage: 'intermission up',
    notes: 'Writes mode "off" (the state is never deleted: an absent Redis key counts as unknown, not open).',
    options: {},
    needsTarget: true,
    run: runUp,
  },
  status: {
    summary: 'Show the mode in force now, what is scheduled, and who set it',
    usage: 'intermission status [--json]',
    notes: 'When the store holds no state, reports what the config file and environment say.',
    options: {},
    needsTarget: true,
    run: runStatus,
  },
  'preview-link': {
    summary: 'Print a signed link that lets its holder see the closed site',
    usage: 'intermission preview-link [--base URL] [--ttl DURATION] [--next PATH]',
    notes: 'Signs with INTERMISSION_SECRET or the "secret" of the config file (INTERMISSION_CONFIG, default config/intermission.json).',
    options: {
      base: { type: 'string', arg: 'URL', help: `Site URL the link points to (default ${DEFAULT_BASE_URL})` },
      ttl: { type: 'string', arg: 'DURATION', help: `How long the link works, at most 30d (default ${DEFAULT_PREVIEW_TTL})` },
      next: { type: 'string', arg: 'PATH', help: 'Path to land on after following the link (default /)' },
    },
    needsTarget: false,
    run: runPreviewLink,
  },
  'revoke-previews': {
    summary: 'Invalidate every preview link and bypass cookie issued until now, on every instance',
    usage: 'intermission revoke-previews',
    notes: 'Keeps the mode. When the store holds no state, writes the configured mode along with the revocation.',
    options: {},
    needsTarget: true,
    run: runRevokePreviews,
  },
  secret: {
    summary: 'Print a new random secret (for INTERMISSION_SECRET)',
    usage: 'intermission secret',
    options: {},
    needsTarget: false,
    run: runSecret,
  },
};

function optionsOf(command: Command): OptionSpecs {
  return { ...command.options, ...(command.needsTarget ? TARGET : {}), ...COMMON };
}

// ---------------------------------------------------------------------------------------------------------
// Entry

/** Runs the CLI and returns its exit code. Never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const ctx: Context = { io, values: {}, now: (io.now ?? Date.now)(), json, target: undefined, warnings: [] };
  try {
    return await dispatch(argv, ctx);
  } catch (error) {
    const failure = toCliError(error);
    if (json) {
      io.stderr(`${JSON.stringify({ error: { code: failure.code, message: failure.message } })}\n`);
    } else {
      io.stderr(`intermission: ${failure.message}\n`);
      if (failure.help) io.stderr(`\n${failure.help}\n`);
    }
    return failure.exitCode;
  } finally {
    await ctx.target?.close().catch(() => {});
  }
}

async function dispatch(argv: string[], ctx: Context): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) throw usageError('no command given; run a command such as intermission status', globalHelp());
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest.find((arg) => !arg.startsWith('-')) : undefined;
    const command = topic === undefined ? undefined : COMMANDS[topic];
    if (topic !== undefined && !command) throw unknownCommand(topic);
    ctx.io.stdout(`${command && topic ? commandHelp(topic, command) : globalHelp()}\n`);
    return EXIT.OK;
  }
  if (first.startsWith('-')) {
    throw usageError(`expected a command before ${first}; write intermission <command> [options]`, globalHelp());
  }
  const command = COMMANDS[first];
  if (!command) throw unknownCommand(first);
  if (wantsHelp(rest)) {
    ctx.io.stdout(`${commandHelp(first, command)}\n`);
    return EXIT.OK;
  }
  ctx.values = parseOptions(first, rest, optionsOf(command));
  if (command.needsTarget) ctx.target = await openTarget(targetSpec(ctx.values, ctx.io.env));
  await command.run(ctx);
  return EXIT.OK;
}

function unknownCommand(name: string): CliError {
  const guess = closest(name, Object.keys(COMMANDS));
  return usageError(`unknown command "${name}"; ${guess ? `did you mean "${guess}"? ` : ''}run intermission --help for the list`, globalHelp());
}

/** `-h`/`--help` anywhere before a `--` terminator. */
function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/**
 * `parseArgs` in non-strict mode plus our own checks: its strict-mode messages talk about positional
 * arguments and `--` escapes, ours name the command and the fix.
 */
function parseOptions(commandName: string, args: string[], specs: OptionSpecs): Values {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) config[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  const { tokens } = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });
  const helpHint = `see intermission ${commandName} --help`;
  const values: Values = {};
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      throw usageError(`unexpected argument "${token.value}" for intermission ${commandName}; quote text with spaces (--message "Back soon"), ${helpHint}`);
    }
    const spec = specs[token.name];
    if (!spec) {
      const guess = closest(token.name, Object.keys(specs));
      throw usageError(`unknown option ${token.rawName} for intermission ${commandName}; ${guess ? `did you mean --${guess}? ` : ''}${helpHint}`);
    }
    const flag = `--${token.name}`;
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw usageError(`${flag} takes no value; write ${flag} alone`);
      values[token.name] = true;
      continue;
    }
    if (token.value === undefined) throw usageError(`${flag} needs a value; write ${flag} ${spec.arg ?? 'VALUE'}`);
    // parseArgs takes the next argument even when it is another option: `--message --json` is a slip.
    if (!token.inlineValue && token.value.startsWith('-') && token.value.length > 1) {
      throw usageError(`${flag} needs a value, got the option ${token.value}; write ${flag} ${spec.arg ?? 'VALUE'}, or ${flag}=${token.value} for a value that starts with "-"`);
    }
    values[token.name] = token.value;
  }
  return values;
}

function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw usageError(`--${name} needs a non-empty value`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Targets: where the state lives

type TargetSpec = { kind: 'file'; path: string } | { kind: 'redis'; url: string; key: string };

interface Target {
  /** `state file <path>` or `redis <key> at <url>`: shown as the source of the state. */
  readonly label: string;
  /** The stored state, or `null` when the store holds none. Throws `CliError` (exit 3 or 4). */
  read(): Promise<StoredState | null>;
  /**
   * What "holds none" means to the apps: a missing state file hands the decision back to config and
   * env; an absent Redis key is "unknown", and every instance keeps its last known state.
   */
  readonly absentMeans: 'config' | 'unknown';
  write(state: StoredState): Promise<void>;
  close(): Promise<void>;
}

const NO_TARGET_FIX = 'pass --state-file PATH or --redis-url URL, or set INTERMISSION_STATE_FILE or INTERMISSION_REDIS_URL';

function targetSpec(values: Values, env: Record<string, string | undefined>): TargetSpec {
  const fromEnv = (name: string): string | undefined => env[name]?.trim() || undefined;
  const file = stringValue(values, 'state-file');
  const url = stringValue(values, 'redis-url');
  const key = stringValue(values, 'redis-key');
  if (file !== undefined && url !== undefined) throw usageError('--state-file and --redis-url both given; pass only the store the app follows');
  let spec: { kind: 'file'; path: string } | { kind: 'redis'; url: string } | undefined;
  if (file !== undefined) spec = { kind: 'file', path: file };
  else if (url !== undefined) spec = { kind: 'redis', url };
  else {
    const envFile = fromEnv('INTERMISSION_STATE_FILE');
    const envUrl = fromEnv('INTERMISSION_REDIS_URL');
    if (envFile !== undefined && envUrl !== undefined) {
      throw usageError('INTERMISSION_STATE_FILE and INTERMISSION_REDIS_URL are both set; unset one, or pick with --state-file or --redis-url');
    }
    if (envFile !== undefined) spec = { kind: 'file', path: envFile };
    else if (envUrl !== undefined) spec = { kind: 'redis', url: envUrl };
  }
  if (!spec) throw usageError(`no state store given; ${NO_TARGET_FIX}`);
  if (spec.kind === 'file') {
    if (key !== undefined) throw usageError('--redis-key only applies to a Redis store; drop it, or pass --redis-url');
    return spec;
  }
  let protocol: string | undefined;
  try {
    protocol = new URL(spec.url).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw usageError(`Redis URL ${JSON.stringify(redact(spec.url))} is not a redis:// or rediss:// URL; write it like redis://localhost:6379`);
  }
  return { kind: 'redis', url: spec.url, key: key ?? fromEnv('INTERMISSION_REDIS_KEY') ?? DEFAULT_REDIS_KEY };
}

async function openTarget(spec: TargetSpec): Promise<Target> {
  return spec.kind === 'file' ? openFileTarget(resolve(spec.path)) : openRedisTarget(spec.url, spec.key);
}

/** Turns the stores' errors into exit codes 3 and 4, with a fix for the user. */
async function guarded<T>(unavailableFix: string, action: () => T | Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof StateStoreError)) throw error;
    const what = error.message.replace(/^Intermission: /, '');
    if (error.code === 'ERR_INTERMISSION_STATE_INVALID') {
      throw new CliError(EXIT.INVALID, error.code, `${what}; fix it by hand, or overwrite it with intermission down or intermission up`);
    }
    throw new CliError(EXIT.UNAVAILABLE, error.code, `${what}; ${unavailableFix}`);
  }
}

function openFileTarget(path: string): Target {
  const store = fileStore(path);
  const fix = 'check the path and its permissions (--state-file or INTERMISSION_STATE_FILE)';
  return {
    label: `state file ${path}`,
    absentMeans: 'config',
    read: () => guarded(fix, () => store.get()),
    write: (state) =>
      guarded(fix, () => {
        if (!store.set) throw new Error('the file store cannot write');
        return store.set(state);
      }),
    close: async () => {
      await store.close?.();
    },
  };
}

/**
 * Our own node-redis client, handed to `redisStore`: the store reports an absent key and an unreachable
 * server alike (both mean "unknown" to an app), but here an absent key means "no state yet", which
 * `status` and `down` must tell apart from an outage. The client also never reconnects: fail fast.
 */
async function openRedisTarget(url: string, key: string): Promise<Target> {
  const where = redact(url);
  const fix = 'check --redis-url (or INTERMISSION_REDIS_URL) and that Redis is running';
  let redis: typeof NodeRedis;
  try {
    redis = await import('redis');
  } catch (error) {
    throw new CliError(EXIT.FAILURE, 'ERR_INTERMISSION_REDIS_MISSING', `cannot load node-redis (${describe(error)}); install it next to intermission with npm install redis`);
  }
  const client = redis.createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: REDIS_CONNECT_TIMEOUT, reconnectStrategy: false },
  });
  let lastError: unknown;
  // An `error` event without a listener would end the process; the failure reaches us through connect().
  client.on('error', (error: unknown) => {
    lastError = error;
  });
  const release = async (): Promise<void> => {
    try {
      await withTimeout(client.close(), REDIS_CONNECT_TIMEOUT);
    } catch {
      try {
        client.destroy();
      } catch {
        // already closed
      }
    }
  };
  try {
    await withTimeout(client.connect(), REDIS_CONNECT_TIMEOUT + 500);
  } catch (error) {
    await release();
    throw new CliError(EXIT.UNAVAILABLE, 'ERR_INTERMISSION_STATE_UNAVAILABLE', `cannot connect to Redis at ${where} (${describe(lastError ?? error)}); ${fix}`);
  }
  const store = redisStore({ client, key, connectTimeout: REDIS_CONNECT_TIMEOUT });
  return {
    label: `redis ${key} at ${where}`,
    absentMeans: 'unknown',
    read: () =>
      guarded(fix, async () => {
        let exists: number;
        try {
          exists = await withTimeout(client.exists(key), REDIS_CONNECT_TIMEOUT);
        } catch (error) {
          throw new StateStoreError('ERR_INTERMISSION_STATE_UNAVAILABLE', `cannot read Redis key "${key}" at ${where} (${describe(error)})`, { cause: error });
        }
        return exists === 0 ? null : store.get();
      }),
    write: (state) => guarded(fix, () => store.set(state)),
    close: async () => {
      await store.close();
      await release();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Commands

async function runDown(ctx: Context): Promise<void> {
  const { values, now } = ctx;
  const comingSoon = values['coming-soon'] === true;
  const mode: Mode = comingSoon ? 'coming-soon' : 'maintenance';
  const at = optionalTime(values, 'at', now);
  if (at !== undefined && at <= now) throw usageError(`--at ${iso(at)} is in the past; drop --at to close now, or give a later time`);
  const start = at ?? now;
  const after = at === undefined ? 'now' : `--at (${iso(at)})`;
  const until = optionalTime(values, 'until', now);
  const launchAt = optionalTime(values, 'launch-at', now);
  for (const [flag, time] of [['until', until], ['launch-at', launchAt]] as const) {
    if (time !== undefined && time <= start) {
      throw usageError(`--${flag} ${iso(time)} is not after ${after}; give a later time${at === undefined ? '' : ' (durations count from now, not from --at)'}`);
    }
  }
  if (launchAt !== undefined && !comingSoon) throw usageError('--launch-at only applies to coming-soon mode; add --coming-soon, or use --until to end maintenance');
  if (launchAt !== undefined && until !== undefined) throw usageError('--until and --launch-at both end coming-soon mode; give only --launch-at');
  const message = stringValue(values, 'message');
  if (message !== undefined && message.length > MAX_MESSAGE_LENGTH) throw usageError(`--message is ${message.length} characters long; keep it to ${MAX_MESSAGE_LENGTH}`);
  const retry = stringValue(values, 'retry');
  const retryAfter = retry === undefined ? undefined : parseRetry(retry);

  const { current, carry } = await replaced(ctx);
  const state: StoredState = {
    mode,
    ...(message !== undefined && { message }),
    ...(retryAfter !== undefined && { retryAfter }),
    ...(until !== undefined && { until: iso(until) }),
    ...(launchAt !== undefined && { launchAt: iso(launchAt) }),
    ...(at !== undefined && { startsAt: iso(at) }),
    ...stamp(ctx),
    ...carry,
  };
  await targetOf(ctx).write(state);
  const modeNow = current === null ? 'off' : statusFromState(current, '', now).mode;
  if (at !== undefined && modeNow !== 'off') {
    // A window planned ahead replaces the current state: the site opens until the window starts.
    warn(ctx, `the site was closed (${modeNow}); it is open now until ${iso(at)}, when the planned window starts`);
  }

  const name = comingSoon ? 'coming soon' : 'down for maintenance';
  const end = launchAt ?? until;
  const lines = [
    at === undefined ? `The site is ${name} (${targetOf(ctx).label}).` : `The site will be ${name} from ${iso(at)}, in ${formatSpan(at - now)} (${targetOf(ctx).label}).`,
  ];
  if (end !== undefined) lines.push(`It opens by itself at ${iso(end)}, in ${formatSpan(end - now)}.`);
  if (end === undefined) {
    warn(ctx, `no ${comingSoon ? '--launch-at' : '--until'} given: the site stays closed until you run intermission up`);
  }
  print(ctx, { target: targetOf(ctx).label, state, warnings: ctx.warnings }, lines.join('\n'));
}

async function runUp(ctx: Context): Promise<void> {
  const { carry } = await replaced(ctx);
  const state: StoredState = { mode: 'off', ...stamp(ctx), ...carry };
  await targetOf(ctx).write(state);
  print(ctx, { target: targetOf(ctx).label, state, warnings: ctx.warnings }, `The site is up (${targetOf(ctx).label}).`);
}

async function runRevokePreviews(ctx: Context): Promise<void> {
  const target = targetOf(ctx);
  const stored = await target.read();
  let state: StoredState;
  if (!stored && target.absentMeans === 'unknown') {
    // Writing the configured mode here could open a fleet that is still closed from memory.
    throw new CliError(
      EXIT.INVALID,
      'ERR_INTERMISSION_STATE_UNKNOWN',
      `${target.label} holds no state, so the mode the instances keep is unknown; run intermission down or intermission up first, then revoke-previews`,
    );
  }
  if (stored) {
    state = { ...stored, ...stamp(ctx), previewsValidAfter: iso(ctx.now) };
  } else {
    // The revocation needs a state to live in; keep the site as the config says it is now.
    const config = loadConfig(ctx.io.env);
    state = {
      mode: config.mode,
      ...(config.until !== undefined && { until: iso(config.until) }),
      ...(config.launchAt !== undefined && { launchAt: iso(config.launchAt) }),
      ...stamp(ctx),
      previewsValidAfter: iso(ctx.now),
    };
    warn(ctx, `the store held no state, so it now holds the configured mode (${config.mode}, from ${config.modeSource}); from now on the store, not INTERMISSION_MODE or the config file, decides the mode`);
  }
  await target.write(state);
  print(
    ctx,
    { target: target.label, state, warnings: ctx.warnings },
    `Preview links and bypass cookies issued before ${state.previewsValidAfter} no longer work (${target.label}). The mode stays ${state.mode}.`,
  );
}

/** What `status` reports; `--json` prints exactly this. Times are ISO 8601, `null` when not set. */
export interface StatusReport {
  /** The mode in force now. */
  mode: Mode;
  /** The mode stored (or configured), which may not be in force yet or any more. */
  configuredMode: Mode;
  /** `state file <path>`, `redis <key> at <url>`, or, when the store holds no state, `env`, `config file`, `default`. */
  source: string;
  /** The store that was read. */
  target: string;
  updatedAt: string | null;
  updatedBy: string | null;
  message: string | null;
  retryAfter: number | null;
  startsAt: string | null;
  until: string | null;
  launchAt: string | null;
  /** Next scheduled change of `mode`, and the mode it changes to. */
  changesAt: string | null;
  changesTo: Mode | null;
  /** Whole seconds until `changesAt`. */
  secondsLeft: number | null;
  previewsValidAfter: string | null;
  now: string;
}

async function runStatus(ctx: Context): Promise<void> {
  const target = targetOf(ctx);
  const stored = await target.read();
  if (!stored && target.absentMeans === 'unknown') {
    warn(
      ctx,
      `${target.label} holds no state (Redis restarted without persistence, an eviction, or never set): running instances keep their last known state, which this command cannot see; new instances start from config and env, shown below. Run intermission down or intermission up to set it`,
    );
  }
  const report = stored ? statusFromState(stored, target.label, ctx.now) : statusFromConfig(loadConfig(ctx.io.env), target.label, ctx.now);
  print(ctx, report, formatStatus(report, ctx.now));
}

export function statusFromState(state: StoredState, target: string, now: number): StatusReport {
  const ms = (text: string | undefined): number | undefined => (text === undefined ? undefined : parseIsoDateTime(text));
  return buildStatus(
    { mode: state.mode, startsAt: ms(state.startsAt), until: ms(state.until), launchAt: ms(state.launchAt) },
    {
      source: target,
      target,
      updatedAt: state.updatedAt,
      updatedBy: state.updatedBy ?? null,
      message: state.message ?? null,
      retryAfter: state.retryAfter ?? null,
      previewsValidAfter: state.previewsValidAfter ?? null,
    },
    now,
  );
}

function statusFromConfig(config: ResolvedConfig, target: string, now: number): StatusReport {
  return buildStatus(
    { mode: config.mode, startsAt: undefined, until: config.until, launchAt: config.launchAt },
    { source: config.modeSource, target, updatedAt: null, updatedBy: null, message: null, retryAfter: null, previewsValidAfter: null },
    now,
  );
}

function buildStatus(
  schedule: { mode: Mode; startsAt: number | undefined; until: number | undefined; launchAt: number | undefined },
  rest: Pick<StatusReport, 'source' | 'target' | 'updatedAt' | 'updatedBy' | 'message' | 'retryAfter' | 'previewsValidAfter'>,
  now: number,
): StatusReport {
  const phase = phaseAt(schedule, now);
  const changesAt = phase.changesAt;
  const isoOrNull = (ms: number | undefined): string | null => (ms === undefined ? null : iso(ms));
  return {
    mode: phase.mode,
    configuredMode: schedule.mode,
    ...rest,
    startsAt: isoOrNull(schedule.startsAt),
    until: isoOrNull(schedule.until),
    launchAt: isoOrNull(schedule.launchAt),
    changesAt: isoOrNull(changesAt),
    changesTo: changesAt === undefined ? null : phase.mode === 'off' ? schedule.mode : 'off',
    secondsLeft: changesAt === undefined ? null : Math.max(0, Math.ceil((changesAt - now) / 1000)),
    previewsValidAfter: rest.previewsValidAfter,
    now: iso(now),
  };
}

function formatStatus(report: StatusReport, now: number): string {
  const rows: [string, string][] = [];
  const closed = report.mode !== 'off';
  rows.push(['Mode', `${report.mode} (${closed ? 'closed' : 'open'} now)`]);
  if (report.changesAt !== null && report.secondsLeft !== null) {
    const left = formatSpan(report.secondsLeft * 1000);
    rows.push([closed ? 'Opens' : 'Closes', `${report.changesAt}, in ${left}${closed ? '' : ` (${report.changesTo})`}`]);
  }
  if (report.configuredMode !== report.mode) {
    const end = report.launchAt ?? report.until;
    const ended = end !== null && Date.parse(end) <= now;
    rows.push(['Configured', `${report.configuredMode}${ended ? `, ended at ${end} (${formatSpan(now - Date.parse(end))} ago)` : ''}`]);
  }
  if (report.startsAt !== null) rows.push(['Starts at', report.startsAt]);
  if (report.until !== null) rows.push(['Until', report.until]);
  if (report.launchAt !== null) rows.push(['Launch at', report.launchAt]);
  if (report.message !== null) rows.push(['Message', report.message]);
  if (report.retryAfter !== null) rows.push(['Retry-After', `${report.retryAfter} s (when no end is known)`]);
  const stored = report.source === report.target;
  rows.push(['Source', stored ? report.source : `${report.source} (${report.target} holds no state)`]);
  if (report.updatedAt !== null) rows.push(['Updated', `${report.updatedAt}${report.updatedBy === null ? '' : ` by ${report.updatedBy}`}`]);
  if (report.previewsValidAfter !== null) rows.push(['Previews', `only links and cookies issued after ${report.previewsValidAfter} work`]);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`).join('\n');
}

function runPreviewLink(ctx: Context): void {
  const { values, now } = ctx;
  const base = parseBaseUrl(stringValue(values, 'base') ?? DEFAULT_BASE_URL);
  const ttlText = stringValue(values, 'ttl') ?? DEFAULT_PREVIEW_TTL;
  const ttlSeconds = parseDuration(ttlText);
  if (ttlSeconds === undefined || ttlSeconds > MAX_PREVIEW_TTL_SECONDS) {
    throw usageError(`--ttl ${JSON.stringify(ttlText)} is not a duration of at most 30 days; write it like 30m, 1h or 7d`);
  }
  const nextText = stringValue(values, 'next') ?? '/';
  const next = safeNext(nextText);
  if (next === undefined) throw usageError(`--next ${JSON.stringify(nextText)} is not a path on the site; write it like /blog/launch (no scheme, host or //)`);
  const config = loadConfig(ctx.io.env);
  if (config.secrets.length === 0) {
    throw new CliError(
      EXIT.FAILURE,
      'ERR_INTERMISSION_NO_SECRET',
      'no secret to sign the link with; set INTERMISSION_SECRET (generate one with intermission secret) to the secret the app uses, or "secret" in the config file',
    );
  }
  const token = createPreviewToken(config.secrets, { ttlSeconds, next, now: () => now });
  const url = `${base}${config.previewPath}?token=${encodeURIComponent(token)}`;
  const expiresAt = iso(now + ttlSeconds * 1000);
  print(ctx, { url, next, expiresAt }, url);
  if (!ctx.json) ctx.io.stderr(`intermission: the link works until ${expiresAt} (${formatSpan(ttlSeconds * 1000)}) for anyone who has it; intermission revoke-previews cancels it\n`);
}

function runSecret(ctx: Context): void {
  const secret = randomBytes(32).toString('base64url');
  print(ctx, { secret }, secret);
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

function targetOf(ctx: Context): Target {
  if (!ctx.target) throw new Error('this command needs a state store');
  return ctx.target;
}

function print(ctx: Context, data: unknown, human: string): void {
  ctx.io.stdout(`${ctx.json ? JSON.stringify(data) : human}\n`);
}

function warn(ctx: Context, text: string): void {
  ctx.warnings.push(text);
  ctx.io.stderr(`intermission: warning: ${text}\n`);
}

/** `updatedAt` and `updatedBy` for a state written now. */
function stamp(ctx: Context): { updatedAt: string; updatedBy?: string } {
  const by = whoAmI(ctx.io.env);
  return { updatedAt: iso(ctx.now), ...(by !== undefined && { updatedBy: by }) };
}

/**
 * The state being replaced, and what survives it: the revocation time. When the current state is
 * unreadable garbage we cannot know that time, so we revoke everything up to now rather than revive
 * links someone meant to kill.
 */
async function replaced(ctx: Context): Promise<{ current: StoredState | null; carry: { previewsValidAfter?: string } }> {
  try {
    const current = await targetOf(ctx).read();
    return { current, carry: current?.previewsValidAfter === undefined ? {} : { previewsValidAfter: current.previewsValidAfter } };
  } catch (error) {
    if (!(error instanceof CliError) || error.exitCode !== EXIT.INVALID) throw error;
    warn(ctx, `overwriting an invalid state (${error.message.split(';')[0] ?? ''}); preview links and bypass cookies issued before now are revoked, since the previous revocation time is unknown`);
    return { current: null, carry: { previewsValidAfter: iso(ctx.now) } };
  }
}

/** `user@host`, best effort: `userInfo()` throws for a uid without a passwd entry (some containers). */
function whoAmI(env: Record<string, string | undefined>): string | undefined {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = env.USER ?? env.LOGNAME ?? env.USERNAME;
  }
  let host: string | undefined;
  try {
    host = hostname();
  } catch {
    host = undefined;
  }
  const who = [user || 'unknown', host].filter(Boolean).join('@');
  return who === '' ? undefined : who.slice(0, 200);
}

function loadConfig(env: Record<string, string | undefined>): ResolvedConfig {
  const { config, issues } = resolveConfig({ env, logger: false });
  if (!config) {
    const [first] = issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new CliError(
      EXIT.FAILURE,
      first?.code ?? 'ERR_INTERMISSION_INVALID_OPTION',
      `the configuration is invalid: ${first ? `${first.field} ${first.message}` : 'unknown problem'}${more}`,
    );
  }
  return config;
}

function optionalTime(values: Values, flag: string, now: number): number | undefined {
  const text = stringValue(values, flag);
  if (text === undefined) return undefined;
  const seconds = parseDuration(text);
  if (seconds !== undefined) return now + seconds * 1000;
  const ms = parseIsoDateTime(text.trim());
  if (ms !== undefined) return ms;
  throw usageError(`--${flag} ${JSON.stringify(text)} is not a time; write ${TIME_HINT}`);
}

function parseRetry(text: string): number {
  const seconds = /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : parseDuration(text);
  if (seconds === undefined || seconds < 1 || seconds > MAX_SCHEDULE_SECONDS) {
    throw usageError(`--retry ${JSON.stringify(text)} is not a number of seconds from 1 to ${MAX_SCHEDULE_SECONDS}; write it like 600 or 10m`);
  }
  return seconds;
}

function parseBaseUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw usageError(`--base ${JSON.stringify(text)} is not an http(s) site URL; write it like https://example.com (no query or fragment)`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `1h 20m`, `2d 3h`, `45s`: the two largest units, enough to read at a glance. */
export function formatSpan(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000));
  const parts: [number, string][] = [];
  for (const [size, unit] of [[86_400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']] as const) {
    parts.push([Math.floor(rest / size), unit]);
    rest %= size;
  }
  const first = parts.findIndex(([count]) => count > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([count]) => count > 0)
    .map(([count, unit]) => `${count}${unit}`)
    .join(' ');
}


function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof StateStoreError) {
    const exitCode = error.code === 'ERR_INTERMISSION_STATE_INVALID' ? EXIT.INVALID : EXIT.UNAVAILABLE;
    return new CliError(exitCode, error.code, error.message.replace(/^Intermission: /, ''));
  }
  return new CliError(EXIT.FAILURE, 'ERR_INTERMISSION_CLI', `unexpected error: ${describe(error)}; rerun, and report it if it persists`);
}



// ---------------------------------------------------------------------------------------------------------
// Help

const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  anything else: invalid configuration, no secret, unexpected failure
  2  usage error: unknown command or option, bad value, no state store given
  3  state store unreachable (file unreadable or unwritable, Redis down)
  4  the state store holds an invalid state`;

function optionLines(specs: OptionSpecs): string {
  const entries = Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.arg ?? 'VALUE'}` : ''}`;
    return [flag, spec.help] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length)) + 2;
  return entries.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`).join('\n');
}

export function globalHelp(): string {
  const commands = Object.entries(COMMANDS);
  const width = Math.max(...commands.map(([name]) => name.length)) + 2;
  return `intermission: put an Express site into maintenance or coming-soon mode, and back, without a restart

Usage: intermission <command> [options]

Commands:
${commands.map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`).join('\n')}

State store (down, up, status, revoke-previews), the one the app follows:
${optionLines(TARGET)}

Every command takes --json (one JSON object on stdout; errors as {"error":{"code","message"}} on stderr)
and --help. Run intermission <command> --help for its options.

${EXIT_CODES_HELP}`;
}

function commandHelp(name: string, command: Command): string {
  return `intermission ${name}: ${command.summary}

Usage: ${command.usage}${command.needsTarget ? ' [--state-file PATH | --redis-url URL [--redis-key KEY]]' : ''} [--json]

Options:
${optionLines(optionsOf(command))}
${command.notes ? `\n${command.notes}\n` : ''}
${EXIT_CODES_HELP}`;
}

// ---------------------------------------------------------------------------------------------------------
// Run when executed (`node dist/cli.js`, npm's bin symlink, `tsx src/cli.ts`), not when imported by tests.

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    // realpath both sides: npm links bins through symlinks (node_modules/.bin/intermission).
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    env: process.env,
  });
}
