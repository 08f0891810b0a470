import { parseArgs } from 'node:util';
import { closest } from '../shared/messages.js';
import { DEFAULT_REDIS_KEY } from '../state/stores/redis-store.js';
import { STORE_ENV } from '../state/stores/from-env.js';
import { usageError } from './errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown in help for string options. */
  arg?: string;
  short?: string;
  help: string;
}
export type OptionSpecs = Record<string, OptionSpec>;
export type Values = Record<string, string | boolean | undefined>;

/** What help needs to know about a command. */
export interface CommandSpec {
  summary: string;
  usage: string;
  /** Extra help paragraphs. */
  notes?: string;
  options: OptionSpecs;
  /** Takes the state store options (--state-file, --redis-url, --redis-key). */
  needsTarget: boolean;
}

const COMMON: OptionSpecs = {
  json: { type: 'boolean', help: 'Print the result as one JSON object on stdout (errors as JSON on stderr)' },
  help: { type: 'boolean', short: 'h', help: 'Show this help' },
};

const TARGET: OptionSpecs = {
  'state-file': { type: 'string', arg: 'PATH', help: `JSON state file the app follows (env ${STORE_ENV.file})` },
  'redis-url': { type: 'string', arg: 'URL', help: `Redis the fleet follows, redis:// or rediss:// (env ${STORE_ENV.url})` },
  'redis-key': { type: 'string', arg: 'KEY', help: `Redis key holding the state (env ${STORE_ENV.key}, default ${DEFAULT_REDIS_KEY})` },
};

export function optionsOf(command: CommandSpec): OptionSpecs {
  return { ...command.options, ...(command.needsTarget ? TARGET : {}), ...COMMON };
}

/** `-h`/`--help` anywhere before a `--` terminator. */
export function wantsHelp(args: readonly string[]): boolean {
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
export function parseOptions(commandName: string, args: string[], specs: OptionSpecs): Values {
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

/** A string option's value; `undefined` when not given, a usage error when blank. */
export function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw usageError(`--${name} needs a non-empty value`);
  return value;
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

export function globalHelp(commands: Readonly<Record<string, CommandSpec>>): string {
  const entries = Object.entries(commands);
  const width = Math.max(...entries.map(([name]) => name.length)) + 2;
  return `intermission: put an Express site into maintenance or coming-soon mode, and back, without a restart

Usage: intermission <command> [options]

Commands:
${entries.map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`).join('\n')}

State store (down, up, status, revoke-previews), the one the app follows:
${optionLines(TARGET)}

Every command takes --json (one JSON object on stdout; errors as {"error":{"code","message"}} on stderr)
and --help. Run intermission <command> --help for its options.

${EXIT_CODES_HELP}`;
}

export function commandHelp(name: string, command: CommandSpec): string {
  return `intermission ${name}: ${command.summary}

Usage: ${command.usage}${command.needsTarget ? ' [--state-file PATH | --redis-url URL [--redis-key KEY]]' : ''} [--json]

Options:
${optionLines(optionsOf(command))}
${command.notes ? `\n${command.notes}\n` : ''}
${EXIT_CODES_HELP}`;
}
