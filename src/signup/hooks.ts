import type { Logger } from '../types.js';

/**
 * Runs a site's hook off the visitor's path: a throw or a rejection is logged (one line per failure,
 * with the error's message) and never reaches anyone else.
 */
export function runHook(name: 'onSubscribe' | 'onLaunch', body: () => unknown, logger: Logger): Promise<void> {
  const failed = (error: unknown): void => {
    logger.warn(`signup.${name} failed`, {
      code: 'WRN_INTERMISSION_SIGNUP_HOOK_FAILED',
      error: error instanceof Error ? error.message : String(error),
    });
  };
  try {
    return Promise.resolve(body()).then(() => undefined, failed);
  } catch (error) {
    failed(error);
    return Promise.resolve();
  }
}
