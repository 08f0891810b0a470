import type { ResolvedConfig } from '../config/resolve.js';
import type { Gate } from '../gate.js';
import type { IntermissionStatus, Logger, StateStore, StoredState } from '../types.js';
import { viewState, toIntermissionStatus } from './status.js';
import { StateStoreError } from '../errors.js';
import { sameState, toGateState, type GateState } from './stored-state.js';
import { openStore } from './stores/from-env.js';
import { isRedisStore } from './stores/redis-store.js';

/**
 * What a store that holds no state (`get()` returned `null`) means; the one place this is decided.
 * - `config`: nobody has set a state, or someone deleted it on purpose (a state file is only removed
 *   by hand): the config and env decide again.
 * - `unknown`: the state was lost, not removed (a Redis key vanishes on a restart without
 *   persistence, or an eviction): keep the last known state, so a closed fleet does not open itself.
 */
export type AbsentMeans = 'config' | 'unknown';

export function absentMeans(store: StateStore): AbsentMeans {
  return isRedisStore(store) ? 'unknown' : 'config';
}

function absentError(store: StateStore): StateStoreError {
  const where = isRedisStore(store) ? `Redis key "${store.key}"` : 'The state store';
  return new StateStoreError(
    'ERR_INTERMISSION_STATE_UNAVAILABLE',
    `${where} does not exist (Redis restarted without persistence, or the key was evicted or deleted): the state is unknown until one is written again (intermission up / down)`,
  );
}

export interface Following {
  /** Resolves after the first read (successful or not). */
  ready: Promise<void>;
  /** Last error message while the store is failing (or its state is unknown); `undefined` when healthy. */
  readonly failing: string | undefined;
  /** Stops listening and closes the store. */
  close(): Promise<void>;
}

/**
 * Follows a store and hands each new state to `apply` (`null`: the config decides). The one layer
 * that skips a state equal to the last one applied, and that turns an absent state into "config" or
 * "unknown" (see `absentMeans`). While the store fails, or its state is unknown, the last known state
 * stays in force; each outage is logged once, and its end once. Without `subscribe`, the store is
 * polled every `pollInterval` ms, never with two reads in flight.
 */
export function followStore(
  store: StateStore,
  apply: (state: StoredState | null) => void,
  options: { logger: Logger; pollInterval: number },
): Following {
  const { logger, pollInterval } = options;
  const absent = absentMeans(store);
  // Before the first read the config decides, as it does for an absent state: a store that holds
  // nothing at start-up changes nothing, and is not reported as a change.
  let last: StoredState | null = null;
  let failing: string | undefined;
  let closed = false;
  // A function, not the variable, so checks after an await read the current value.
  const isClosed = (): boolean => closed;
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const fail = (error: unknown): void => {
    if (closed) return;
    const message = error instanceof Error ? error.message : String(error);
    if (failing === undefined) {
      logger.warn(`State store failed; keeping the last known state (${message})`, { code: 'WRN_INTERMISSION_STORE_FAILED' });
    }
    failing = message;
  };
  const deliver = (state: StoredState | null): void => {
    if (closed) return;
    if (state === null && absent === 'unknown') return fail(absentError(store));
    if (failing !== undefined) {
      logger.info?.('State store recovered', { code: 'store-recovered' });
      failing = undefined;
    }
    if (sameState(last, state)) return;
    last = state;
    apply(state);
  };
  const read = async (): Promise<void> => {
    try {
      deliver(await store.get());
    } catch (error) {
      fail(error);
    }
  };

  const ready = (async () => {
    await read();
    if (isClosed()) return;
    if (store.subscribe) {
      try {
        unsubscribe = await store.subscribe(deliver, fail);
      } catch (error) {
        fail(error);
      }
    } else {
      const tick = async (): Promise<void> => {
        await read();
        if (!closed) timer = setTimeout(() => void tick(), pollInterval).unref();
      };
      timer = setTimeout(() => void tick(), pollInterval).unref();
    }
  })();

  return {
    ready,
    get failing() {
      return failing;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      await ready.catch(() => {});
      unsubscribe?.();
      await store.close?.();
    },
  };
}

/** The store the config names: one from the environment, or the `store` option. */
function configuredStore(config: ResolvedConfig): StateStore | undefined {
  switch (config.store?.kind) {
    case undefined:
      return undefined;
    case 'options':
      // Its shape was checked with every other option (ERR_INTERMISSION_STORE).
      return config.store.store;
    case 'file':
    case 'redis':
      return openStore(config.store, { logger: config.logger });
  }
}

/** Plain functions, not methods: the middleware hands them out detached. */
export interface StateFollower {
  status: () => IntermissionStatus;
  ready: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * Keeps the gate's state in step with the configured store and answers `status()`. Until the store
 * was read once, and whenever it holds no state that counts as "config", the config and env decide.
 */
export function createStateFollower(gate: Gate, config: ResolvedConfig): StateFollower {
  const fromConfig: GateState = gate.state();
  let stored: StoredState | null = null;
  let following: Following | undefined;

  function status(): IntermissionStatus {
    const view = viewState(gate.state(), stored ?? undefined, config.now());
    return toIntermissionStatus(view, stored ? 'store' : config.modeSource, following?.failing);
  }

  function apply(next: StoredState | null): void {
    const previous = status();
    stored = next;
    const state = next ? { ...toGateState(next), retryAfter: next.retryAfter ?? config.retryAfter } : { ...fromConfig };
    // A revocation only moves forward: a state written after the store lost it (Redis restarted
    // without persistence, a deleted file) must not bring revoked links and cookies back.
    const revokedBefore = Math.max(gate.state().previewsValidAfter ?? 0, state.previewsValidAfter ?? 0);
    if (revokedBefore > 0) state.previewsValidAfter = revokedBefore;
    gate.setState(state);
    const current = status();
    config.logger.info?.(`State changed: ${previous.mode} → ${current.mode}`, { code: 'state-changed', source: current.source });
    try {
      config.onChange?.(current, previous);
    } catch (error) {
      config.logger.error('onChange threw', { code: 'on-change-failed', error: error instanceof Error ? error.message : String(error) });
    }
  }

  const store = configuredStore(config);
  if (store) following = followStore(store, apply, { logger: config.logger, pollInterval: config.pollInterval });

  return {
    status,
    ready: async (): Promise<void> => following?.ready,
    close: async (): Promise<void> => following?.close(),
  };
}
