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
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { closest } from '../shared/messages.js';
import { commandHelp, globalHelp, optionsOf, parseOptions, wantsHelp } from './args.js';
import { COMMANDS } from './commands/index.js';
import type { CliIo, Context } from './context.js';
import { EXIT, toCliError, usageError, type CliError } from './errors.js';
import { escapeControl } from './format.js';
import { openTarget, targetSpec } from './targets.js';

export type { CliIo } from './context.js';
export { EXIT } from './errors.js';

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
      io.stderr(`intermission: ${escapeControl(failure.message)}\n`);
      if (failure.help) io.stderr(`\n${failure.help}\n`);
    }
    return failure.exitCode;
  } finally {
    await ctx.target?.close().catch(() => {});
  }
}

async function dispatch(argv: string[], ctx: Context): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) throw usageError('no command given; run a command such as intermission status', globalHelp(COMMANDS));
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest.find((arg) => !arg.startsWith('-')) : undefined;
    const command = topic === undefined ? undefined : COMMANDS[topic];
    if (topic !== undefined && !command) throw unknownCommand(topic);
    ctx.io.stdout(`${command && topic ? commandHelp(topic, command) : globalHelp(COMMANDS)}\n`);
    return EXIT.OK;
  }
  if (first.startsWith('-')) {
    throw usageError(`expected a command before ${first}; write intermission <command> [options]`, globalHelp(COMMANDS));
  }
  const command = COMMANDS[first];
  if (!command) throw unknownCommand(first);
  if (wantsHelp(rest)) {
    ctx.io.stdout(`${commandHelp(first, command)}\n`);
    return EXIT.OK;
  }
  ctx.values = parseOptions(first, rest, optionsOf(command));
  if (command.needsTarget) ctx.target = openTarget(targetSpec(ctx.values, ctx.io.env));
  await command.run(ctx);
  return EXIT.OK;
}

function unknownCommand(name: string): CliError {
  const guess = closest(name, Object.keys(COMMANDS));
  return usageError(`unknown command "${name}"; ${guess ? `did you mean "${guess}"? ` : ''}run intermission --help for the list`, globalHelp(COMMANDS));
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
