/** One subscriber's pub/sub connection: it hears that the key changed, and re-reads it. */
import { setTimeout as sleep } from 'node:timers/promises';
import { withTimeout } from '../../shared/timeout.js';
import type { StoredState } from '../../types.js';
import { StateStoreError } from '../../errors.js';
import { shutdown } from '../../shared/redis-lifecycle.js';
import { describe, ignore, type RedisClientLike, type RedisMessageListener } from './redis-client.js';
import type { Subscriber } from './subscription-guard.js';

export interface Subscription {
  /** Resolves once subscribed, or after connectTimeout, or when stopped. */
  started: Promise<void>;
  resync(): void;
  stop(): Promise<void>;
}

export interface FollowOptions {
  channel: string;
  resyncInterval: number;
  connectTimeout: number;
  signal: AbortSignal;
  read: () => Promise<StoredState | null>;
  /** Guarded callbacks: they never throw. */
  subscriber: Subscriber;
}

/** Keeps one pub/sub connection (`sub`, owned) and re-reads the key whenever it may have changed. */
export function followKey(sub: RedisClientLike, options: FollowOptions): Subscription {
  const { channel, read, subscriber } = options;
  let active = true;
  let subscribed = false;
  let subscribing = false;
  let connectedNow = false;
  let reading = false;
  let requested = 0;
  let stopped: Promise<void> | undefined;
  let markLive = ignore;
  const live = new Promise<void>((resolve) => (markLive = resolve));

  // Read through a function: `active` changes while a read awaits, which narrowing cannot see.
  const isActive = (): boolean => active;

  // One read at a time, so states are delivered in the order they were read; requests made during a
  // read coalesce into one more read.
  const resync = (): void => {
    if (!active) return;
    requested += 1;
    if (reading) return;
    reading = true;
    void (async () => {
      let served = 0;
      while (isActive() && served < requested) {
        served = requested;
        try {
          const state = await read();
          if (!isActive()) break;
          subscriber.onChange(state);
        } catch (error) {
          if (!isActive()) break;
          // Every failed read is reported; the caller logs once per outage.
          subscriber.onError(error);
        }
      }
      reading = false;
    })();
  };

  // The message is only a hint to re-read the key: its content is never trusted as the state.
  const onMessage: RedisMessageListener = () => resync();

  const onReady = (): void => {
    connectedNow = true;
    if (subscribed) {
      // node-redis (v4+) re-sends SUBSCRIBE for known channels before emitting `ready`; what was
      // published while we were away is lost (pub/sub is at most once), hence the re-read.
      resync();
      return;
    }
    if (subscribing) return;
    subscribing = true;
    sub.subscribe(channel, onMessage).then(
      () => {
        subscribing = false;
        subscribed = true;
        markLive();
        resync();
      },
      (error: unknown) => {
        subscribing = false;
        // A drop retries on the next `ready`; a refusal (ACL) leaves the periodic resync to keep up.
        if (active && sub.isReady)
          subscriber.onError(
            new StateStoreError(
              'ERR_INTERMISSION_STATE_UNAVAILABLE',
              `Cannot subscribe to Redis channel "${channel}" (${describe(error)}); following the key by polling only`,
              { cause: error },
            ),
          );
        markLive();
      },
    );
  };
  const onSubError = (): void => {
    // Report an outage when the connection drops, rather than at the next resync tick.
    if (connectedNow) {
      connectedNow = false;
      resync();
    }
  };

  sub.on('error', onSubError); // also keeps node-redis from throwing the event
  sub.on('ready', onReady);
  sub.connect().catch(ignore); // retries in the background; rejects only when closed
  const timer = setInterval(resync, options.resyncInterval);
  timer.unref();

  const started = Promise.race([live, sleep(options.connectTimeout, undefined, { signal: options.signal, ref: false })])
    .catch(ignore)
    .then(() => {
      // Not subscribed in time: say why now rather than at the next tick.
      if (!subscribed) resync();
    });

  return {
    started,
    resync,
    stop() {
      stopped ??= (async () => {
        active = false;
        clearInterval(timer);
        markLive();
        sub.off('ready', onReady);
        if (subscribed && sub.isReady) await withTimeout(sub.unsubscribe(channel, onMessage), options.connectTimeout).catch(ignore);
        await shutdown(sub, options.connectTimeout);
      })();
      return stopped;
    },
  };
}
