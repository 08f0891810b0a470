/**
 * The fleet acceptance test: a real redis-server, three real app processes following it through
 * `INTERMISSION_REDIS_URL`, and the CLI toggling them. Loopback only.
 *
 * The steps run in order and share the fleet: each starts from the state the previous one left.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { IntermissionStatus, LogDetails, StoredState } from '../../src/index.js';
import { describeRedis, startRedis } from '../helpers/redis-server.js';
import type { RedisServer } from '../helpers/redis-server.js';
import type { InstanceMessage } from '../support/fleet-instance.mjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const INSTANCE = fileURLToPath(new URL('../support/fleet-instance.mjs', import.meta.url));
/** The instances run the sources (through tsx), so the test needs no build. */
const SOURCES = new URL('../../src/index.ts', import.meta.url).href;
const STEP_TIMEOUT = 60_000;
const FLEET_SIZE = 3;

interface Instance {
  name: string;
  child: ChildProcess;
  port: number;
  logs: { level: string; message: string; details?: LogDetails }[];
  output: () => string;
}

const children = new Set<ChildProcess>();
// Safety net: no instance outlives the test process, whatever happened.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

const alive = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** Spawns one instance (src through tsx) and waits until it listens, having read the store once. */
async function startInstance(name: string, url: string): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', INSTANCE], {
    cwd: REPO,
    env: { ...process.env, FLEET_REDIS_URL: url, FLEET_MODULE: SOURCES },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const logs: Instance['logs'] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not listen within 30 s:\n${output}`)), 30_000);
    child.on('message', (message: InstanceMessage) => {
      if (message.type === 'log') logs.push({ level: message.level, message: message.message, details: message.details });
      else {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before listening:\n${output}`));
    });
  });
  return { name, child, port, logs, output: () => output };
}

async function stopInstance(child: ChildProcess): Promise<void> {
  if (alive(child)) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killer);
  }
  children.delete(child);
}

// One keep-alive pool, as a load balancer in front of the fleet would hold.
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, path = '/'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { Accept: 'text/html' }, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.on('error', reject);
    req.end();
  });
}

async function statusOf(instance: Instance): Promise<IntermissionStatus> {
  const reply = await get(instance.port, '/__status');
  expect(reply.status, `${instance.name} /__status`).toBe(200);
  return JSON.parse(reply.body) as IntermissionStatus;
}

