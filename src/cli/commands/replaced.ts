import type { StoredState } from '../../types.js';
import { targetOf, warn, type Context } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { iso } from '../format.js';

/**
 * The state being replaced, and what survives it: the revocation time. When the current state is
 * unreadable garbage we cannot know that time, so we revoke everything up to now rather than revive
 * links someone meant to kill.
 */
export async function replaced(ctx: Context): Promise<{ current: StoredState | null; carry: { previewsValidAfter?: string } }> {
  try {
    const current = await targetOf(ctx).read();
    return { current, carry: current?.previewsValidAfter === undefined ? {} : { previewsValidAfter: current.previewsValidAfter } };
  } catch (error) {
    if (!(error instanceof CliError) || error.exitCode !== EXIT.INVALID) throw error;
    warn(
      ctx,
      `overwriting an invalid state (${error.message.split(';')[0] ?? ''}); preview links and bypass cookies issued before now are revoked, since the previous revocation time is unknown`,
    );
    return { current: null, carry: { previewsValidAfter: iso(ctx.now) } };
  }
}
