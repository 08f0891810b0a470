import { randomBytes } from 'node:crypto';
import { print, type Command, type Context } from '../context.js';

function runSecret(ctx: Context): void {
  const secret = randomBytes(32).toString('base64url');
  print(ctx, { secret }, secret);
}

export const secret: Command = {
  summary: 'Print a new random secret (for INTERMISSION_SECRET)',
  usage: 'intermission secret',
  options: {},
  store: 'none',
  run: runSecret,
};
