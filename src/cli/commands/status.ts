import { loadConfig, print, targetOf, warn, type Command, type Context } from '../context.js';
import { formatStatus } from '../format.js';
import { statusFromConfig, statusFromState } from './status-report.js';

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

export const status: Command = {
  summary: 'Show the mode in force now, what is scheduled, and who set it',
  usage: 'intermission status [--json]',
  notes: 'When the store holds no state, reports what the config file and environment say.',
  options: {},
  store: 'state',
  run: runStatus,
};
