import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { extname, resolve } from 'node:path';
import { IntermissionError } from '../errors.js';
import { MAX_TIMER_MS, TimeoutError, withTimeout } from '../shared/timeout.js';
import type { Teaser, TeaserFile, TeaserFormat, TeaserResolver } from '../types.js';
import { extractTeaser } from './extract.js';
import { normalizeTeaser } from './normalize.js';

/** Largest teaser file read at start-up: an article, not a data dump. */
export const MAX_TEASER_FILE_BYTES = 2 * 1024 * 1024;

/** Thrown at start-up when a teaser file cannot be used. */
export class TeaserFileError extends IntermissionError<'ERR_INTERMISSION_TEASER_FILE'> {
  override readonly name = 'TeaserFileError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INTERMISSION_TEASER_FILE', message, options);
  }
}

/** `.md`/`.markdown` → markdown, `.html`/`.htm` → html, anything else → text. */
export function formatFromPath(file: string): TeaserFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  if (ext === '.html' || ext === '.htm') return 'html';
  return 'text';
}

/**
 * Reads a teaser file once, synchronously (this runs at start-up, where failing loudly beats serving
 * a page without its teaser), and extracts its teaser. Relative paths resolve from the working directory.
 */
export function loadTeaserFile(spec: TeaserFile): Teaser {
  const file: unknown = spec.file;
  if (typeof file !== 'string' || file.trim() === '') {
    throw new TeaserFileError('Intermission: the teaser "file" option must be a non-empty path to a .md, .html or .txt file.');
  }
  const path = resolve(file);
  const text = readCapped(path, file);
  return extractTeaser(text, { format: spec.format ?? formatFromPath(path), words: spec.words });
}

function readCapped(path: string, given: string): string {
  const where = path === given ? `"${path}"` : `"${given}" (resolved to "${path}")`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new TeaserFileError(
      `Intermission: cannot read the teaser file ${where}: ${reason(err)}. ` +
        'Check the path (relative paths resolve from the working directory) and that the process may read it.',
      { cause: err },
    );
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new TeaserFileError(`Intermission: the teaser file ${where} is not a regular file. Point "file" at a .md, .html or .txt file.`);
    }
    // Read one byte past the cap, so a file that grew after fstat is still caught.
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_TEASER_FILE_BYTES) + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > MAX_TEASER_FILE_BYTES) {
      throw new TeaserFileError(
        `Intermission: the teaser file ${where} is larger than ${MAX_TEASER_FILE_BYTES / 1024 / 1024} MiB. ` +
          'Use a shorter article, or give the teaser as an object with an explicit excerpt.',
      );
    }
    return buffer.toString('utf8', 0, length);
  } catch (err) {
    if (err instanceof TeaserFileError) throw err;
    throw new TeaserFileError(`Intermission: cannot read the teaser file ${where}: ${reason(err)}. Check that it is a readable file.`, {
      cause: err,
    });
  } finally {
    closeSync(fd);
  }
}

function reason(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return err.code === 'ENOENT' ? 'no such file' : err.code;
  }
  return err instanceof Error ? err.message : String(err);
}

type Problem = 'timeout' | 'error' | 'invalid';

/**
 * Runs a teaser resolver for one request. Resolves to the normalized teaser, or to `undefined`
 * ("use the fallback") when the resolver returns nothing, throws, rejects, returns something that
 * is not a teaser, or takes longer than `timeoutMs`; in the last three cases `onProblem` is called
 * once. Never rejects, and leaves no timer behind. A `timeoutMs` that is negative or NaN counts
 * as 0 (a synchronous result still wins), one above Node's timer limit as that limit.
 */
export async function resolveTeaser(
  resolver: TeaserResolver,
  req: IncomingMessage,
  timeoutMs: number,
  onProblem: (kind: Problem, detail?: unknown) => void,
): Promise<Teaser | undefined> {
  const report = (problem: Problem, detail: unknown): undefined => {
    try {
      onProblem(problem, detail);
    } catch {
      // A throwing logger must not turn into an unhandled rejection or a stuck request.
    }
    return undefined;
  };

  let result: unknown;
  try {
    result = resolver(req);
  } catch (err) {
    return report('error', err);
  }

  // Clamped here as well as in withTimeout, so the problem report names the delay actually used.
  const ms = Number.isNaN(timeoutMs) ? 0 : Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS);
  // Our own error object, so a resolver that rejects with a TimeoutError of its own is an "error".
  const expired = new TimeoutError(ms, 'the teaser resolver');
  let value: unknown;
  try {
    // withTimeout adopts thenables (a throwing `then` becomes a rejection), clears and unrefs its timer.
    value = await withTimeout(result, ms, () => expired);
  } catch (err) {
    return err === expired ? report('timeout', ms) : report('error', err);
  }

  // `undefined` (and `null`) is the resolver's way of asking for the fallback: not a problem.
  if (value === undefined || value === null) return undefined;
  let teaser: Teaser | undefined;
  try {
    teaser = normalizeTeaser(value);
  } catch (err) {
    return report('invalid', err);
  }
  return teaser === undefined ? report('invalid', value) : teaser;
}
