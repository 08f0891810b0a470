/**
 * A lock shared by every process that writes one subscriber file: a lock file created with O_EXCL
 * (atomic on local file systems), kept fresh by its holder, broken when its holder is gone.
 *
 * Why not append without a lock: O_APPEND keeps concurrent lines whole, but `compact()` reads the file,
 * writes a new one and renames it over the old; an append landing in between would go to the old inode
 * and be lost. Every write, and the compaction, therefore holds this lock. It also makes `add` tell
 * `added` from `exists` exactly, across processes.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SubscriberStoreError, type SubscriberStoreWarningHandler } from '../subscriber.js';
import { errnoCode, unavailable, UNAVAILABLE } from './common.js';

export interface FileLockOptions {
  /** How long to wait for the lock before failing with `…_UNAVAILABLE` (ms). */
  timeout: number;
  /** A lock whose file was not touched for this long is abandoned and broken (ms). Its holder touches it every third of this. */
  staleAfter: number;
  onWarning: SubscriberStoreWarningHandler;
}

interface Owner {
  pid?: unknown;
  host?: unknown;
  since?: unknown;
}

const HOST = hostname();

/** Runs `body` while holding the lock at `lockPath`; releases it however `body` ends. */
export async function withFileLock<T>(lockPath: string, options: FileLockOptions, body: () => Promise<T>): Promise<T> {
  const release = await acquire(lockPath, options);
  try {
    return await body();
  } finally {
    await release();
  }
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<() => Promise<void>> {
  const deadline = Date.now() + options.timeout;
  let delay = 2;
  for (;;) {
    const held = await tryCreate(lockPath, options.staleAfter / 3);
    if (held) return held;
    if (await breakIfStale(lockPath, options)) continue;
    if (Date.now() >= deadline) throw await timedOut(lockPath, options.timeout);
    // Jittered backoff: two waiting processes do not retry in lockstep. Waiters are not served in
    // order (one backed off to 50 ms loses races to newer ones), so a busy file can keep a writer
    // waiting; never past `timeout`, after which it fails with UNAVAILABLE rather than hang.
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** File systems without hard links (FAT, some FUSE mounts): the lock is then created empty, then filled. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * The release function when the lock file was created, `undefined` when another holder has it.
 *
 * The owner is written to a private file first, then hard-linked to the lock path (link(2) fails when
 * the path exists, like O_EXCL): the lock never exists without its owner, so a holder killed at any
 * moment leaves a lock whose dead process can be recognised at once.
 */
async function tryCreate(lockPath: string, heartbeatEvery: number): Promise<(() => Promise<void>) | undefined> {
  const owner = JSON.stringify({ pid: process.pid, host: HOST, since: new Date().toISOString() });
  const draft = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  let handle: FileHandle;
  try {
    handle = await open(draft, 'wx', 0o644).catch(async (error: unknown) => {
      if (errnoCode(error) !== 'ENOENT') throw error;
      // First use of a data directory that does not exist yet.
      await mkdir(dirname(lockPath), { recursive: true });
      return open(draft, 'wx', 0o644);
    });
  } catch (error) {
    throw unavailable(`Intermission: cannot lock the subscriber file (${lockPath})`, error);
  }
  // On a full disk the owner stays empty and the lock holds anyway: its age alone then tells if it is stale.
  await handle.writeFile(owner).catch(() => {});
  try {
    await link(draft, lockPath).catch(async (error: unknown) => {
      if (!NO_LINKS.has(errnoCode(error) ?? '')) throw error;
      await handle.close().catch(() => {});
      handle = await open(lockPath, 'wx', 0o644);
      await handle.writeFile(owner).catch(() => {});
    });
  } catch (error) {
    await handle.close().catch(() => {});
    if (errnoCode(error) === 'EEXIST') return undefined;
    throw unavailable(`Intermission: cannot lock the subscriber file (${lockPath})`, error);
  } finally {
    await unlink(draft).catch(() => {});
  }
  const { ino, dev } = await handle.stat();
  const heartbeat = setInterval(() => {
    const now = new Date();
    handle.utimes(now, now).catch(() => {});
  }, heartbeatEvery).unref();

  return async () => {
    clearInterval(heartbeat);
    await handle.close().catch(() => {});
    // Only our own lock file: after a stall long enough to be judged stale, the path may hold another's.
    const current = await stat(lockPath).catch(() => undefined);
    if (current?.ino === ino && current.dev === dev) await unlink(lockPath).catch(() => {});
  };
}

/**
 * Removes the lock when its holder is gone: a process of this host that no longer runs, or a lock not
 * touched for `staleAfter`. One breaker at a time (a `.break` directory), and only the very lock judged
 * stale (same inode and mtime), so two waiters cannot both break it and then both hold a new one.
 */
async function breakIfStale(lockPath: string, options: FileLockOptions): Promise<boolean> {
  const seen = await stat(lockPath).catch(() => undefined);
  if (!seen) return true; // released meanwhile: try again at once
  const owner = await readOwner(lockPath);
  const age = Date.now() - seen.mtimeMs;
  const dead = owner?.host === HOST && typeof owner.pid === 'number' && owner.pid !== process.pid && !isRunning(owner.pid);
  if (!dead && age <= options.staleAfter) return false;

  const breaker = `${lockPath}.break`;
  try {
    await mkdir(breaker);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') return false;
    // A breaker that died mid-break leaves its directory: clear it once it is clearly old.
    const info = await stat(breaker).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > options.staleAfter) await rm(breaker, { recursive: true, force: true }).catch(() => {});
    return false;
  }
  try {
    const again = await stat(lockPath).catch(() => undefined);
    if (!again) return true;
    if (again.ino !== seen.ino || again.mtimeMs !== seen.mtimeMs) return false;
    await unlink(lockPath);
    const who = describeOwner(owner);
    options.onWarning(
      new SubscriberStoreError(
        UNAVAILABLE,
        `Intermission: broke a stale lock on the subscriber file (${lockPath}) held by ${who}, ${dead ? 'which no longer runs' : `untouched for ${Math.round(age)} ms`}`,
      ),
    );
    return true;
  } catch {
    return false;
  } finally {
    await rm(breaker, { recursive: true, force: true }).catch(() => {});
  }
}

async function timedOut(lockPath: string, timeout: number): Promise<SubscriberStoreError> {
  const who = describeOwner(await readOwner(lockPath));
  return new SubscriberStoreError(
    UNAVAILABLE,
    `Intermission: the subscriber file is locked by ${who} and was not released within ${timeout} ms; ` +
      `if no process using it is running, delete ${lockPath}`,
  );
}

async function readOwner(lockPath: string): Promise<Owner | undefined> {
  try {
    const value = JSON.parse(await readFile(lockPath, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function describeOwner(owner: Owner | undefined): string {
  if (!owner || typeof owner.pid !== 'number') return 'another process';
  const since = typeof owner.since === 'string' ? ` since ${owner.since}` : '';
  return `process ${owner.pid} on ${typeof owner.host === 'string' ? owner.host : 'an unknown host'}${since}`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return errnoCode(error) === 'EPERM';
  }
}
