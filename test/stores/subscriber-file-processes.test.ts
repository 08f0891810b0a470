// The file store shared by several processes: real child processes appending, compacting, claiming,
// crashing; and the lock that keeps them from losing each other's lines.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SubscriberStoreError } from '../../src/signup/subscriber.js';
import type { Subscriber } from '../../src/signup/subscriber.js';
import { fileSubscriberStore } from '../../src/signup/stores/file-subscriber-store.js';
import { withFileLock } from '../../src/signup/stores/file-lock.js';

const STORE_SOURCE = fileURLToPath(new URL('../../src/signup/stores/file-subscriber-store.ts', import.meta.url));

/**
 * A child process: `add PREFIX N` adds N addresses (printing `ok EMAIL` as each resolves, then a JSON
 * summary), `claim ID` prints the claim's result. Given a start line (see startLine()), a child marks
 * itself ready and waits for the go, so all of them begin at once however slowly each one started.
 * Given a pace file, `add` goes on past its (40·k)th address only once that file holds k or more, so
 * the test's own work (compactions) keeps step with the children on a machine of any speed.
 */
const WORKER = `
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileSubscriberStore } from './store.mjs';
const [path, command, arg, count, line, pace] = process.argv.slice(2);
const paced = (k) => { try { return Number(readFileSync(pace, 'utf8')) >= k; } catch { return false; } };
const store = fileSubscriberStore({ path, onWarning: (w) => console.log('warning ' + w.message) });
if (line !== '-') {
  writeFileSync(line + '.ready.' + process.pid, '');
  while (!existsSync(line + '.go')) await new Promise((done) => setTimeout(done, 2));
}
if (command === 'claim') {
  console.log(JSON.stringify({ claimed: await store.claimLaunch(arg) }));
} else {
  let added = 0;
  for (let i = 0; i < Number(count); i++) {
    const email = arg + i + '@example.com';
    if (pace && i > 0 && i % 40 === 0) while (!paced(i / 40)) await new Promise((done) => setTimeout(done, 2));
    try {
      if ((await store.add({ email, subscribedAt: new Date().toISOString(), consent: true })) === 'added') added++;
      console.log('ok ' + email);
    } catch (error) {
      console.log('error ' + error.code + ' ' + error.message);
      process.exitCode = 1;
      break;
    }
  }
  console.log(JSON.stringify({ added }));
}
`;

let workDir: string;
let worker: string;
const dirs: string[] = [];

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'intermission-subscriber-worker-'));
  buildSync({
    entryPoints: [STORE_SOURCE],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(workDir, 'store.mjs'),
    logLevel: 'silent',
  });
  worker = join(workDir, 'worker.mjs');
  writeFileSync(worker, WORKER);
  // Readable by the unprivileged user of the permission test.
  chmodSync(workDir, 0o755);
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function listPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'intermission-subscribers-'));
  dirs.push(dir);
  return join(dir, 'subscribers.jsonl');
}

interface Run {
  code: number | null;
  stdout: string;
  summary: { added?: number; claimed?: boolean };
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [worker, ...args], { timeout: 60_000 }, (error, stdout) => {
      const last = stdout.trim().split('\n').pop() ?? '{}';
      let summary: Run['summary'] = {};
      try {
        summary = JSON.parse(last) as Run['summary'];
      } catch {
        // left empty: the assertion on it will say so
      }
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, summary });
    });
  });
}

/**
 * A start line for `children` worker processes: `path` goes on their command line, `go()` waits until
 * all of them are ready (on a loaded machine one may take seconds to start) and then starts them.
 */
function startLine(children: number): { path: string; go: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'intermission-start-'));
  dirs.push(dir);
  const path = join(dir, 'start');
  return {
    path,
    async go() {
      const deadline = Date.now() + 30_000;
      while (readdirSync(dir).filter((name) => name.startsWith('start.ready.')).length < children) {
        if (Date.now() > deadline) throw new Error(`only some of the ${children} workers got ready within 30 s`);
        await new Promise((done) => setTimeout(done, 5));
      }
      writeFileSync(`${path}.go`, '');
    },
  };
}

