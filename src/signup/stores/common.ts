/** Small pieces every built-in subscriber store shares. Internal: not re-exported from the package. */
import { SubscriberStoreError, type SubscriberStoreErrorCode } from '../subscriber.js';

export const UNAVAILABLE = 'ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE' satisfies SubscriberStoreErrorCode;
export const INVALID = 'ERR_INTERMISSION_SUBSCRIBERS_INVALID' satisfies SubscriberStoreErrorCode;

/** The default warning handler: one line on stderr, like the default `console` logger. */
export function warnToConsole(warning: SubscriberStoreError): void {
  console.warn(`${warning.message} [${warning.code}]`);
}

export function unavailable(message: string, cause?: unknown): SubscriberStoreError {
  return new SubscriberStoreError(
    UNAVAILABLE,
    cause === undefined ? message : `${message} (${messageOf(cause)})`,
    cause === undefined ? undefined : { cause },
  );
}

export function invalid(message: string): SubscriberStoreError {
  return new SubscriberStoreError(INVALID, message);
}

export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(messageOf).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Checks a launch id: any non-empty string up to 200 characters (an ISO date, a release name). */
export function checkLaunchId(launchId: unknown): string {
  if (typeof launchId !== 'string' || launchId === '' || launchId.length > 200) {
    throw invalid('claimLaunch() needs a launch id: a non-empty string of at most 200 characters');
  }
  return launchId;
}

export { errnoCode } from '../../shared/fs.js';
