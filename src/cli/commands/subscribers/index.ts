import type { CommandGroup } from '../../context.js';
import { compact } from './compact.js';
import { count } from './count.js';
import { exportList } from './export.js';
import { remove } from './remove.js';

export const subscribers: CommandGroup = {
  summary: 'The launch list of the coming-soon page: count, export, remove, compact',
  usage: 'intermission subscribers <count | export | remove EMAIL | compact> [options]',
  notes: 'The list is the one the app writes: --subscribers-file PATH, else --redis-url URL (or their env vars).',
  subcommands: { count, export: exportList, remove, compact },
};
