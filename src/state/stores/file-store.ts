import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger, StateStore, StoredState } from '../../types.js';
import { StateStoreError } from '../../errors.js';
import { MAX_STATE_BYTES, parseStoredState } from '../stored-state.js';
import { errnoCode, syncDirectory } from '../../shared/fs.js';
import { guardSubscriber } from './subscription-guard.js';

/** Under a second between a write and a running app seeing it, with room for the read itself. */
const DEFAULT_INTERVAL = 250;
/** Readable by the app even when the CLI ran under a strict umask (or sudo); the file holds no secrets. */
const FILE_MODE = 0o644;
/** Delay before the one re-read of unparsable content: outlasts an in-place writer's truncate-then-write. */
const RETRY_DELAY = 50;
/**
 * A file modified this recently may change again within the same timestamp tick (coarse kernel clocks,
 * 1-2 s on FAT/HFS+), leaving its stat signature unchanged; such a file is re-read on every tick until
 * its mtime is older than this (git's "racily clean" problem).
 */
const RACY_WINDOW = 2000;
/** Platforms that cannot open or fsync a directory; the rename is done, durability is best effort. */
/** Never block on a FIFO at the path; `undefined` on Windows, where it is not needed. */
const O_NONBLOCK: number = (constants as Partial<typeof constants>).O_NONBLOCK ?? 0;

type ReadResult =
  | { kind: 'state'; state: StoredState }
  | { kind: 'missing' }
  /** `text` is set when the file was read but is not a state; I/O failures have none. */
  | { kind: 'bad'; error: StateStoreError; text?: string };

export interface FileStoreOptions {
  /** Milliseconds between two `stat` polls of a subscription. Default 250. */
  interval?: number;
  /** Where a subscriber callback that throws is logged (once per subscription). Default: `console`. */
  logger?: Pick<Logger, 'error'>;
}

/**
 * A state store kept in a JSON file: the CLI writes it, running apps poll it.
 *
 * - `get()` reads the file: `null` when it does not exist, a `StateStoreError` naming the path when it
 *   is not a valid state or cannot be read.
 * - `set()` replaces it atomically (temp file, fsync, rename, fsync of the directory).
 * - `subscribe()` polls `stat` (not `fs.watch`, which follows the inode and goes silent after the
 *   rename-replace that `set` and editors do) and reads the file whenever it may have changed:
 *   `onChange` gets what each read found (the current state first; repeats are possible, and the
 *   caller skips them), `onError` each failed read.
 * - `close()` stops every poller; `get` and `set` hold nothing open and keep working.
 */
export function fileStore(path: string, options: FileStoreOptions = {}): StateStore & { readonly path: string } {
  if (typeof path !== 'string' || path === '') throw new TypeError('Intermission: fileStore() needs a file path');
  const interval = options.interval ?? DEFAULT_INTERVAL;
  if (!(Number.isFinite(interval) && interval >= 1 && interval <= 2_147_483_647)) {
    throw new RangeError(`Intermission: fileStore() interval must be a number of milliseconds >= 1, got ${String(interval)}`);
  }
  if (options.logger !== undefined && typeof (options.logger as Partial<Logger> | null)?.error !== 'function') {
    throw new TypeError('Intermission: fileStore() logger must have an error() method, like console');
  }
  // Absolute now, so a later process.chdir() does not move the file under a running app.
  const file = resolve(path);
  const stops = new Set<() => Promise<void>>();
  let closed = false;

  return {
    path: file,

    async get() {
      const result = await readState(file);
      if (result.kind === 'bad') throw result.error;
      return result.kind === 'state' ? result.state : null;
    },

    async set(state) {
      await writeState(file, state);
    },

    subscribe(onChange, onError) {
      if (closed) throw new StateStoreError('ERR_INTERMISSION_STATE_UNAVAILABLE', `Intermission: the file store for ${file} is closed`);
      let stopped = false;
      // A function, not the flag: it changes across every await below.
      const isStopped = (): boolean => stopped;
      let timer: NodeJS.Timeout | undefined;
      let running: Promise<void> | undefined;
      let lastSignature: string | undefined;
      let racy = false;
      const subscriber = guardSubscriber(onChange, onError, options.logger);

      const check = async (): Promise<void> => {
        const seen = await statSignature(file);
        if (isStopped()) return;
        if (seen.signature === lastSignature && !racy) return;
        lastSignature = seen.signature;
        racy = seen.racy;
        const result = await readState(file);
        if (isStopped()) return;
        if (result.kind === 'bad') subscriber.onError(result.error);
        else subscriber.onChange(result.kind === 'state' ? result.state : null);
      };

      // Chained timeouts rather than setInterval: a slow disk never gets two reads in flight.
      const tick = (): void => {
        running = check()
          .catch((error: unknown) => {
            if (!isStopped()) subscriber.onError(error);
          })
          .finally(() => {
            running = undefined;
            if (!stopped) timer = setTimeout(tick, interval).unref();
          });
      };

      const stop = async (): Promise<void> => {
        stopped = true;
        if (timer) clearTimeout(timer);
        stops.delete(stop);
        // Let an in-flight read finish (without callbacks) so close() leaves no fs request behind.
        await running;
      };
      stops.add(stop);
      // The first check delivers the current state: a change between the caller's get() and this
      // subscription is not lost.
      tick();
      return () => {
        void stop();
      };
    },

    async close() {
      closed = true;
      await Promise.all([...stops].map((stop) => stop()));
    },
  };
}

