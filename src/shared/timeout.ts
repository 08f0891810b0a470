/** Node's setTimeout limit; a longer delay would fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Thrown (rejected) by `withTimeout` when the work did not settle in time. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    readonly ms: number,
    what = 'the operation',
  ) {
    super(`${what} took over ${ms} ms`);
  }
}

/**
 * Settles like `work`, or rejects with a `TimeoutError` (or `onTimeout()`'s error) after `ms`,
 * whichever comes first. The timer is cleared either way and never keeps the process alive.
 * A negative or NaN `ms` counts as 0, one above Node's limit as the limit.
 */
export function withTimeout<T>(work: PromiseLike<T> | T, ms: number, onTimeout?: () => Error): Promise<T> {
  const delay = Number.isNaN(ms) ? 0 : Math.min(Math.max(0, ms), MAX_TIMER_MS);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(onTimeout ? onTimeout() : new TimeoutError(delay)), delay);
    timer.unref();
  });
  return Promise.race([Promise.resolve(work), expired]).finally(() => clearTimeout(timer));
}
