import type { Logger, StoredState } from '../../types.js';

/** The logger a store uses when none is given: the subscriber's bug still gets seen. */
const CONSOLE: Pick<Logger, 'error'> = {
  error: (message, details) => console.error(`[intermission] ${message}`, details ?? ''),
};

/** The two callbacks of one subscription. */
export interface Subscriber {
  onChange(state: StoredState | null): void;
  onError(error: unknown): void;
}

/**
 * One subscription's callbacks, made safe to call from a store's timers and event handlers. A callback
 * that throws is the subscriber's bug, not the store's: every store treats it the same way, logging it
 * once per subscription and carrying on. It is never rethrown, so it can neither crash the process nor
 * surface as an unhandled rejection, and it never stops the store from following.
 */
export function guardSubscriber(
  onChange: Subscriber['onChange'],
  onError: Subscriber['onError'],
  logger: Pick<Logger, 'error'> = CONSOLE,
): Subscriber {
  let logged = false;
  const guard =
    <T>(callback: (value: T) => void, name: string) =>
    (value: T): void => {
      try {
        callback(value);
      } catch (error) {
        if (logged) return;
        logged = true;
        try {
          logger.error(`A state store subscriber's ${name} threw; the store keeps following (logged once)`, {
            code: 'subscriber-failed',
            error: error instanceof Error ? error.message : String(error),
          });
        } catch {
          // A logger that throws too has nowhere left to report to.
        }
      }
    };
  return { onChange: guard(onChange, 'onChange'), onError: guard(onError, 'onError') };
}
