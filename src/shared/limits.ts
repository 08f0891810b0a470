/**
 * Every bound that more than one part of the package enforces (the config, the stored state, the
 * CLI, the signing code), kept here so they cannot drift apart.
 */

/** Shortest secret accepted for signing preview links and bypass cookies. */
export const MIN_SECRET_LENGTH = 32;

/** Longest schedule or `Retry-After` in seconds: a year and a day, enough for any planned window. */
export const MAX_SCHEDULE_SECONDS = 366 * 24 * 60 * 60;

/** Longest page message, in the config or a stored state. */
export const MAX_MESSAGE_LENGTH = 2000;

/** Longest `updatedBy` a stored state may carry. */
export const MAX_UPDATED_BY_LENGTH = 200;

/** Bypass cookie lifetime bounds, in seconds: a minute to 30 days. */
export const MIN_COOKIE_MAX_AGE_SECONDS = 60;
export const MAX_COOKIE_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

/** Longest preview link lifetime, in seconds: 30 days. */
export const MAX_PREVIEW_TTL_SECONDS = 30 * 24 * 60 * 60;

/** Default preview link lifetime, in seconds. */
export const DEFAULT_PREVIEW_TTL_SECONDS = 3600;
