/**
 * `intermission`: `php artisan down` / `up` for Express. Writes the runtime state to the store the app
 * follows (a JSON file or a Redis key), so a running site, or a whole fleet, switches without a restart.
 *
 * Exit codes, stable for scripts (also listed in `--help`):
 *   0  ok
 *   1  anything else: invalid configuration, no secret, unexpected failure
 *   2  usage error: unknown command or option, bad value, no store given
 *   3  the store is unreachable (state or subscriber list: file unreadable or unwritable, Redis down)
 *   4  the store holds invalid data
 *
 * One grammar: every command takes every target flag (--state-file, --redis-url, --redis-key,
 * --subscribers-file, --subscribers-key) and --json; a flag that cannot matter is ignored.
 *
 * Errors go to stderr as one line, `intermission: <what>; <fix>`; with `--json`, as one JSON object
 * `{"error":{"code","message"}}` on stderr, so stdout only ever carries results.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { closest } from '../shared/messages.js';
import { parseOptions, wantsHelp } from './args.js';
import { COMMANDS } from './commands/index.js';
import { warn, type CliIo, type Command, type Context } from './context.js';
import { EXIT, toCliError, usageError, type CliError } from './errors.js';
import { escapeControl } from './format.js';
import { commandHelp, globalHelp, groupHelp, isGroup } from './help.js';
import { openSubscriberTarget } from './subscriber-target.js';
import { ignoredFlags, openTarget, subscriberSpec, targetSpec } from './targets.js';

export type { CliIo } from './context.js';
export { EXIT } from './errors.js';

/** Runs the CLI and returns its exit code. Never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const ctx: Context = {
    io,
    values: {},
    args: [],
    now: (io.now ?? Date.now)(),
    json,
    target: undefined,
    subscribers: undefined,
    warnings: [],
    ignored: [],
  };
  try {
    return await dispatch(argv, ctx);
  } catch (error) {
    const failure = toCliError(error);
    if (json) {
      io.stderr(`${JSON.stringify({ error: { code: failure.code, message: failure.message } })}\n`);
    } else {
      io.stderr(`intermission: ${escapeControl(failure.message)}\n`);
      if (failure.help) io.stderr(`\n${failure.help}\n`);
    }
    return failure.exitCode;
  } finally {
    await ctx.target?.close().catch(() => {});
    await ctx.subscribers?.close().catch(() => {});
  }
}

async function dispatch(argv: string[], ctx: Context): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) throw usageError('no command given; run a command such as intermission status', globalHelp(COMMANDS));
  if (first === '--help' || first === '-h' || first === 'help') {
    const [topic, sub] = first === 'help' ? rest.filter((arg) => !arg.startsWith('-')) : [];
    ctx.io.stdout(`${topic === undefined ? globalHelp(COMMANDS) : helpFor(topic, sub)}\n`);
    return EXIT.OK;
  }
  if (first.startsWith('-')) {
    throw usageError(`expected a command before ${first}; write intermission <command> [options]`, globalHelp(COMMANDS));
  }
  const entry = COMMANDS[first];
  if (!entry) throw unknownCommand(first);
  let name = first;
  let command: Command;
  let args = rest;
  if (isGroup(entry)) {
    const [sub, ...subArgs] = rest;
    if (sub === undefined || sub.startsWith('-')) {
      if (wantsHelp(rest)) {
        ctx.io.stdout(`${groupHelp(first, entry)}\n`);
        return EXIT.OK;
      }
      throw usageError(`intermission ${first} needs a command; write ${entry.usage}`, groupHelp(first, entry));
    }
    const found = entry.subcommands[sub];
    if (!found) throw unknownCommand(sub, first);
    name = `${first} ${sub}`;
    command = found;
    args = subArgs;
  } else {
    command = entry;
  }
  if (wantsHelp(args)) {
    ctx.io.stdout(`${commandHelp(name, command)}\n`);
    return EXIT.OK;
  }
  const parsed = parseOptions(name, args, command);
  ctx.values = parsed.values;
  ctx.args = parsed.args;
  if (command.store === 'state') {
    const spec = targetSpec(ctx.values, ctx.io.env);
    ctx.ignored = ignoredFlags('state', ctx.values, spec);
    ctx.target = openTarget(spec);
  } else if (command.store === 'subscribers') {
    const spec = subscriberSpec(ctx.values, ctx.io.env);
    ctx.ignored = ignoredFlags('subscribers', ctx.values, spec);
    ctx.subscribers = openSubscriberTarget(spec, (text) => warn(ctx, text));
  } else {
    ctx.ignored = ignoredFlags('none', ctx.values, undefined);
  }
  await command.run(ctx);
  return EXIT.OK;
}

/** `help TOPIC [SUB]`: a command's help, a group's, or a subcommand's. */
function helpFor(topic: string, sub: string | undefined): string {
  const entry = COMMANDS[topic];
  if (!entry) throw unknownCommand(topic);
  if (!isGroup(entry)) return commandHelp(topic, entry);
  if (sub === undefined) return groupHelp(topic, entry);
  const command = entry.subcommands[sub];
  if (!command) throw unknownCommand(sub, topic);
  return commandHelp(`${topic} ${sub}`, command);
}

function unknownCommand(name: string, group?: string): CliError {
  const entry = group === undefined ? undefined : COMMANDS[group];
  if (group !== undefined && entry && isGroup(entry)) {
    const guess = closest(name, Object.keys(entry.subcommands));
    return usageError(
      `unknown command "${group} ${name}"; ${guess ? `did you mean "${group} ${guess}"? ` : ''}run intermission ${group} --help for the list`,
      groupHelp(group, entry),
    );
  }
  const guess = closest(name, Object.keys(COMMANDS));
  return usageError(
    `unknown command "${name}"; ${guess ? `did you mean "${guess}"? ` : ''}run intermission --help for the list`,
    globalHelp(COMMANDS),
  );
}

// Run when executed (`node dist/cli.js`, npm's bin symlink, `tsx src/cli/main.ts`), not when imported by tests.
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
