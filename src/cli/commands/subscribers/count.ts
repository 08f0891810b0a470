import { print, type Command, type Context } from '../../context.js';
import { listOf } from './shared.js';

async function runCount(ctx: Context): Promise<void> {
  const list = listOf(ctx);
  const count = await list.count();
  print(ctx, { count, target: list.label }, String(count));
}

export const count: Command = {
  summary: 'Print how many addresses are on the launch list',
  usage: 'intermission subscribers count',
  notes: 'Prints the number alone (with --json, {"count":N,"target":"..."}), so a script can read it.',
  options: {},
  store: 'subscribers',
  run: runCount,
};