async function emails(path: string): Promise<string[]> {
  const result: string[] = [];
  for await (const entry of fileSubscriberStore({ path, onWarning: () => {} }).list()) result.push(entry.email);
  return result;
}

function subscriber(email: string): Subscriber {
  return { email, subscribedAt: new Date().toISOString(), consent: true };
}

describe('fileSubscriberStore across processes', () => {
  it('loses no address when two processes and this one append at once', async () => {
    const path = listPath();
    const start = startLine(2);
    const store = fileSubscriberStore({ path });
    const children = Promise.all([run([path, 'add', 'a', '250', start.path]), run([path, 'add', 'b', '250', start.path])]);
    await start.go();
    for (let i = 0; i < 100; i++) await store.add(subscriber(`local${i}@example.com`));
    const [a, b] = await children;
    expect([a.code, b.code]).toEqual([0, 0]);
    expect([a.summary.added, b.summary.added]).toEqual([250, 250]);
    expect(await store.count()).toBe(600);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(600);
    for (const text of lines) expect(() => JSON.parse(text) as unknown).not.toThrow();
    // Interleaved, not one writer after the other: the lock was contended. Three writers one after the
    // other make three blocks (two changes of owner). Waiters are not served in order, so which of them
    // took turns varies from run to run.
    const owners = lines.map((text) => (JSON.parse(text) as { email: string }).email[0]);
    const changes = owners.filter((owner, i) => i > 0 && owner !== owners[i - 1]).length;
    expect(changes).toBeGreaterThan(2);
  });

  it('answers "added" once per address when two processes add the same addresses', async () => {
    const path = listPath();
    const start = startLine(2);
    const children = Promise.all([run([path, 'add', 'same', '150', start.path]), run([path, 'add', 'same', '150', start.path])]);
    await start.go();
    const [a, b] = await children;
    expect((a.summary.added ?? 0) + (b.summary.added ?? 0)).toBe(150);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(150);
  });

  it('loses no append made while this process compacts again and again', async () => {
    const path = listPath();
    const store = fileSubscriberStore({ path });
    for (let i = 0; i < 50; i++) await store.add(subscriber(`old${i}@example.com`));
    for (let i = 0; i < 50; i += 2) await store.remove(`old${i}@example.com`);
    const start = startLine(2);
    // Paced: a child's (40·k)th append waits for the k-th compaction, so four or more run among them.
    const pace = `${start.path}.pace`;
    const children = Promise.all([run([path, 'add', 'a', '200', start.path, pace]), run([path, 'add', 'b', '200', start.path, pace])]);
    await start.go();
    let done = false;
    void children.finally(() => (done = true));
    let compactions = 0;
    let dropped = 0;
    while (!done) {
      dropped += (await store.compact()).droppedLines;
      compactions += 1;
      writeFileSync(pace, String(compactions));
      await store.remove(`a${compactions}@example.com`).catch(() => false); // more to drop next time
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const [a, b] = await children;
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(compactions).toBeGreaterThan(3);
    expect(dropped).toBeGreaterThan(25);
    // Every address a child saw resolve is there, but those this process removed meanwhile.
    const resolved = [...a.stdout.matchAll(/^ok (\S+)$/gm), ...b.stdout.matchAll(/^ok (\S+)$/gm)].map((match) => match[1]);
    expect(resolved).toHaveLength(400);
    const listed = new Set(await emails(path));
    const removed = resolved.filter((email) => !listed.has(email!));
    expect(removed.every((email) => /^a\d+@/.test(email!))).toBe(true);
    expect(listed.size).toBe(25 + 400 - removed.length);
    await store.compact();
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(listed.size);
  });

  it('gives the launch to exactly one of several processes', async () => {
    const path = listPath();
    const start = startLine(4);
    const claims = Promise.all(Array.from({ length: 4 }, () => run([path, 'claim', '2030-06-01T09:00:00Z', '0', start.path])));
    await start.go();
    const runs = await claims;
    expect(runs.map((entry) => entry.summary.claimed).filter(Boolean)).toHaveLength(1);
    expect(runs.map((entry) => entry.summary.claimed).filter((claimed) => claimed === false)).toHaveLength(3);
  });

  it('keeps every address that resolved before a writer was killed, and breaks the lock it left', async () => {
    const path = listPath();
    const child = spawn(process.execPath, [worker, path, 'add', 'k', '100000', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    while ((stdout.match(/^ok /gm) ?? []).length < 50) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill('SIGKILL');
    await exited;
    const resolved = [...stdout.matchAll(/^ok (\S+)$/gm)].map((match) => match[1]);

    const warnings: SubscriberStoreError[] = [];
    const store = fileSubscriberStore({ path, onWarning: (warning) => warnings.push(warning), lockTimeout: 3000 });
    const started = Date.now();
    expect(await store.add(subscriber('after@example.com'))).toBe('added');
    expect(Date.now() - started).toBeLessThan(2500);
    const listed = new Set(await emails(path));
    for (const email of resolved) expect(listed.has(email!)).toBe(true);
    // A lock was left only when the kill came while it was held; then it was broken, and said so.
    expect(warnings.every((warning) => /stale lock|skipped line/.test(warning.message))).toBe(true);
  });
});

describe('the subscriber file lock', () => {
  const lockOf = (path: string): string => `${path}.lock`;
  const deadPid = (): number => {
    const child = spawnSync(process.execPath, ['-e', '']);
    return child.pid;
  };

  it('breaks a lock left by a process of this host that no longer runs, and warns', async () => {
    const path = listPath();
    writeFileSync(lockOf(path), JSON.stringify({ pid: deadPid(), host: hostname(), since: '2030-01-01T00:00:00Z' }));
    const warnings: SubscriberStoreError[] = [];
    const store = fileSubscriberStore({ path, onWarning: (warning) => warnings.push(warning) });
    expect(await store.add(subscriber('a@example.com'))).toBe('added');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/broke a stale lock .* held by process \d+ .* which no longer runs/);
  });

  it('breaks a lock from another host once it is older than staleLockAfter', async () => {
    const path = listPath();
    writeFileSync(lockOf(path), JSON.stringify({ pid: 1, host: 'elsewhere', since: '2030-01-01T00:00:00Z' }));
    const old = new Date(Date.now() - 5000);
    utimesSync(lockOf(path), old, old);
    const warnings: SubscriberStoreError[] = [];
    const store = fileSubscriberStore({ path, staleLockAfter: 2000, onWarning: (warning) => warnings.push(warning) });
    expect(await store.add(subscriber('a@example.com'))).toBe('added');
    expect(warnings[0]?.message).toMatch(/untouched for \d+ ms/);
  });

  it('waits for a live lock, then fails as unavailable naming the holder and the lock file, writing nothing', async () => {
    const path = listPath();
    // Held by this very process (alive), freshly touched, from another host: nothing says it is stale.
    writeFileSync(lockOf(path), JSON.stringify({ pid: process.pid, host: 'elsewhere', since: '2030-01-01T00:00:00Z' }));
    const store = fileSubscriberStore({ path, lockTimeout: 300, onWarning: () => {} });
    const started = Date.now();
    const error = await store.add(subscriber('a@example.com')).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(error).toBeInstanceOf(SubscriberStoreError);
    expect((error as SubscriberStoreError).code).toBe('ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE');
    expect((error as SubscriberStoreError).message).toContain(`locked by process ${process.pid} on elsewhere`);
    expect((error as SubscriberStoreError).message).toContain(lockOf(path));
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });

  it('stays held past staleLockAfter while its holder works: the holder keeps it fresh', async () => {
    const path = listPath();
    const options = { timeout: 10_000, staleAfter: 1000, onWarning: () => {} };
    const order: string[] = [];
    const holder = withFileLock(lockOf(path), options, async () => {
      order.push('holder in');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      order.push('holder out');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waiter = withFileLock(lockOf(path), options, () => {
      order.push('waiter in');
      return Promise.resolve();
    });
    await Promise.all([holder, waiter]);
    expect(order).toEqual(['holder in', 'holder out', 'waiter in']);
  });
});
