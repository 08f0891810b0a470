import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { describe, it } from 'vitest';

const INSTALL = 'apt-get install -y redis-server';

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
        throw new Error(`redis-server is required in CI: ${INSTALL}`);
      });
    });
  } else {
    console.warn(`Skipping "${name}": redis-server is not on PATH. Install it with \`${INSTALL}\`.`);
    describe.skip(`${name} (skipped: ${INSTALL})`, body);
  }
}

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

const running = new Set<ChildProcess>();
// Safety net when a test forgets stop(): no redis-server outlives the test process.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Spawns a real redis-server on a free port, without persistence, and waits until it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined = await spawnRedis(port);

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) {
      if (current) running.delete(current);
      return;
    }
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill(signal);
    await exited;
    running.delete(current);
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    async restart() {
      await end('SIGTERM');
      child = await spawnRedis(port);
    },
  };
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--loglevel', 'warning'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`redis-server exited (${signal ?? code}) before accepting connections:\n${output}`)));
  });
  exited.catch(() => {});
  try {
    await Promise.race([waitForPong(port, 10_000), exited]);
  } catch (error) {
    child.kill('SIGKILL');
    running.delete(child);
    throw error;
  }
  child.stdout.resume();
  child.stderr.resume();
  return child;
}

async function waitForPong(port: number, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await ping(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
