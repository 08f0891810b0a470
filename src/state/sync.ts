import type { StateStore, StoredState } from '../types.js';
import { sameState } from './stored-state.js';
import type { Logger } from '../types.js';

const REQUIRED = ['get'] as const;
const OPTIONAL = ['set', 'subscribe', 'close'] as const;

/** Rejects a store that breaks the contract, at construction, naming what is missing. */
export function assertStore(store: unknown): asserts store is StateStore {
  if (typeof store !== 'object' || store === null) {
    throw new TypeError(`Intermission: store must be an object with a get() method, got ${store === null ? 'null' : typeof store}`);
  }
  const record = store as Record<string, unknown>;
  for (const method of REQUIRED) {
    if (typeof record[method] !== 'function') throw new TypeError(`Intermission: store.${method} must be a function (see the StateStore type)`);
  }
  for (const method of OPTIONAL) {
    if (record[method] !== undefined && typeof record[method] !== 'function') {
      throw new TypeError(`Intermission: store.${method} must be a function when present`);
    }
  }
}

export interface StoreLink {
  /** Resolves after the first read (successful or not). */
  ready: Promise<void>;
  /** Last error message while the store is failing; `undefined` when healthy. */
  readonly failing: string | undefined;
  /** Stops listening and closes the store. */
  close(): Promise<void>;
}

/**
 * Follows a store and pushes each state it reports into `apply`. The request path never waits for
 * the store: it reads what this pushed. While the store fails, the last known state stays in force;
 * each outage is logged once, and its end once.
 */
export function linkStore(
  store: StateStore,
  apply: (state: StoredState | null) => void,
  options: { logger: Logger; pollInterval: number },
): StoreLink {
  const { logger, pollInterval } = options;
  let last: StoredState | null | undefined;
  let failing: string | undefined;
  let closed = false;
  // A function, not the variable, so checks after an await read the current value.
  const isClosed = (): boolean => closed;
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const deliver = (state: StoredState | null): void => {
    if (closed) return;
    if (failing !== undefined) {
      logger.info?.('State store recovered', { code: 'store-recovered' });
      failing = undefined;
    }
    if (last !== undefined && sameState(last, state)) return;
    last = state;
    apply(state);
  };
  const fail = (error: unknown): void => {
    if (closed) return;
    const message = error instanceof Error ? error.message : String(error);
    if (failing === undefined) {
      logger.warn(`State store failed; keeping the last known state (${message})`, { code: 'WRN_INTERMISSION_STORE_FAILED' });
    }
    failing = message;
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
      // No push from this store: poll it, without ever overlapping two reads.
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
