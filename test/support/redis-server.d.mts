export declare const REDIS_INSTALL_HINT: string;

export interface RedisServer {
  url: string;
  port: number;
  /** Shuts it down (SIGTERM) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
  /** Stops it if running, then starts a fresh one (empty: no persistence) on the same port. */
  restart(): Promise<void>;
  /** Kills it (SIGKILL): connections drop as in a crash. Idempotent. */
  kill(): Promise<void>;
}

/** Spawns a real redis-server on a free loopback port, without persistence, and waits until it answers PING. */
export declare function startRedisServer(): Promise<RedisServer>;
