import { normalizeEmail, type CompactResult } from '../../../signup/subscriber.js';
import { print, type Command, type Context } from '../../context.js';
import { usageError } from '../../errors.js';
import { escapeControl } from '../../format.js';
import type { SubscriberTarget } from '../../subscriber-target.js';
import { listOf } from './shared.js';

async function runRemove(ctx: Context): Promise<void> {
  const input = ctx.args[0] ?? '';
  const normalized = normalizeEmail(input);
  if ('error' in normalized) {
    throw usageError(
      `${JSON.stringify(input)} is not an email address (${normalized.error.code}): ${normalized.error.message} Write it like name@example.com`,
    );
  }
  const { email } = normalized;
  const list = listOf(ctx);
  const removed = await list.remove(email);
  // Always, not only after a removal: an address removed earlier (through the API) may still sit in the file.
  const compacted: CompactResult | undefined = await list.compact();
  const similar = removed ? [] : await sameButCase(list, email);
  const where = escapeControl(list.label);
  const lines = [
    removed ? `Removed ${email} (${where}).` : `${email} was not on the list (${where}); nothing to remove.`,
    compacted === undefined
      ? 'Redis deletes it for real at once.'
      : `The file was compacted: no removed address is left on the disk (${compacted.subscribers} kept).`,
  ];
  if (similar.length > 0) {
    lines.push(
      `On the list with other letter case: ${similar.join(', ')}. The part before the @ is case-sensitive; remove that address if it is the same person.`,
    );
  }
  print(ctx, { target: list.label, email, removed, compacted: compacted ?? null, similar }, lines.join('\n'));
}

/** Addresses equal to `email` but for letter case: the likely match when a person writes in to be removed. */
async function sameButCase(list: SubscriberTarget, email: string): Promise<string[]> {
  const wanted = email.toLowerCase();
  const found: string[] = [];
  for await (const subscriber of list.list()) if (subscriber.email.toLowerCase() === wanted) found.push(subscriber.email);
  return found;
}

export const remove: Command = {
  summary: 'Remove an address from the launch list, for real',
  usage: 'intermission subscribers remove EMAIL',
  notes: [
    'EMAIL is normalised as the signup form does (trimmed, domain lower-cased; the part before the @ is',
    'kept as written). The file store is compacted right after, so the address is gone from the disk too.',
    'Exits 0 whether or not the address was on the list (the list no longer has it either way); the',
    'output says which, and --json gives "removed": true or false. Addresses that differ only in letter',
    'case are named. For an address that starts with "-", write intermission subscribers remove -- EMAIL.',
  ].join('\n'),
  options: {},
  store: 'subscribers',
  args: ['EMAIL'],
  run: runRemove,
};
