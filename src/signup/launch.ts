import type { IntermissionStatus, Logger } from '../types.js';
import { runHook } from './hooks.js';
import type { OnLaunch } from './options.js';
import type { SubscriberStore } from './subscriber.js';

/** setTimeout's longest delay; a later launch is re-armed from there. */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** Fired this long after `launchAt`, so that the gate's own clock has passed it too. */
const AFTER_LAUNCH_MS = 50;

export interface LaunchWatcherDeps {
  status: () => IntermissionStatus;
  now: () => number;
  onLaunch: OnLaunch;
  store: () => SubscriberStore;
  logger: Logger;
}

export interface LaunchWatcher {
  /** Looks at the state again: call after every change a store pushed. */
  check(): void;
  close(): void;
}

/**
 * The same id on every instance for the same launch, so the store's `claimLaunch` lets one run the
 * hook: the scheduled instant for a `launchAt` that passed, else when the open state was written
 * (`intermission up`), else the minute (config only, where each process is its own fleet anyway).
 */
export function launchId(status: IntermissionStatus, now: number): string {
  if (status.launchAt !== undefined && Date.parse(status.launchAt) <= now) return `launch-at:${status.launchAt}`;
  if (status.updatedAt !== undefined) return `opened:${status.updatedAt}`;
  return `opened:${new Date(now).toISOString().slice(0, 16)}`;
}

/**
 * Calls `onLaunch` when the coming-soon site opens while this process runs: the scheduled `launchAt`
 * passing (a timer) or the store turning it off (`check()` after each change). Maintenance ending is
 * not a launch. Only the instance whose `claimLaunch` succeeds runs it; a store without `claimLaunch`
 * runs it in every process.
 */
export function createLaunchWatcher(deps: LaunchWatcherDeps): LaunchWatcher {
  let last = deps.status().mode;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  async function launch(id: string): Promise<void> {
    const store = deps.store();
    let claimed: boolean;
    try {
      claimed = store.claimLaunch ? await store.claimLaunch(id) : true;
    } catch (error) {
      deps.logger.error('The launch could not be claimed, so signup.onLaunch did not run here; export the list and send it by hand', {
        code: 'ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE',
        launch: id,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    if (!claimed) return;
    deps.logger.info?.('Launch: running signup.onLaunch', { code: 'signup-launch', launch: id });
    await runHook('onLaunch', () => deps.onLaunch(store.list()), deps.logger);
  }

  function arm(status: IntermissionStatus, now: number): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (closed || status.mode !== 'coming-soon' || status.launchAt === undefined) return;
    const delay = Math.min(Math.max(0, Date.parse(status.launchAt) - now) + AFTER_LAUNCH_MS, MAX_DELAY_MS);
    timer = setTimeout(check, delay).unref();
  }

  function check(): void {
    if (closed) return;
    const now = deps.now();
    const status = deps.status();
    if (last === 'coming-soon' && status.mode === 'off') void launch(launchId(status, now));
    last = status.mode;
    arm(status, now);
  }

  arm(deps.status(), deps.now());
  return {
    check,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