/** Polls until `check` holds; resolves with the ms it took from `since`, or rejects after `timeout` ms. */
async function within(check: () => Promise<boolean>, timeout: number, since = Date.now(), every = 5): Promise<number> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return Date.now() - since;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeout} ms`);
    await sleep(every);
  }
}

/** Runs the CLI in this process, as an operator would from a shell; returns the state it wrote. */
async function cli(...argv: string[]): Promise<StoredState> {
  let stdout = '';
  let stderr = '';
  const code = await main([...argv, '--redis-url', redis!.url, '--json'], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: {},
  });
  expect(code, `intermission ${argv.join(' ')}: ${stderr}`).toBe(0);
  return (JSON.parse(stdout) as { state: StoredState }).state;
}

interface LoadResult {
  total: number;
  open: number;
  gate: number;
  /** Any other status, or a 503 without Retry-After: not the gate's. */
  other: { instance: string; status: number; body: string }[];
  errors: { instance: string; message: string }[];
}

/**
 * `loops` concurrent request loops, each going round the fleet, for `duration` ms. Counts answers:
 * 200 "open", the gate's 503 (with Retry-After), and anything else; connection errors apart.
 */
async function load(fleet: Instance[], duration: number, loops = 4): Promise<LoadResult> {
  const result: LoadResult = { total: 0, open: 0, gate: 0, other: [], errors: [] };
  const end = Date.now() + duration;
  const loop = async (offset: number): Promise<void> => {
    for (let i = offset; Date.now() < end; i += 1) {
      const instance = fleet[i % fleet.length]!;
      result.total += 1;
      try {
        const reply = await get(instance.port);
        if (reply.status === 200 && reply.body === 'open') result.open += 1;
        else if (reply.status === 503 && reply.headers['retry-after'] !== undefined) result.gate += 1;
        else result.other.push({ instance: instance.name, status: reply.status, body: reply.body.slice(0, 200) });
      } catch (error) {
        result.errors.push({ instance: instance.name, message: error instanceof Error ? error.message : String(error) });
      }
      await sleep(1);
    }
  };
  await Promise.all(Array.from({ length: loops }, (_, i) => loop(i)));
  return result;
}

const storeWarnings = (instance: Instance): number =>
  instance.logs.filter((line) => line.level === 'warn' && line.details?.code === 'WRN_INTERMISSION_STORE_FAILED').length;

let redis: RedisServer | undefined;
let fleet: Instance[] = [];

describeRedis('fleet: three app processes following one Redis, toggled by the CLI', () => {
  beforeAll(async () => {
    const server = await startRedis();
    redis = server;
    const started = await Promise.allSettled(Array.from({ length: FLEET_SIZE }, (_, i) => startInstance(`instance ${i + 1}`, server.url)));
    fleet = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }, STEP_TIMEOUT);

  afterAll(async () => {
    await Promise.allSettled([...children].map(stopInstance));
    agent.destroy();
    await redis?.stop();
  }, STEP_TIMEOUT);

  it('starts open: no state in Redis yet, so the config decides', async () => {
    for (const instance of fleet) {
      const reply = await get(instance.port);
      expect(reply.status, instance.name).toBe(200);
      expect(reply.body).toBe('open');
      expect(await statusOf(instance)).toMatchObject({ mode: 'off', source: 'default' });
    }
  });

  it(
    'intermission down closes all three within 1 s, and their status agrees',
    async () => {
      const state = await cli('down');
      const returned = Date.now();
      const delays = await Promise.all(
        fleet.map((instance) => within(async () => (await get(instance.port)).status === 503, 5000, returned)),
      );
      console.info(`fleet: down reached the 3 instances in ${delays.join(', ')} ms after the CLI returned`);
      for (const delay of delays) expect(delay).toBeLessThan(1000);

      const statuses = await Promise.all(fleet.map(statusOf));
      for (const status of statuses) {
        expect(status).toMatchObject({ mode: 'maintenance', configuredMode: 'maintenance', source: 'store', updatedAt: state.updatedAt });
        expect(status.storeError).toBeUndefined();
      }
      const reply = await get(fleet[0]!.port);
      expect(reply.headers['retry-after']).toBeDefined();
    },
    STEP_TIMEOUT,
  );

  it(
    'under load, with redis-server killed: only the gate 503 answers, no errors, no crash, still closed',
    async () => {
      const downAt = (await statusOf(fleet[0]!)).updatedAt;
      const warningsBefore = fleet.map(storeWarnings);
      const running = load(fleet, 4000);
      await sleep(500);
      await redis!.kill();
      const result = await running;
      console.info(
        `fleet: load with Redis killed: ${result.total} requests, ${result.open} × 200, ${result.gate} × 503 (gate), ${result.other.length} other, ${result.errors.length} errors`,
      );
      expect(result.errors).toEqual([]);
      expect(result.other).toEqual([]);
      // The site was closed before Redis died: closed it stays, on every instance.
      expect(result.open).toBe(0);
      expect(result.gate).toBe(result.total);
      expect(result.total).toBeGreaterThan(100);

      for (const [i, instance] of fleet.entries()) {
        expect(alive(instance.child), `${instance.name} is running`).toBe(true);
        const status = await statusOf(instance);
        expect(status).toMatchObject({ mode: 'maintenance', source: 'store', updatedAt: downAt });
        expect(status.storeError, `${instance.name} reports the outage`).toEqual(expect.any(String));
        // The outage is logged once per instance, not per failed read.
        expect(storeWarnings(instance) - warningsBefore[i]!, `${instance.name} store warnings`).toBe(1);
      }
    },
    STEP_TIMEOUT,
  );

  it(
    'after a restart of Redis with the key gone: stays closed, then follows a new down and up within 2 s',
    async () => {
      const downAt = (await statusOf(fleet[0]!)).updatedAt;
      const warningsBefore = fleet.map(storeWarnings);
      const restartedAt = Date.now();
      await redis!.restart();

      // Light load while the instances reconnect and find the key gone: nobody may see the site open.
      let reconnected = false;
      const watching = (async () => {
        const results: LoadResult[] = [];
        while (!reconnected) results.push(await load(fleet, 200, 2));
        return results;
      })();
      let reconnectedAfter: number;
      try {
        reconnectedAfter = await within(
          async () => (await Promise.all(fleet.map(statusOf))).every((status) => /does not exist/.test(status.storeError ?? '')),
          15_000,
          restartedAt,
          50,
        );
      } finally {
        reconnected = true;
      }
      const watched = await watching;
      const sum = (pick: (r: LoadResult) => number): number => watched.reduce((total, r) => total + pick(r), 0);
      console.info(
        `fleet: all 3 reconnected ${reconnectedAfter} ms after the restart; meanwhile ${sum((r) => r.total)} requests, ${sum((r) => r.open)} × 200, ${sum((r) => r.gate)} × 503, ${sum((r) => r.other.length + r.errors.length)} other/errors`,
      );
      expect(watched.flatMap((r) => r.errors)).toEqual([]);
      expect(watched.flatMap((r) => r.other)).toEqual([]);
      expect(sum((r) => r.open)).toBe(0);
      for (const status of await Promise.all(fleet.map(statusOf))) {
        // The absent key is "unknown", not "open": the last known state stays in force.
        expect(status).toMatchObject({ mode: 'maintenance', source: 'store', updatedAt: downAt });
      }

      const down = await cli('down', '--message', 'Back after the Redis restart');
      await Promise.all(fleet.map((instance) => within(async () => (await statusOf(instance)).updatedAt === down.updatedAt, 2000)));
      const up = await cli('up');
      const returned = Date.now();
      const delays = await Promise.all(
        fleet.map((instance) => within(async () => (await get(instance.port)).status === 200, 10_000, returned)),
      );
      console.info(`fleet: up after the restart reached the 3 instances in ${delays.join(', ')} ms after the CLI returned`);
      for (const delay of delays) expect(delay).toBeLessThan(2000);

      for (const [i, instance] of fleet.entries()) {
        expect(alive(instance.child), `${instance.name} is running`).toBe(true);
        const status = await statusOf(instance);
        expect(status).toMatchObject({ mode: 'off', source: 'store', updatedAt: up.updatedAt });
        expect(status.storeError).toBeUndefined();
        // Still the same outage until a state could be read: no second warning for the absent key.
        expect(storeWarnings(instance) - warningsBefore[i]!, `${instance.name} store warnings`).toBe(0);
        expect(
          instance.logs.filter((line) => line.level === 'error'),
          `${instance.name} errors logged`,
        ).toEqual([]);
      }
    },
    STEP_TIMEOUT,
  );
});
