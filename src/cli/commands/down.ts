import { MAX_MESSAGE_LENGTH, MAX_SCHEDULE_SECONDS } from '../../shared/limits.js';
import { CONTROL_CHARACTERS } from '../../state/stored-state.js';
import type { Mode, StoredState } from '../../types.js';
import { stringValue, type Values } from '../args.js';
import { print, stamp, targetOf, warn, type Command, type Context } from '../context.js';
import { parseSeconds, parseTime, TIME_HINT } from '../durations.js';
import { usageError } from '../errors.js';
import { escapeControl, formatSpan, iso } from '../format.js';
import { replaced } from './replaced.js';
import { statusFromState } from './status-report.js';

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
  for (const [flag, time] of [
    ['until', until],
    ['launch-at', launchAt],
  ] as const) {
    if (time !== undefined && time <= start) {
      throw usageError(
        `--${flag} ${iso(time)} is not after ${after}; give a later time${at === undefined ? '' : ' (durations count from now, not from --at)'}`,
      );
    }
  }
  if (launchAt !== undefined && !comingSoon)
    throw usageError('--launch-at only applies to coming-soon mode; add --coming-soon, or use --until to end maintenance');
  if (launchAt !== undefined && until !== undefined)
    throw usageError('--until and --launch-at both end coming-soon mode; give only --launch-at');
  const message = stringValue(values, 'message');
  if (message !== undefined && message.length > MAX_MESSAGE_LENGTH)
    throw usageError(`--message is ${message.length} characters long; keep it to ${MAX_MESSAGE_LENGTH}`);
  if (message !== undefined && CONTROL_CHARACTERS.test(message)) {
    throw usageError('--message contains a control character (a newline, tab, escape...); write it on one line of plain text');
  }
  const retry = stringValue(values, 'retry');
  const retryAfter = retry === undefined ? undefined : parseRetry(retry);

  const target = targetOf(ctx);
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
  await target.write(state);
  const modeNow = current === null ? 'off' : statusFromState(current, target.label, now).mode;
  if (at !== undefined && modeNow !== 'off') {
    // A window planned ahead replaces the current state: the site opens until the window starts.
    warn(ctx, `the site was closed (${modeNow}); it is open now until ${iso(at)}, when the planned window starts`);
  }

  const name = comingSoon ? 'coming soon' : 'down for maintenance';
  const end = launchAt ?? until;
  const where = escapeControl(target.label);
  const lines = [
    at === undefined
      ? `The site is ${name} (${where}).`
      : `The site will be ${name} from ${iso(at)}, in ${formatSpan(at - now)} (${where}).`,
  ];
  if (end !== undefined) lines.push(`It opens by itself at ${iso(end)}, in ${formatSpan(end - now)}.`);
  if (end === undefined) {
    warn(ctx, `no ${comingSoon ? '--launch-at' : '--until'} given: the site stays closed until you run intermission up`);
  }
  print(ctx, { target: target.label, state, warnings: ctx.warnings }, lines.join('\n'));
}

function optionalTime(values: Values, flag: string, now: number): number | undefined {
  const text = stringValue(values, flag);
  if (text === undefined) return undefined;
  const time = parseTime(text, now);
  if (time === undefined) throw usageError(`--${flag} ${JSON.stringify(text)} is not a time; write ${TIME_HINT}`);
  return time;
}

function parseRetry(text: string): number {
  const seconds = parseSeconds(text);
  if (seconds === undefined || seconds < 1 || seconds > MAX_SCHEDULE_SECONDS) {
    throw usageError(
      `--retry ${JSON.stringify(text)} is not a number of seconds from 1 to ${MAX_SCHEDULE_SECONDS}; write it like 600 or 10m`,
    );
  }
  return seconds;
}

export const down: Command = {
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
  store: 'state',
  run: runDown,
};
