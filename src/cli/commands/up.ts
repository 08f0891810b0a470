import type { StoredState } from '../../types.js';
import { print, stamp, targetOf, type Command, type Context } from '../context.js';
import { escapeControl } from '../format.js';
import { replaced } from './replaced.js';

async function runUp(ctx: Context): Promise<void> {
  const { carry } = await replaced(ctx);
  const state: StoredState = { mode: 'off', ...stamp(ctx), ...carry };
  await targetOf(ctx).write(state);
  print(ctx, { target: targetOf(ctx).label, state, warnings: ctx.warnings }, `The site is up (${escapeControl(targetOf(ctx).label)}).`);
}

export const up: Command = {
  summary: 'Open the site',
  usage: 'intermission up',
  notes: 'Writes mode "off" (the state is never deleted: an absent Redis key counts as unknown, not open).',
  options: {},
  store: 'state',
  run: runUp,
};
