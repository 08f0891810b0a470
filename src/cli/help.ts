import { optionsOf, type CommandSpec, type GroupSpec, type OptionSpecs } from './args.js';
import { OUTPUT_OPTIONS, STATE_OPTIONS, SUBSCRIBER_OPTIONS } from './options.js';

const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  anything else: invalid configuration, no secret, an output file that cannot be written, unexpected failure
  2  usage error: unknown command or option, bad value, no store given
  3  store unreachable (the state or the subscriber list: file unreadable or unwritable, Redis down)
  4  the store holds invalid data (a state that is not valid, a Redis key of the wrong type)`;

const TARGET_NOTE = `Every command takes every target flag, so a script can set them once: a flag that does not
matter to a command is ignored (and listed under "ignored" with --json).`;

/** Either a command or a group of subcommands. */
export type Entry = CommandSpec | GroupSpec;

export const isGroup = (entry: Entry): entry is GroupSpec => 'subcommands' in entry;

function optionLines(specs: OptionSpecs): string {
  const entries = Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.arg ?? 'VALUE'}` : ''}`;
    return [flag, spec.help] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length)) + 2;
  return entries.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`).join('\n');
}

function listLines(entries: [string, { summary: string }][]): string {
  const width = Math.max(...entries.map(([name]) => name.length)) + 2;
  return entries.map(([name, entry]) => `  ${name.padEnd(width)}${entry.summary}`).join('\n');
}

export function globalHelp(commands: Readonly<Record<string, Entry>>): string {
  const lines: [string, { summary: string }][] = [];
  for (const [name, entry] of Object.entries(commands)) {
    if (!isGroup(entry)) lines.push([name, entry]);
    else for (const [sub, command] of Object.entries(entry.subcommands)) lines.push([`${name} ${sub}`, command]);
  }
  return `intermission: put an Express site into maintenance or coming-soon mode, and back, without a restart

Usage: intermission <command> [options]

Commands:
${listLines(lines)}

State store (down, up, status, revoke-previews), the one the app follows:
${optionLines(STATE_OPTIONS)}

Subscriber list (subscribers ...), the launch list of the coming-soon page:
${optionLines(SUBSCRIBER_OPTIONS)}

${TARGET_NOTE}
Every command takes --json (one JSON object on stdout; errors as {"error":{"code","message"}} on stderr)
and --help. Run intermission <command> --help for its options.

${EXIT_CODES_HELP}`;
}

export function groupHelp(name: string, group: GroupSpec): string {
  return `intermission ${name}: ${group.summary}

Usage: ${group.usage}

Commands:
${listLines(Object.entries(group.subcommands))}
${group.notes ? `\n${group.notes}\n` : ''}
Run intermission ${name} <command> --help for its options.

${EXIT_CODES_HELP}`;
}

export function commandHelp(name: string, command: CommandSpec): string {
  const target =
    command.store === 'state'
      ? ' [--state-file PATH | --redis-url URL [--redis-key KEY]]'
      : command.store === 'subscribers'
        ? ' [--subscribers-file PATH | --redis-url URL [--subscribers-key KEY]]'
        : '';
  const own = optionsOf(command);
  const shown = Object.fromEntries(
    Object.entries(own).filter(([flag]) => flag in command.options || flag in OUTPUT_OPTIONS || matters(command, flag)),
  );
  const ignored = Object.keys(own).filter((flag) => !(flag in shown));
  return `intermission ${name}: ${command.summary}

Usage: ${command.usage}${target} [--json]

Options:
${optionLines(shown)}
${ignored.length > 0 ? `\nAccepted and ignored, for scripts that set every target once: ${ignored.map((flag) => `--${flag}`).join(', ')}\n` : ''}${command.notes ? `\n${command.notes}\n` : ''}
${EXIT_CODES_HELP}`;
}

/** Whether a target flag can change what the command does (help lists it among the options). */
function matters(command: CommandSpec, flag: string): boolean {
  if (command.store === 'state') return flag in STATE_OPTIONS;
  if (command.store === 'subscribers') return flag in SUBSCRIBER_OPTIONS || flag === 'redis-url';
  return false;
}
