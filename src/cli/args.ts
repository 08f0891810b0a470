import { parseArgs } from 'node:util';
import { closest } from '../shared/messages.js';
import { usageError } from './errors.js';
import { OUTPUT_OPTIONS, TARGET_OPTIONS, type OptionSpecs } from './options.js';

export type { OptionSpec, OptionSpecs } from './options.js';
export type Values = Record<string, string | boolean | undefined>;

/** Which store a command works on; the others' flags are accepted and ignored. */
export type StoreUse = 'state' | 'subscribers' | 'none';

/** What help needs to know about a command. */
export interface CommandSpec {
  summary: string;
  usage: string;
  /** Extra help paragraphs. */
  notes?: string;
  /** The command's own options; every command also takes the target and output options. */
  options: OptionSpecs;
  store: StoreUse;
  /** Names of the positional arguments it needs, in order (`EMAIL`). Default none. */
  args?: readonly string[];
}

/** A command with subcommands (`intermission subscribers count`). */
export interface GroupSpec<Sub extends CommandSpec = CommandSpec> {
  summary: string;
  usage: string;
  notes?: string;
  subcommands: Readonly<Record<string, Sub>>;
}

export function optionsOf(command: CommandSpec): OptionSpecs {
  return { ...command.options, ...TARGET_OPTIONS, ...OUTPUT_OPTIONS };
}

export interface Parsed {
  values: Values;
  args: string[];
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
export function parseOptions(commandName: string, args: string[], command: CommandSpec): Parsed {
  const specs = optionsOf(command);
  const wanted = command.args ?? [];
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs))
    config[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  const { tokens } = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });
  const helpHint = `see intermission ${commandName} --help`;
  const values: Values = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (positionals.length < wanted.length) {
        positionals.push(token.value);
        continue;
      }
      throw usageError(
        `unexpected argument "${token.value}" for intermission ${commandName}; quote text with spaces (--message "Back soon"), ${helpHint}`,
      );
    }
    const spec = specs[token.name];
    if (!spec) {
      const guess = closest(token.name, Object.keys(specs));
      throw usageError(
        `unknown option ${token.rawName} for intermission ${commandName}; ${guess ? `did you mean --${guess}? ` : ''}${helpHint}`,
      );
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
      throw usageError(
        `${flag} needs a value, got the option ${token.value}; write ${flag} ${spec.arg ?? 'VALUE'}, or ${flag}=${token.value} for a value that starts with "-"`,
      );
    }
    values[token.name] = token.value;
  }
  const missing = wanted[positionals.length];
  if (missing !== undefined) throw usageError(`intermission ${commandName} needs ${missing}; write ${command.usage}`);
  return { values, args: positionals };
}

/** A string option's value; `undefined` when not given, a usage error when blank. */
export function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw usageError(`--${name} needs a non-empty value`);
  return value;
}
