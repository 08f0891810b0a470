import { subscribersOf, warn, type Context } from '../../context.js';
import type { SubscriberTarget } from '../../subscriber-target.js';

/** The list, with a warning when its file does not exist: an empty list, or a mistyped path. */
export function listOf(ctx: Context): SubscriberTarget {
  const list = subscribersOf(ctx);
  if (list.missing) warn(ctx, `${list.label} does not exist (yet): the list is empty; check that the path is the one the app writes`);
  return list;
}
