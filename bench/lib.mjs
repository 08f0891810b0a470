// Process plumbing and statistics shared by run.mjs and the profiler.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(BENCH, '..');
export const TMP = join(BENCH, '.tmp');

/** `taskset` when it exists and works here (some containers refuse to set affinity). */
export const TASKSET = (() => {
  const which = spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' });
  const path = which.status === 0 ? which.stdout.trim() : '';
  if (!path) return undefined;
  return spawnSync(path, ['-c', '0', 'true']).status === 0 ? path : undefined;
})();

/**
 * Starts `node [nodeArgs] script [args]` pinned to `core` (when taskset exists) with an IPC channel.
 * Returns the child with `ask(msg)`: sends `msg` with a fresh id and resolves with the reply carrying it.
 */
export function startChild(script, args, { core, nodeArgs = [], stdout = 'inherit', env = process.env } = {}) {
  const command = [process.execPath, ...nodeArgs, script, ...args];
  const [file, ...rest] = TASKSET && core !== undefined ? [TASKSET, '-c', String(core), ...command] : command;
  const child = spawn(file, rest, { cwd: ROOT, env, stdio: ['ignore', stdout, 'inherit', 'ipc'] });
  const waiting = new Map();
  let nextId = 1;
  let ready;
  child.ready = new Promise((resolve, reject) => {
    ready = { resolve, reject };
  });
  child.on('message', (msg) => {
    if (msg.type === 'ready') return ready.resolve(msg);
    const pending = waiting.get(msg.id);
    if (!pending) return;
    waiting.delete(msg.id);
    if (msg.error) pending.reject(new Error(msg.error));
    else pending.resolve(msg);
  });
  child.on('exit', (code, signal) => {
    const error = new Error(`${script} ${args.join(' ')} exited (${signal ?? code})`);
    ready.reject(error);
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  });
  child.ask = (msg) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ ...msg, id });
    });
  child.done = new Promise((resolve) => child.on('exit', resolve));
  return child;
}

/**
 * Moves a running child, all its threads (V8 and libuv workers too), to `core`: run.mjs starts the
 * servers on the load generator's core (while the micro-benchmark has the other one to itself) and
 * moves them to the server core once they are up. `taskset -c` only pins the main thread's future
 * children; `-a -p` moves every thread that already exists.
 */
export function pin(child, core) {
  if (!TASKSET) return;
  spawnSync(TASKSET, ['-a', '-p', '-c', String(core), String(child.pid)], { stdio: 'ignore' });
}

/** Asks a child to exit and waits for it (so a --cpu-prof profile is written). */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.send({ type: 'exit' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await child.done;
  clearTimeout(timer);
}

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const fmt = {
  int: (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'),
  fixed: (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a'),
  ratio: (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a'),
  pct: (n) => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)}%` : 'n/a'),
};
