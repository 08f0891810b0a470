import { print, type Command, type Context } from '../../context.js';
import { escapeControl } from '../../format.js';
import { listOf } from './shared.js';

async function runCompact(ctx: Context): Promise<void> {
  const list = listOf(ctx);
  const result = await list.compact();
  const where = escapeControl(list.label);
  if (result === undefined) {
    const reason = 'Redis deletes removed addresses at once';
    print(ctx, { target: list.label, compacted: false, reason }, `Nothing to compact: ${reason} (${where}).`);
    return;
  }
  print(
    ctx,
    { target: list.label, compacted: true, ...result },
    `Compacted ${where}: ${result.subscribers} ${result.subscribers === 1 ? 'subscriber' : 'subscribers'} kept, ${result.droppedLines} ${result.droppedLines === 1 ? 'line' : 'lines'} dropped.`,
  );
}

export const compact: Command = {
  summary: 'Rewrite the subscriber file without removed addresses and duplicates',
  usage: 'intermission subscribers compact',
  notes: [
    'The file store appends every signup and removal; compacting erases removed addresses from the disk,',
    'and drops duplicates and torn lines. Safe while the app runs (it takes the same lock as a signup).',
    'On Redis there is nothing to do: it says so and exits 0.',
  ].join('\n'),
  options: {},
  store: 'subscribers',
  run: runCompact,
};
