/** What `redisStore` needs of a node-redis client, and the two ways it waits on one: ready, and closed. */
import { withTimeout } from '../../shared/timeout.js';

/** A pub/sub message listener, as node-redis calls it. */
export type RedisMessageListener = (message: string, channel: string) => unknown;

/**
 * The part of a node-redis client (v4 or newer) that `redisStore` uses. Structural, so you can pass
 * your own client and no client version is forced on you.
 */
export interface RedisClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string, listener: RedisMessageListener): Promise<unknown>;
  unsubscribe(channel: string, listener: RedisMessageListener): Promise<unknown>;
  /** A new, unconnected client with the same options (the store uses one for pub/sub). */
  duplicate(): RedisClientLike;
  on(event: 'error' | 'ready', listener: (...args: unknown[]) => void): unknown;
  off(event: 'error' | 'ready', listener: (...args: unknown[]) => void): unknown;
  /** node-redis v5+; `quit()` is the v4 name. */
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  /** node-redis v5+; `disconnect()` is the v4 name. */
  destroy?(): void;
  disconnect?(): Promise<unknown>;
}

/** Closes a client the store owns; falls back to destroying it when Redis is gone. Never rejects. */
export async function shutdown(client: RedisClientLike, timeout: number): Promise<void> {
  if (!client.isOpen) return;
  try {
    const closing = client.close ? client.close() : client.quit?.();
    if (closing) {
      await withTimeout(closing, timeout);
      return;
    }
  } catch {
    // fall through: force it
  }
  try {
    if (client.destroy) client.destroy();
    else await client.disconnect?.();
  } catch {
    // nothing more to release
  }
}

/** Resolves on the client's next `ready`; rejects after `timeout` ms, or when `signal` aborts. */
export function waitForReady(client: RedisClientLike, timeout: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => done();
    const onAbort = (): void => done(new Error('closed'));
    const timer = setTimeout(() => done(new Error('timeout')), timeout);
    client.on('ready', onReady);
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) onAbort();
  });
}

/** An error's message for a log line; every error of an AggregateError (node-redis tries each address). */
export function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

export const ignore = (): void => {};
