import { IntermissionError, withoutPrefix, type ErrorCode } from '../errors.js';
import { SubscriberStoreError } from '../signup/subscriber.js';
import { StateStoreError } from '../errors.js';

/** Exit codes, stable for scripts (also listed in `--help`). */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, UNAVAILABLE: 3, INVALID: 4 } as const;

/** An error meant for the user: `message` is `<what>; <fix>`, without the `intermission:` prefix. */
export class CliError extends IntermissionError {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: number,
    code: ErrorCode,
    message: string,
    /** Help text printed after the error line (not in JSON mode). */
    readonly help?: string,
  ) {
    super(code, message);
    // The CLI prints its own `intermission: ` before the message.
    this.message = withoutPrefix(this.message);
  }
}

export const usageError = (message: string, help?: string): CliError => new CliError(EXIT.USAGE, 'ERR_INTERMISSION_USAGE', message, help);

export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  return error instanceof Error ? error.message || error.name : String(error);
}

/** Any failure as a `CliError`: a store's error keeps its code and gets exit 3 or 4; the rest is exit 1. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof StateStoreError) {
    const exitCode = error.code === 'ERR_INTERMISSION_STATE_INVALID' ? EXIT.INVALID : EXIT.UNAVAILABLE;
    return new CliError(exitCode, error.code, error.message.replace(/^Intermission: /, ''));
  }
  if (error instanceof SubscriberStoreError) {
    const exitCode = error.code === 'ERR_INTERMISSION_SUBSCRIBERS_INVALID' ? EXIT.INVALID : EXIT.UNAVAILABLE;
    return new CliError(exitCode, error.code, error.message.replace(/^Intermission: /, ''));
  }
  return new CliError(
    EXIT.FAILURE,
    'ERR_INTERMISSION_CLI',
    `unexpected error: ${describeError(error)}; rerun, and report it if it persists`,
  );
}
