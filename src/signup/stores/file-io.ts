/**
 * The file store's three writes, each all-or-nothing: append one line (undone on failure), replace the
 * whole file (temp, fsync, rename), create a marker file exclusively. Callers hold the file lock.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, chown, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDirectory } from '../../shared/fs.js';
import { errnoCode, unavailable } from './common.js';

/** Subscriber addresses are personal data: readable by the owner only. */
export const FILE_MODE = 0o600;
/** Platforms that cannot open or fsync a directory; durability of the entry is then best effort. */

/**
 * Appends `bytes` with one write(2) on an O_APPEND descriptor, then fsyncs. On any failure (ENOSPC,
 * EACCES, EIO, a short write) the file is truncated back to its size before the write and the error is
 * thrown as `…_UNAVAILABLE`: the file is exactly as it was. Returns the file's size before the write.
 */
export async function appendDurably(file: string, bytes: Buffer): Promise<number> {
  let handle: FileHandle | undefined;
  let before: number | undefined;
  try {
    handle = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, FILE_MODE);
    before = (await handle.stat()).size;
    const { bytesWritten } = await handle.write(bytes, 0, bytes.length, null);
    // A short write to a regular file means the disk filled up part way: the rest will not fit either.
    if (bytesWritten !== bytes.length)
      throw Object.assign(new Error(`short write (${bytesWritten} of ${bytes.length} bytes)`), { code: 'ENOSPC' });
    await handle.sync();
    // The first line may also have created the file: make its directory entry durable too.
    if (before === 0) await syncDirectory(dirname(file));
    return before;
  } catch (error) {
    if (handle && before !== undefined) {
      // Undo whatever part of the line reached the file; the reader would skip it as torn, but a
      // failed add must leave no trace at all.
      await handle.truncate(before).catch(() => {});
      await handle.sync().catch(() => {});
    }
    throw unavailable(`Intermission: cannot write to the subscriber file ${file}`, error);
  } finally {
    await handle?.close().catch(() => {});
  }
}

/**
 * Replaces `file` with `text`: a temp file in the same directory, fsynced, given the old file's mode and
 * owner (a compaction run by root must not lock the app out), renamed over, then the directory fsynced.
 * On failure the temp file is removed and `file` is untouched.
 */
export async function replaceDurably(file: string, text: string): Promise<{ ino: number; dev: number; size: number }> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file).slice(0, 100)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    const old = await stat(file).catch(() => undefined);
    handle = await open(temp, 'wx', FILE_MODE);
    await handle.writeFile(text, 'utf8');
    if (old) {
      await chmod(temp, old.mode & 0o777);
      // Works for root and for the owner itself; anyone else keeps their own ownership (EPERM).
      await chown(temp, old.uid, old.gid).catch(() => {});
    }
    await handle.sync();
    const info = await handle.stat();
    await handle.close();
    handle = undefined;
    await rename(temp, file);
    await syncDirectory(dir);
    return { ino: info.ino, dev: info.dev, size: info.size };
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temp, { force: true }).catch(() => {});
    throw unavailable(`Intermission: cannot rewrite the subscriber file ${file}`, error);
  }
}

/**
 * Creates `file` only if it does not exist (O_EXCL): `true` for the one caller that created it. The
 * content is informational and best effort; the file's existence is the claim.
 */
export async function createExclusively(file: string, content: string): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'wx', FILE_MODE);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw unavailable(`Intermission: cannot create ${file}`, error);
  }
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch {
    // A full disk leaves the marker empty: it still marks the claim.
  } finally {
    await handle.close().catch(() => {});
  }
  await syncDirectory(dirname(file)).catch(() => {});
  return true;
}
