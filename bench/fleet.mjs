// Fleet propagation: how long a toggle written to Redis takes to reach every app instance.
//
//   npm run bench:fleet        (builds dist/ first; needs redis-server on PATH)
//
// Starts its own redis-server on a free loopback port (no persistence), three app processes
// (test/support/fleet-instance.mjs, importing dist/) following it, then toggles the state down and up
// CYCLES times with `redisStore({ url }).set()`, as `intermission down` / `up` do. For each toggle it
// polls every instance every ~2 ms (keep-alive HEAD /) and records when the LAST one serves the new
// mode. Prints p50 / p99 / max as Markdown and writes them between the fleet markers of
// bench/results.md, leaving the rest of that file alone. Loopback only; bounded to under a minute.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { redisStore } from '../dist/index.js';
import { startRedisServer } from '../test/support/redis-server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(HERE, 'results.md');
const INSTANCE = join(HERE, '../test/support/fleet-instance.mjs');
const START = '<!-- fleet:start -->';
const END = '<!-- fleet:end -->';
const INSTANCES = 3;
const CYCLES = Number(process.env.FLEET_CYCLES ?? 50); // down + up each: 2 toggles a cycle
const WARMUP_CYCLES = 3;
const POLL_MS = 2;
const TOGGLE_TIMEOUT_MS = 5000;
const DEADLINE_MS = 55_000;

const children = new Set();
let writer;
let redis;

/** Stops everything this script started. Safe to call twice. */
async function cleanup() {
  await writer?.close().catch(() => {});
  agent.destroy();
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
          child.once('exit', () => {
            clearTimeout(killer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  children.clear();
  // Last, so the instances do not see an outage while they shut down.
  await redis?.stop();
}
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
const watchdog = setTimeout(() => {
  console.error(`bench/fleet.mjs: still running after ${DEADLINE_MS / 1000} s; giving up`);
  void cleanup().finally(() => process.exit(1));
}, DEADLINE_MS);

// One socket per instance: a poll never queues behind another instance's.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function startInstance(url) {
  const child = spawn(process.execPath, [INSTANCE], {
    env: { ...process.env, FLEET_REDIS_URL: url },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('an instance did not listen within 20 s')), 20_000);
    child.on('message', (message) => {
      // Warnings and errors still show: an outage during the bench would explain odd numbers.
      if (message.type === 'log' && message.level !== 'info') console.error(`[instance ${child.pid}] ${message.message}`);
      if (message.type !== 'listening') return;
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`an instance exited (${signal ?? code}) before listening`));
    });
  });
}

/** HEAD / on a kept-alive connection; resolves with the status code. */
function head(port) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'HEAD', agent, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from port ${port} within 2 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls one instance until it answers `status`; resolves with performance.now() at that answer. */
async function flipped(port, status, deadline) {
  for (;;) {
    const answer = await head(port);
    const at = performance.now();
    if (answer === status) return at;
    if (at > deadline) throw new Error(`port ${port} still answers ${answer}, not ${status}, ${TOGGLE_TIMEOUT_MS} ms after the toggle`);
    await sleep(POLL_MS);
  }
}

