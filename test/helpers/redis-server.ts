import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { REDIS_INSTALL_HINT, startRedisServer } from '../support/redis-server.mjs';

export type { RedisServer } from '../support/redis-server.mjs';

/** `redis-server` is on PATH. */
export const redisAvailable: boolean = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error === undefined;

const inCI = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI.toLowerCase());

/**
 * `describe` for suites that need a real redis-server. Without one it skips with a message saying how
 * to install it; under CI it registers a failing test instead, never a silent skip.
 */
export function describeRedis(name: string, body: () => void): void {
  if (redisAvailable) {
    describe(name, body);
  } else if (inCI) {
    describe(name, () => {
      it('needs redis-server', () => {
        throw new Error(`redis-server is required in CI: ${REDIS_INSTALL_HINT}`);
      });
    });
  } else {
    console.warn(`Skipping "${name}": redis-server is not on PATH. Install it with \`${REDIS_INSTALL_HINT}\`.`);
    describe.skip(`${name} (skipped: ${REDIS_INSTALL_HINT})`, body);
  }
}

/** A real redis-server on a free port, without persistence (see test/support/redis-server.mjs). */
export const startRedis = startRedisServer;
