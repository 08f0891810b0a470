import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import {
  SubscriberStoreError,
  type AddResult,
  type CompactResult,
  type Subscriber,
  type SubscriberStore,
  type SubscriberStoreWarningHandler,
} from '../subscriber.js';
import { checkLaunchId, INVALID, warnToConsole } from './common.js';
import { appendDurably, createExclusively, replaceDurably } from './file-io.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';
import { LogIndex } from './log-index.js';
import { checkEmail, checkSubscriber, encodeAdd, encodeRemove, type LogEvent } from './record.js';
import { serialQueue } from './serial-queue.js';

export interface FileSubscriberStoreOptions {
  /** The JSON-lines file holding the list (created on the first `add`, with its directory). Required. */
  path: string;
  /** How long a write waits for another process's lock before failing as unavailable (ms). Default 5000. */
  lockTimeout?: number;
  /** A lock untouched this long is taken as abandoned by a crashed process and broken (ms). Default 10000, minimum 1000. */
  staleLockAfter?: number;
  /** Receives corrupt lines skipped (once each) and stale locks broken. Default: one line on `console.warn`. */
  onWarning?: SubscriberStoreWarningHandler;
}

/** What `fileSubscriberStore` returns: every `SubscriberStore` method, async, plus where the list lives. */
export interface FileSubscriberStore extends SubscriberStore {
  /** The list's absolute path. */
  readonly path: string;
  add(subscriber: Subscriber): Promise<AddResult>;
  remove(email: string): Promise<boolean>;
  count(): Promise<number>;
  list(): AsyncIterable<Subscriber>;
  /** Exclusive creation of `<path>.launch-<hash of id>`: the first process to create it wins. */
  claimLaunch(launchId: string): Promise<boolean>;
  compact(): Promise<CompactResult>;
  /** Waits for the calls in flight. The store holds nothing open between calls and keeps working. */
  close(): Promise<void>;
}

/**
 * The embedded subscriber store: an append-only JSON-lines file, one `add` or `remove` event per line,
 * fsynced before a call resolves. Needs no server.
 *
 * - Duplicates and removals are resolved on read: the first `add` of an address wins; a `remove` drops
 *   the adds before it. `compact()` rewrites the file with what is left, erasing removed addresses.
 * - Several processes may share the file: each write holds a lock file (`<path>.lock`) that a crashed
 *   holder cannot keep forever, and goes out as one O_APPEND write.
 * - A line torn by a crash, or otherwise unreadable, is skipped and reported once to `onWarning`.
 * - A failed write (full disk, permissions) is undone and throws `…_UNAVAILABLE`.
 * - Local file systems only: O_APPEND and O_EXCL are not atomic over NFS.
 */
export function fileSubscriberStore(options: FileSubscriberStoreOptions): FileSubscriberStore {
  const { path, lock } = checkOptions(options);
  const onWarning = lock.onWarning;
  const index = new LogIndex(path, (offset, reason) => {
    onWarning(
      new SubscriberStoreError(
        INVALID,
        `Intermission: skipped line at byte ${offset} of the subscriber file ${path} (${reason}); compact the list to drop it`,
      ),
    );
  });
  // One call at a time in this process: the index is read and updated in order. Other processes are kept
  // out by the file lock, which only writes take.
  const serial = serialQueue();
  const locked = <T>(body: () => Promise<T>): Promise<T> => serial(() => withFileLock(`${path}.lock`, lock, body));

  const append = async (event: LogEvent): Promise<void> => {
    const line = event.op === 'add' ? encodeAdd(event.subscriber) : encodeRemove(event.email);
    // After a torn line, start on a fresh one so that ours is not glued to the garbage.
    const bytes = Buffer.from(index.openTail ? `\n${line}` : line, 'utf8');
    const start = await appendDurably(path, bytes);
    if (!index.appended(start, bytes.length, event)) await index.refresh();
  };

  return {
    path,

    async add(subscriber) {
      const checked = checkSubscriber(subscriber);
      return locked(async () => {
        await index.refresh();
        if (index.subscribers.has(checked.email)) return 'exists';
        await append({ op: 'add', subscriber: checked });
        return 'added';
      });
    },

    async remove(email) {
      const address = checkEmail(email);
      return locked(async () => {
        await index.refresh();
        if (!index.subscribers.has(address)) return false;
        await append({ op: 'remove', email: address });
        return true;
      });
    },

    count() {
      return serial(async () => {
        await index.refresh();
        return index.subscribers.size;
      });
    },

    async *list() {
      // A snapshot: the caller may take its time (send emails) without holding anything.
      const snapshot = await serial(async () => {
        await index.refresh();
        return [...index.subscribers.values()];
      });
      for (const subscriber of snapshot) yield { ...subscriber };
    },

    async claimLaunch(launchId) {
      const id = checkLaunchId(launchId);
      // Hashed: any id (an ISO date with colons, a release name) makes a safe, short file name.
      const marker = `${path}.launch-${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
      return locked(() =>
        createExclusively(marker, `${JSON.stringify({ launchId: id, claimedAt: new Date().toISOString(), pid: process.pid })}\n`),
      );
    },

    compact() {
      return locked(async () => {
        // From scratch, not from the index: the count of dropped lines covers the whole file.
        const fresh = new LogIndex(path, () => {});
        await fresh.refresh();
        const lines = fresh.lines + (fresh.openTail ? 1 : 0);
        const kept = [...fresh.subscribers.values()];
        // Nothing to drop: leave the file (and its inode, which other processes' indexes follow) alone.
        if (lines === kept.length) return { subscribers: kept.length, droppedLines: 0 };
        await replaceDurably(path, kept.map(encodeAdd).join(''));
        await index.refresh(); // a new inode: the index starts over from the compacted file
        return { subscribers: kept.length, droppedLines: lines - kept.length };
      });
    },

    async close() {
      await serial(() => Promise.resolve());
    },
  };
}

function checkOptions(options: FileSubscriberStoreOptions): { path: string; lock: FileLockOptions } {
  if (typeof options !== 'object' || (options as FileSubscriberStoreOptions | null) === null) {
    throw new TypeError('fileSubscriberStore() needs an options object: { path: "data/subscribers.jsonl" }');
  }
  const { path } = options;
  if (typeof path !== 'string' || path === '')
    throw new TypeError('fileSubscriberStore(): `path` must be the path of the subscriber file, e.g. "data/subscribers.jsonl"');
  const ms = (name: 'lockTimeout' | 'staleLockAfter', fallback: number, min: number): number => {
    const value = options[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > 2_147_483_647) {
      throw new TypeError(`fileSubscriberStore(): \`${name}\` must be a number of milliseconds, at least ${min}; got ${String(value)}`);
    }
    return value;
  };
  const onWarning = options.onWarning ?? warnToConsole;
  if (typeof onWarning !== 'function') throw new TypeError('fileSubscriberStore(): `onWarning` must be a function');
  return {
    // Absolute now, so a later process.chdir() does not move the list under a running app.
    path: resolve(path),
    lock: { timeout: ms('lockTimeout', 5000, 0), staleAfter: ms('staleLockAfter', 10_000, 1000), onWarning },
  };
}