let clock = Date.now();
/** One toggle: write the state, then wait until every instance serves it. Times in ms from the write call. */
async function toggle(ports, mode) {
  clock = Math.max(clock + 1, Date.now()); // a distinct updatedAt per toggle, as the CLI writes
  const state = { mode, updatedAt: new Date(clock).toISOString(), updatedBy: 'bench/fleet.mjs' };
  const expected = mode === 'off' ? 200 : 503;
  const t0 = performance.now();
  const deadline = t0 + TOGGLE_TIMEOUT_MS;
  const written = writer.set(state).then(() => performance.now() - t0);
  const at = await Promise.all(ports.map((port) => flipped(port, expected, deadline)));
  return { all: Math.max(...at) - t0, first: Math.min(...at) - t0, write: await written };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted, p) {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function row(label, values) {
  const sorted = [...values].sort((a, b) => a - b);
  const ms = (v) => `${v.toFixed(1)} ms`;
  return `| ${label} | ${sorted.length} | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 99))} | ${ms(sorted[sorted.length - 1])} |`;
}

/** Replaces the fleet section of results.md, or appends it; re-reads the file right before writing. */
function writeSection(section) {
  const block = `${START}\n${section}\n${END}`;
  const current = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  const start = current.indexOf(START);
  const end = start === -1 ? -1 : current.indexOf(END, start);
  let next;
  if (start !== -1 && end !== -1) {
    next = current.slice(0, start) + block + current.slice(end + END.length);
  } else {
    const separator = current === '' ? '' : current.endsWith('\n\n') ? '' : current.endsWith('\n') ? '\n' : '\n\n';
    next = `${current}${separator}${block}\n`;
  }
  const temp = join(HERE, `.results.md.fleet-${process.pid}.tmp`);
  writeFileSync(temp, next);
  renameSync(temp, RESULTS);
}

async function run() {
  const load = loadavg()[0];
  redis = await startRedisServer();
  const { url } = redis;
  writer = redisStore({ url });
  // A state before the instances start, so none of them begins with an unknown state.
  await writer.set({ mode: 'off', updatedAt: new Date().toISOString(), updatedBy: 'bench/fleet.mjs' });
  const ports = await Promise.all(Array.from({ length: INSTANCES }, () => startInstance(url)));
  await Promise.all(ports.map((port) => flipped(port, 200, performance.now() + TOGGLE_TIMEOUT_MS)));

  const results = [];
  for (let cycle = 0; cycle < WARMUP_CYCLES + CYCLES; cycle += 1) {
    for (const mode of ['maintenance', 'off']) {
      const result = await toggle(ports, mode);
      if (cycle >= WARMUP_CYCLES) results.push({ ...result, mode });
      // Let the fleet settle; a little jitter so toggles do not line up with the pollers.
      await sleep(20 + Math.random() * 20);
    }
  }

  const redisVersion = /v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? '?';
  const table = [
    '| measure | toggles | p50 | p99 | max |',
    '| --- | ---: | ---: | ---: | ---: |',
    row(
      '**propagation: all 3 instances serve the new mode**',
      results.map((r) => r.all),
    ),
    row(
      '… down only (the change renders the page)',
      results.filter((r) => r.mode !== 'off').map((r) => r.all),
    ),
    row(
      '… up only',
      results.filter((r) => r.mode === 'off').map((r) => r.all),
    ),
    row(
      'first instance serves it',
      results.map((r) => r.first),
    ),
    row(
      '`set()` resolved (SET + PUBLISH)',
      results.map((r) => r.write),
    ),
  ].join('\n');
  const section = [
    '## Fleet propagation',
    '',
    `\`npm run bench:fleet\` (bench/fleet.mjs), ${new Date().toISOString().slice(0, 10)}: ${INSTANCES} app processes (dist/, Express 5, following Redis through \`INTERMISSION_REDIS_URL\`, default options) and one local redis-server ${redisVersion} without persistence; Node ${process.version}, ${cpus().length} cores (load average ${load.toFixed(1)} when it started: other work shares them), loopback only.`,
    `${results.length} toggles (${CYCLES} down/up cycles after ${WARMUP_CYCLES} of warm-up), each written with \`redisStore({ url }).set()\` as \`intermission down\` / \`up\` do. Each instance is polled every ~${POLL_MS} ms with a keep-alive \`HEAD /\`; a delay runs from the \`set()\` call until the LAST instance answers with the new mode (503 or 200), so it includes the write, the publish, each instance re-reading the key, and up to one poll interval plus a request.`,
    '',
    table,
  ].join('\n');
  console.log(`\n${section}\n`);
  writeSection(section);
  console.log(`Wrote the fleet section of ${RESULTS}`);
}

let exitCode = 0;
try {
  await run();
} catch (error) {
  console.error(`bench/fleet.mjs: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
process.exit(exitCode);
