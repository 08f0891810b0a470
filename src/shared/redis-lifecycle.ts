/**
 * Waiting for and closing a node-redis client (v4 or newer), shared by the state store and the
 * subscriber store. Structural, so neither forces a client version on the caller.
 */
import { withTimeout } from './timeout.js';

/** What closing a client and waiting for it need of node-redis. */
export interface RedisLifecycleClient {
  readonly isOpen: boolean;
  on(event: 'ready', listener: (...args: unknown[]) => void): unknown;
  off(event: 'ready', listener: (...args: unknown[]) => void): unknown;
  /** node-redis v5+; `quit()` is the v4 name. */
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  /** node-redis v5+; `disconnect()` is the v4 name. */
  destroy?(): void;
  disconnect?(): Promise<unknown>;
}

/** Closes a client the store owns; falls back to destroying it when Redis is gone. Never rejects. */
export async function shutdown(client: RedisLifecycleClient, timeout: number): Promise<void> {
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
export function waitForReady(client: RedisLifecycleClient, timeout: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => done();
    const onAbort = (): void => done(new Error('closed'));
    const timer = setTimeout(() => done(new Error('timeout')), timeout);
    client.on('ready', onReady);
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();
  });
}
