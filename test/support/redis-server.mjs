// A real redis-server on a free loopback port, without persistence, for the tests (through
// test/helpers/redis-server.ts) and for bench/fleet.mjs. Plain JavaScript so both can import it.
import { spawn } from 'node:child_process';
import net from 'node:net';

export const REDIS_INSTALL_HINT = 'apt-get install -y redis-server';

const running = new Set();
// Safety net when a caller forgets stop(): no redis-server outlives this process.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Spawns redis-server on a free port and waits until it answers PING. */
export async function startRedisServer() {
  const port = await freePort();
  let child = await spawnRedis(port);

  const end = async (signal) => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) {
      if (current) running.delete(current);
      return;
    }
    const exited = new Promise((resolve) => current.once('exit', () => resolve()));
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

async function spawnRedis(port) {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--loglevel', 'warning'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk.toString()));
  child.stderr.on('data', (chunk) => (output += chunk.toString()));
  const exited = new Promise((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start redis-server (${error.message}); install it with ${REDIS_INSTALL_HINT}`)),
    );
    child.once('exit', (code, signal) =>
      reject(new Error(`redis-server exited (${signal ?? code}) before accepting connections:\n${output}`)),
    );
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

async function waitForPong(port, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await ping(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (ok) => {
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

function freePort() {
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