async function statSignature(file: string): Promise<{ signature: string; racy: boolean }> {
  try {
    const info = await stat(file, { bigint: true });
    const mtimeMs = Number(info.mtimeNs / 1_000_000n);
    return {
      // ino catches a rename-replace, ctime a chmod or an mtime set back by hand.
      signature: `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`,
      racy: Math.abs(Date.now() - mtimeMs) < RACY_WINDOW,
    };
  } catch (error) {
    return { signature: `error:${errnoCode(error) ?? String(error)}`, racy: false };
  }
}

/**
 * Reads the file once more after a short delay when its content does not parse. Files written by
 * `set` never need it: rename(2) is atomic, so a reader opens either the old inode or the new one,
 * complete and fsynced. Hand edits and plain `writeFile` truncate then write in place, and a read
 * between the two would otherwise be reported as a corrupt state.
 */
async function readState(file: string): Promise<ReadResult> {
  const first = await readOnce(file);
  if (first.kind !== 'bad' || first.text === undefined) return first;
  await sleep(RETRY_DELAY);
  return readOnce(file);
}

async function readOnce(file: string): Promise<ReadResult> {
  const where = `Intermission: state file ${file}`;
  let handle: FileHandle | undefined;
  let text: string;
  try {
    handle = await open(file, constants.O_RDONLY | O_NONBLOCK);
    // fstat of the opened file, not stat of the path: the size checked is the size read.
    const info = await handle.stat();
    if (!info.isFile()) {
      const kind = info.isDirectory() ? 'a directory' : 'not a regular file';
      return bad('ERR_INTERMISSION_STATE_UNAVAILABLE', `${where} is ${kind}; expected a JSON file`);
    }
    if (info.size > MAX_STATE_BYTES)
      return bad('ERR_INTERMISSION_STATE_INVALID', `${where} is over ${MAX_STATE_BYTES} bytes (${info.size})`);
    // One byte past the cap: a file growing after the fstat is still caught.
    const buffer = Buffer.allocUnsafe(MAX_STATE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_STATE_BYTES) return bad('ERR_INTERMISSION_STATE_INVALID', `${where} is over ${MAX_STATE_BYTES} bytes`);
    // A BOM from a Windows editor is not content.
    text = buffer.toString('utf8', 0, length).replace(/^\uFEFF/, '');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { kind: 'missing' };
    return bad('ERR_INTERMISSION_STATE_UNAVAILABLE', `Intermission: cannot read state file ${file} (${messageOf(error)})`, error);
  } finally {
    await handle?.close().catch(() => {});
  }
  try {
    return { kind: 'state', state: parseStoredState(text, where) };
  } catch (error) {
    if (error instanceof StateStoreError) return { kind: 'bad', error, text };
    throw error;
  }
}

function bad(code: StateStoreError['code'], message: string, cause?: unknown): ReadResult {
  return { kind: 'bad', error: new StateStoreError(code, message, cause === undefined ? undefined : { cause }) };
}

async function writeState(file: string, state: StoredState): Promise<void> {
  const text = serialize(state, file);
  const dir = dirname(file);
  // Same directory (rename cannot cross file systems), unique per process and call; the base is
  // shortened so the temp name stays under NAME_MAX.
  const temp = join(dir, `.${basename(file).slice(0, 100)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    await mkdir(dir, { recursive: true });
    handle = await open(temp, 'wx', FILE_MODE);
    await handle.writeFile(text, 'utf8');
    await handle.chmod(FILE_MODE); // open()'s mode is filtered by the umask
    // Data on disk before the rename publishes it: after a crash the path holds the old or the new state, never an empty file.
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, file);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temp, { force: true }).catch(() => {});
    throw new StateStoreError('ERR_INTERMISSION_STATE_UNAVAILABLE', `Intermission: cannot write state file ${file} (${messageOf(error)})`, {
      cause: error,
    });
  }
  // Persist the rename itself (the directory entry), so the new state survives a power loss.
  await syncDirectory(dir).catch((error: unknown) => {
    throw new StateStoreError(
      'ERR_INTERMISSION_STATE_UNAVAILABLE',
      `Intermission: wrote state file ${file} but could not sync its directory (${messageOf(error)})`,
      {
        cause: error,
      },
    );
  });
}

/** The exact text to write, validated as `get()` will read it: an invalid state never reaches the disk. */
function serialize(state: StoredState, file: string): string {
  let json: unknown;
  try {
    json = JSON.stringify(state, null, 2);
  } catch (error) {
    throw new StateStoreError(
      'ERR_INTERMISSION_STATE_INVALID',
      `Intermission: the state to write to ${file} is not JSON (${messageOf(error)})`,
      { cause: error },
    );
  }
  // `undefined` for `undefined` or a function from a JavaScript caller, whatever the types say.
  if (typeof json !== 'string')
    throw new StateStoreError('ERR_INTERMISSION_STATE_INVALID', `Intermission: the state to write to ${file} is not JSON`);
  const text = `${json}\n`;
  // parseStoredState caps characters; the reader caps bytes.
  if (Buffer.byteLength(text) > MAX_STATE_BYTES) {
    throw new StateStoreError(
      'ERR_INTERMISSION_STATE_INVALID',
      `Intermission: the state to write to ${file} is over ${MAX_STATE_BYTES} bytes`,
    );
  }
  parseStoredState(text, `Intermission: the state to write to ${file}`);
  return text;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
