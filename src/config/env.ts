import type { ConfigIssue } from '../errors.js';
import { describeValue } from '../shared/messages.js';

/**
 * The environment layer: reads `INTERMISSION_*` variables into the shape of the options (checked by
 * the same schema as the other layers), names the variable behind an option in issues, and picks
 * the state store the variables name.
 */

export type Env = Record<string, string | undefined>;

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

/** Every variable Intermission reads in the app (the CLI reads a few more of its own). */
const ENV_VARIABLES = [
  ...Object.values(ENV_FIELDS),
  'INTERMISSION_CONFIG',
  'INTERMISSION_STATE_FILE',
  'INTERMISSION_REDIS_URL',
  'INTERMISSION_REDIS_KEY',
] as const;

/** A variable's trimmed value; empty (or not a string, reported by `envIssues`) counts as unset. */
export function envValue(env: Env, key: string): string | undefined {
  const raw: unknown = env[key];
  const value = typeof raw === 'string' ? raw.trim() : undefined;
  return value ? value : undefined;
}

/** An `env` option built in code may hold numbers or booleans where the process environment never would. */
export function envIssues(env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const variable of ENV_VARIABLES) {
    const value: unknown = env[variable];
    if (value !== undefined && typeof value !== 'string') {
      issues.push({
        field: variable,
        code: 'ERR_INTERMISSION_INVALID_OPTION',
        message: `is ${describeValue(value)}; environment variables are strings, so pass String(value) in the env option`,
      });
    }
  }
  return issues;
}

function envList(env: Env, key: string): string[] | undefined {
  return envValue(env, key)
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Reads the environment into the shape of the options. Empty variables count as unset. */
export function envLayer(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const mode = envValue(env, 'INTERMISSION_MODE');
  if (mode !== undefined) out.mode = mode;
  const secrets = envList(env, 'INTERMISSION_SECRET');
  if (secrets) out.secret = secrets.length === 1 ? secrets[0] : secrets;
  const ips = envList(env, 'INTERMISSION_ALLOW_IPS');
  const paths = envList(env, 'INTERMISSION_ALLOW_PATHS');
  if (ips || paths) out.allow = { ...(ips && { ips }), ...(paths && { paths }) };
  const retryAfter = envValue(env, 'INTERMISSION_RETRY_AFTER');
  // Strict digits: Number('') is 0 and Number('1e3') is 1000, neither is what was meant.
  if (retryAfter !== undefined) out.retryAfter = /^\d{1,9}$/.test(retryAfter) ? Number(retryAfter) : retryAfter;
  const until = envValue(env, 'INTERMISSION_UNTIL');
  if (until !== undefined) out.until = until;
  const launchAt = envValue(env, 'INTERMISSION_LAUNCH_AT');
  if (launchAt !== undefined) out.launchAt = launchAt;
  return out;
}

/** The variable behind an option path, for issues: `INTERMISSION_ALLOW_IPS (item 2)`. */
export function envName(path: string): string {
  const bare = path.replace(/\[\d+\]$/, '');
  const variable = ENV_FIELDS[bare] ?? ENV_FIELDS[bare.split('.').slice(0, 2).join('.')];
  if (!variable) return path;
  const index = /\[(\d+)\]$/.exec(path)?.[1];
  return index === undefined ? variable : `${variable} (item ${Number(index) + 1})`;
}
