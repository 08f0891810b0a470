import { open, type FileHandle } from 'node:fs/promises';

/** A file system error's `code` (`ENOENT`, `ENOSPC`, …), or `undefined` for anything else. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** Platforms and file systems where a directory cannot be opened or synced: nothing to persist there. */
const DIR_SYNC_IGNORED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'EACCES', 'ENOTSUP']);

/**
 * Persists a directory's entries (a new file, a rename) across a power loss. Rejects with the raw
 * error when syncing fails for a reason other than the platform not supporting it.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = errnoCode(error);
    if (code === undefined || !DIR_SYNC_IGNORED.has(code)) throw error;
  } finally {
    await handle?.close().catch(() => {});
  }
}
