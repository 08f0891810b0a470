import { hostname, userInfo } from 'node:os';
import { resolveConfig, type ResolvedConfig } from '../config/resolve.js';
import type { CommandSpec, GroupSpec, Values } from './args.js';
import { CliError, EXIT } from './errors.js';
import { escapeControl, iso, withoutControl } from './format.js';
import type { SubscriberTarget } from './subscriber-target.js';
import type { Target } from './targets.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** Clock for tests. Default `Date.now`. */
  now?: () => number;
}

/** What a command runs with: its parsed options, the clock read once, and its store. */
export interface Context {
  io: CliIo;
  values: Values;
  /** The positional arguments the command declares (`EMAIL`). */
  args: string[];
  now: number;
  json: boolean;
  /** Set for commands that need a state store. */
  target: Target | undefined;
  /** Set for the `subscribers` commands. */
  subscribers: SubscriberTarget | undefined;
  warnings: string[];
  /** Target flags given that cannot matter to this command (`--state-file` for `secret`). */
  ignored: string[];
}

export interface Command extends CommandSpec {
  run(ctx: Context): void | Promise<void>;
}

export type CommandGroup = GroupSpec<Command>;

export function targetOf(ctx: Context): Target {
  if (!ctx.target) throw new Error('this command needs a state store');
  return ctx.target;
}

export function subscribersOf(ctx: Context): SubscriberTarget {
  if (!ctx.subscribers) throw new Error('this command needs a subscriber list');
  return ctx.subscribers;
}

/**
 * The result: `data` as one JSON line with --json, else the text for a person. An object result gains
 * `"ignored"` when target flags were given that this command cannot use.
 */
export function print(ctx: Context, data: object, human: string): void {
  if (!ctx.json) {
    ctx.io.stdout(`${human}\n`);
    return;
  }
  const result = ctx.ignored.length > 0 && !Array.isArray(data) ? { ...data, ignored: ctx.ignored } : data;
  ctx.io.stdout(`${JSON.stringify(result)}\n`);
}

/** A warning on stderr now, and in the JSON result of commands that write. */
export function warn(ctx: Context, text: string): void {
  ctx.warnings.push(text);
  ctx.io.stderr(`intermission: warning: ${escapeControl(text)}\n`);
}

/** `updatedAt` and `updatedBy` for a state written now. */
export function stamp(ctx: Context): { updatedAt: string; updatedBy?: string } {
  const by = whoAmI(ctx.io.env);
  return { updatedAt: iso(ctx.now), ...(by !== undefined && { updatedBy: by }) };
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
  // A stored state refuses control characters: drop any a user or host name carries.
  const who = withoutControl([user || 'unknown', host].filter(Boolean).join('@'));
  return who === '' ? undefined : who.slice(0, 200);
}

/** The app's configuration, read as the app reads it (config file and env), or exit 1 naming the first problem. */
export function loadConfig(env: Record<string, string | undefined>): ResolvedConfig {
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
