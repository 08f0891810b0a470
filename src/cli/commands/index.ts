import type { Command, CommandGroup } from '../context.js';
import { down } from './down.js';
import { previewLink } from './preview-link.js';
import { revokePreviews } from './revoke-previews.js';
import { secret } from './secret.js';
import { status } from './status.js';
import { subscribers } from './subscribers/index.js';
import { up } from './up.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: Readonly<Record<string, Command | CommandGroup>> = {
  down,
  up,
  status,
  'preview-link': previewLink,
  'revoke-previews': revokePreviews,
  secret,
  subscribers,
};
