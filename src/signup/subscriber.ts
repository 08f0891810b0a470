/**
 * The launch list's public contract: what a subscriber is, what a store must do, and how a store fails.
 *
 * | Method          | Required | What it does                                                        |
 * | --------------- | -------- | ------------------------------------------------------------------- |
 * | `add`           | yes      | Adds an address once; `'added'` or `'exists'`; durable on resolve.   |
 * | `remove`        | yes      | Removes an address; `true` when it was on the list.                  |
 * | `count`         | yes      | How many addresses are on the list.                                  |
 * | `list`          | yes      | Every subscriber, in subscription order.                             |
 * | `claimLaunch`   | no       | `true` exactly once per launch id across a fleet (runs `onLaunch`). |
 * | `compact`       | no       | Rewrites storage without removed addresses (the file store).         |
 * | `close`         | no       | Releases connections and timers.                                     |
 *
 * Every method may answer synchronously or with a promise (`T | Promise<T>`), like express-rate-limit's
 * `Store`. A method that cannot do its job throws (or rejects with) a `SubscriberStoreError`.
 */

import { IntermissionError, type SubscriberErrorCode } from '../errors.js';

export { normalizeEmail } from './email.js';
export type { EmailProblem, EmailProblemCode, NormalizedEmail } from './email.js';

/**
 * One address on the launch list. Nothing else is ever stored: no IP address, no user agent, no name.
 */
export interface Subscriber {
  /** The address as `normalizeEmail()` returns it: trimmed, NFC, domain lower-cased (local part kept as typed). */
  email: string;
  /** When the address was added, ISO 8601 in UTC (`2030-01-01T12:00:00.000Z`). */
  subscribedAt: string;
  /** Whether the visitor ticked (or was shown) the consent text. Stored as given; `false` is kept, not refused. */
  consent: boolean;
  /** The language of the page the form was on (`en`, `pt-BR`), when known. Optional. */
  lang?: string;
}

/** What `add` tells: `'added'` for a new address, `'exists'` when it was already on the list (nothing changes). */
export type AddResult = 'added' | 'exists';

/** What `compact` did. */
export interface CompactResult {
  /** Addresses kept (the list's `count()`). */
  subscribers: number;
  /** Lines dropped: removals, the additions they undid, duplicates, corrupt or torn lines. */
  droppedLines: number;
}

/** Where subscribers live. See the table at the top of this module for what is required. */
export interface SubscriberStore {
  /**
   * Adds `subscriber` unless its address is already on the list. Once it resolves, the address is durable
   * (fsynced or acknowledged by Redis): a `201` may be sent. Rejects with a `SubscriberStoreError`:
   * `ERR_INTERMISSION_SUBSCRIBERS_INVALID` for a subscriber that is not valid (an address not normalised,
   * a bad date), `ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE` when storage failed; then nothing was written.
   */
  add(subscriber: Subscriber): AddResult | Promise<AddResult>;
  /**
   * Removes the address (normalised first, so any case of the domain matches). `true` when it was on the
   * list. The file store appends a removal and `compact()` erases the address from the disk.
   */
  remove(email: string): boolean | Promise<boolean>;
  /** How many addresses are on the list. */
  count(): number | Promise<number>;
  /**
   * Every subscriber, oldest first. An address removed and added again is listed at its new place.
   * Stores read in batches: a long list never needs one huge reply.
   */
  list(): AsyncIterable<Subscriber>;
  /**
   * Returns `true` to exactly one caller per `launchId` across every process sharing the store, and
   * `false` to every other (and to every later call). For an `onLaunch` hook that must run once per fleet.
   * Optional: without it, the caller runs the hook in every process.
   */
  claimLaunch?(launchId: string): boolean | Promise<boolean>;
  /** Rewrites storage without removed addresses, duplicates and corrupt records. Optional. */
  compact?(): CompactResult | Promise<CompactResult>;
  /** Releases what the store holds (connections, timers). Optional; idempotent in the built-in stores. */
  close?(): void | Promise<void>;
}

/**
 * Codes of `SubscriberStoreError`; one section each in docs/errors.md.
 * `…_UNAVAILABLE`: storage cannot be reached or written (I/O error, full disk, permissions, Redis down);
 * try again later. `…_INVALID`: the input or the stored data is not valid (a bad subscriber, a corrupt
 * line, a key of the wrong type).
 */
export type SubscriberStoreErrorCode = SubscriberErrorCode;

/** The one error a built-in subscriber store throws; `code` says whether to retry (`…_UNAVAILABLE`) or not. */
export class SubscriberStoreError extends IntermissionError<SubscriberStoreErrorCode> {
  override readonly name = 'SubscriberStoreError';
}

/** Receives what a store contained without failing: a corrupt line skipped (once each), a lock broken. */
export type SubscriberStoreWarningHandler = (warning: SubscriberStoreError) => void;

/**
 * Rejects, at construction, a custom store that misses a required method: a `TypeError` naming it
 * (express-rate-limit does the same). Returns the store for chaining.
 */
export function checkSubscriberStore(store: unknown, field = 'signup.store'): SubscriberStore {
  if (typeof store !== 'object' || store === null)
    throw new TypeError(`${field} must be a SubscriberStore object (add, remove, count, list)`);
  const record = store as Record<string, unknown>;
  const missing = ['add', 'remove', 'count', 'list'].filter((name) => typeof record[name] !== 'function');
  const wrong = ['claimLaunch', 'compact', 'close'].filter((name) => record[name] !== undefined && typeof record[name] !== 'function');
  if (missing.length > 0)
    throw new TypeError(`${field} has no ${missing.join(', ')} method; a SubscriberStore needs add, remove, count and list`);
  if (wrong.length > 0) throw new TypeError(`${field}.${wrong.join(', ')} must be a function when present`);
  return store as SubscriberStore;
}
