import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError, EXIT } from './errors.js';

/** Where a command writes its output. `write` may be called many times; `finish` makes it final. */
export interface OutputFile {
  readonly path: string;
  write(chunk: string): Promise<void>;
  /** Flushes to disk and puts the file at `path`; refuses to replace a file unless `force`. */
  finish(): Promise<void>;
  /** Drops what was written (after a failure). Never rejects. */
  abort(): Promise<void>;
}

const failure = (message: string): CliError => new CliError(EXIT.FAILURE, 'ERR_INTERMISSION_OUTPUT_FILE', message);

const reason = (error: unknown): string => (error instanceof Error && 'code' in error ? String(error.code) : String(error));

/**
 * An export file: private (created 0600: it holds personal data), written whole or not at all (a temporary
 * file beside it, fsynced, then moved into place), and never replacing an existing file without `force`.
 * The check is made early, for a quick answer, and again atomically at the end (`link` fails on an
 * existing name), so a file that appears meanwhile is not clobbered either.
 */
export async function createOutputFile(file: string, force: boolean): Promise<OutputFile> {
  const path = resolve(file);
  const refuse = (): CliError => failure(`${path} already exists; pass --force to replace it, or choose another --output`);
  if (!force && exists(path)) throw refuse();
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, 'wx', 0o600);
  } catch (error) {
    throw failure(`cannot create ${path} (${reason(error)}); check that its folder exists and is writable`);
  }
  const opened = handle;
  let done = false;
  const discard = async (): Promise<void> => {
    if (done) return;
    done = true;
    await opened.close().catch(() => {});
    await unlink(temporary).catch(() => {});
  };
  return {
    path,
    async write(chunk) {
      try {
        await opened.write(chunk);
      } catch (error) {
        await discard();
        throw failure(`cannot write ${path} (${reason(error)}); check the free space, nothing was written`);
      }
    },
    async finish() {
      try {
        await opened.sync();
        await opened.close();
        done = true;
        if (force) await rename(temporary, path);
        else await link(temporary, path);
      } catch (error) {
        done = false;
        await discard();
        if (reason(error) === 'EEXIST') throw refuse();
        throw failure(`cannot write ${path} (${reason(error)}); nothing was written`);
      }
      if (!force) await unlink(temporary).catch(() => {});
    },
    abort: discard,
  };
}

/** Any entry at `path`, a dangling symlink included. */
function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
