/** What `redisStore` needs of a node-redis client, and the two ways it waits on one: ready, and closed. */

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

/** An error's message for a log line; every error of an AggregateError (node-redis tries each address). */
export function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

export const ignore = (): void => {};
