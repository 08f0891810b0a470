import { createHook } from 'node:async_hooks';
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredState } from '../../src/types.js';
import { StateStoreError } from '../../src/errors.js';
import { MAX_STATE_BYTES } from '../../src/state/stored-state.js';
import { fileStore } from '../../src/state/stores/file-store.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const STORE_MODULE = pathToFileURL(fileURLToPath(new URL('../../src/state/stores/file-store.ts', import.meta.url))).href;
/** Fast polling for the behaviour tests; the latency test uses the default. */
const FAST = { interval: 20 };

const dirs: string[] = [];
const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'intermission-file-store-'));
  dirs.push(dir);
  return dir;
}

function tempFile(): string {
  return join(tempDir(), 'state.json');
}

function store(path: string, options?: { interval?: number }) {
  const created = fileStore(path, options);
  cleanups.push(() => created.close?.());
  return created;
}

function state(overrides: Partial<StoredState> = {}): StoredState {
  return { mode: 'maintenance', updatedAt: '2030-01-01T00:00:00.000Z', ...overrides };
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

async function until(predicate: () => boolean, what: string, timeout = 3000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

type Event = { kind: 'change'; state: StoredState | null; at: number } | { kind: 'error'; error: unknown; at: number };

const sameEvent = (a: Event | undefined, b: Event): boolean =>
  a?.kind === b.kind &&
  (a.kind === 'change'
    ? JSON.stringify(a.state) === JSON.stringify((b as typeof a).state)
    : String(a.error) === String((b as typeof a).error));

/**
 * The callbacks a subscriber gets. The store delivers what each read found, so a file re-read while
 * it may still change (the racy window) repeats itself; `events` collapses consecutive repeats, as the
 * follower does, and `calls` counts every callback.
 */
function recorder() {
  const events: Event[] = [];
  const recorded = { calls: 0 };
  const record = (event: Event): void => {
    recorded.calls += 1;
    if (!sameEvent(events.at(-1), event)) events.push(event);
  };
  return {
    events,
    get calls() {
      return recorded.calls;
    },
    onChange: (value: StoredState | null) => record({ kind: 'change', state: value, at: performance.now() }),
    onError: (error: unknown) => record({ kind: 'error', error, at: performance.now() }),
    changes: () => events.flatMap((event) => (event.kind === 'change' ? [event.state] : [])),
    errors: () => events.flatMap((event) => (event.kind === 'error' ? [event.error] : [])),
  };
}

/** A store holding a first state, with two subscribers that have both received it. */
async function twoSubscribers(path: string, options: { interval?: number }) {
  const s = store(path, options);
  await s.set!(state({ message: '1' }));
  const a = recorder();
  const b = recorder();
  const unsubscribeA = await s.subscribe!(a.onChange, a.onError);
  await s.subscribe!(b.onChange, b.onError);
  await until(() => a.events.length >= 1 && b.events.length >= 1, 'the first deliveries');
  return { s, a, b, unsubscribeA };
}

async function rejection(promise: unknown): Promise<StateStoreError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StateStoreError);
    return error as StateStoreError;
  }
  throw new Error('expected a rejection');
}

function run(
  file: string,
  args: string[],
  options: { cwd?: string; timeout?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { cwd: options.cwd, timeout: options.timeout ?? 15_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** File descriptors of this process open on `path`, where /proc tells (Linux). */
function openFiles(path: string): string[] {
  if (!existsSync('/proc/self/fd')) return [];
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(path) ? [target] : [];
    } catch {
      return []; // closed while listing
    }
  });
}

const tmpFilesIn = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.tmp'));

describe('fileStore', () => {
  describe('construction', () => {
    it('resolves the path once, so a later chdir does not move the file', () => {
      expect(fileStore('relative/state.json').path).toBe(resolve('relative/state.json'));
    });

    it('refuses an empty path and a bad interval', () => {
      expect(() => fileStore('')).toThrow(TypeError);
      expect(() => fileStore('x.json', { interval: 0 })).toThrow(RangeError);
      expect(() => fileStore('x.json', { interval: Number.NaN })).toThrow(RangeError);
    });
  });

  describe('get', () => {
    it('round-trips what set wrote, pretty-printed with a trailing newline, mode 0644', async () => {
      const path = tempFile();
      const s = store(path);
      const value = state({ mode: 'coming-soon', message: 'Soon ✨', launchAt: '2030-02-01T09:00:00Z', updatedBy: 'ada@host' });
      await s.set!(value);
      expect(await s.get()).toEqual(value);
      expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(value, null, 2)}\n`);
      expect(statSync(path).mode & 0o777).toBe(0o644);
    });

    it('returns null when the file (or its directory) does not exist', async () => {
      const dir = tempDir();
      expect(await store(join(dir, 'state.json')).get()).toBeNull();
      expect(await store(join(dir, 'missing', 'state.json')).get()).toBeNull();
    });

    it('rejects corrupt JSON with a StateStoreError naming the path', async () => {
      const path = tempFile();
      writeFileSync(path, '{"mode": "maintenance",');
      const error = await rejection(store(path).get());
      expect(error.code).toBe('ERR_INTERMISSION_STATE_INVALID');
      expect(error.message).toContain(path);
      expect(error.message).toContain('not valid JSON');
    });

    it('rejects valid JSON that is not a state', async () => {
      const path = tempFile();
      writeJson(path, { mode: 'closed' });
      const error = await rejection(store(path).get());
      expect(error.code).toBe('ERR_INTERMISSION_STATE_INVALID');
      expect(error.message).toContain(path);
      expect(error.message).toMatch(/mode/);
    });

    it('rejects a file over the size cap without parsing it', async () => {
      const path = tempFile();
      const json = JSON.stringify(state());
      writeFileSync(path, json.slice(0, -1) + ' '.repeat(MAX_STATE_BYTES + 1 - json.length) + '}');
      expect(statSync(path).size).toBe(MAX_STATE_BYTES + 1);
      const error = await rejection(store(path).get());
      expect(error.code).toBe('ERR_INTERMISSION_STATE_INVALID');
      expect(error.message).toContain(path);
      expect(error.message).toContain(`over ${MAX_STATE_BYTES} bytes`);
    });

    it('accepts a file exactly at the size cap', async () => {
      const path = tempFile();
      const json = JSON.stringify(state());
      writeFileSync(path, json.slice(0, -1) + ' '.repeat(MAX_STATE_BYTES - json.length) + '}');
      expect(await store(path).get()).toEqual(state());
    });

    it('rejects a directory at the path', async () => {
      const path = tempFile();
      mkdirSync(path);
      const error = await rejection(store(path).get());
      expect(error.code).toBe('ERR_INTERMISSION_STATE_UNAVAILABLE');
      expect(error.message).toContain(path);
      expect(error.message).toContain('directory');
    });

    it('rejects a path under a regular file (ENOTDIR) rather than calling it missing', async () => {
      const path = tempFile();
      writeJson(path, state());
      const error = await rejection(store(join(path, 'state.json')).get());
      expect(error.code).toBe('ERR_INTERMISSION_STATE_UNAVAILABLE');
      expect(error.message).toContain('ENOTDIR');
    });

    it.skipIf(process.platform === 'win32')('rejects an unreadable file (EACCES)', async () => {
      const path = tempFile();
      writeJson(path, state());
      chmodSync(path, 0o000);
      if (process.getuid?.() !== 0) {
        const error = await rejection(store(path).get());
        expect(error.code).toBe('ERR_INTERMISSION_STATE_UNAVAILABLE');
        expect(error.message).toContain(path);
        expect(error.message).toContain('EACCES');
        return;
      }
      // Root reads anything, so the read is made as `nobody` (CI runs as root), from a bundle of the
      // store in a folder nobody can read (the checkout may sit in a private folder).
      const dir = join(path, '..');
      chmodSync(dir, 0o755);
      const bundle = join(dir, 'file-store.mjs');
      buildSync({
        entryPoints: [fileURLToPath(STORE_MODULE)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile: bundle,
        logLevel: 'silent',
      });
      chmodSync(bundle, 0o644);
      const script = `import(${JSON.stringify(pathToFileURL(bundle).href)}).then(({ fileStore }) => fileStore(${JSON.stringify(path)}).get()).then(() => console.log('read'), (e) => console.log(e.code + ' ' + e.message))`;
      const out = await new Promise<string>((resolvePromise, reject) => {
        execFile(
          process.execPath,
          ['--input-type=module', '-e', script],
          { cwd: dir, uid: 65534, gid: 65534, env: { PATH: process.env.PATH ?? '' } },
          (error, stdout, stderr) => {
            if (error) reject(new Error(`${error.message}\n${stderr}`));
            else resolvePromise(stdout.trim());
          },
        );
      });
      expect(out).toContain('ERR_INTERMISSION_STATE_UNAVAILABLE');
      expect(out).toContain(path);
      expect(out).toContain('EACCES');
    });

    it.skipIf(process.platform === 'win32')('does not block on a FIFO at the path', async () => {
      const path = tempFile();
      try {
        execFileSync('mkfifo', [path]);
      } catch {
        return; // no mkfifo here
      }
      const error = await rejection(store(path).get());
      expect(error.message).toContain('not a regular file');
    });

    it('ignores a UTF-8 byte order mark', async () => {
      const path = tempFile();
      writeFileSync(path, `\uFEFF${JSON.stringify(state())}`);
      expect(await store(path).get()).toEqual(state());
    });

    it('re-reads once when it catches an in-place write between truncate and write', async () => {
      const path = tempFile();
      writeFileSync(path, '');
      const reading = store(path).get();
      // Lands before the store's re-read (timers fire in order), as a non-atomic writer would finish.
      setTimeout(() => writeJson(path, state({ message: 'complete' })), 10);
      expect(await reading).toEqual(state({ message: 'complete' }));
    });
  });

  describe('set', () => {
    it('creates missing parent directories', async () => {
      const path = join(tempDir(), 'a', 'b', 'state.json');
      await store(path).set!(state());
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(state());
    });

    it('writes mode 0644 whatever the umask', async () => {
      const path = tempFile();
      let previous: number;
      try {
        previous = process.umask(0o077);
      } catch {
        return; // umask cannot be changed in a worker thread
      }
      try {
        await store(path).set!(state());
      } finally {
        process.umask(previous);
      }
      expect(statSync(path).mode & 0o777).toBe(0o644);
    });

    it('refuses an invalid state and leaves the file untouched', async () => {
      const path = tempFile();
      const s = store(path);
      await s.set!(state({ message: 'good' }));
      const before = readFileSync(path);
      const mtime = statSync(path, { bigint: true }).mtimeNs;

      const invalid = [
        { mode: 'closed', updatedAt: '2030-01-01T00:00:00Z' },
        { mode: 'maintenance', updatedAt: 'yesterday' },
        { mode: 'maintenance' },
        { ...state(), retryAfter: Number.NaN },
        { ...state(), message: 'x'.repeat(2001) },
        undefined,
        'maintenance',
      ];
      for (const value of invalid) {
        const error = await rejection(s.set!(value as unknown as StoredState));
        expect(error.code).toBe('ERR_INTERMISSION_STATE_INVALID');
        expect(error.message).toContain(path);
      }
      const cyclic: Record<string, unknown> = { ...state() };
      cyclic.self = cyclic;
      expect((await rejection(s.set!(cyclic as unknown as StoredState))).code).toBe('ERR_INTERMISSION_STATE_INVALID');

      expect(readFileSync(path).equals(before)).toBe(true);
      expect(statSync(path, { bigint: true }).mtimeNs).toBe(mtime);
      expect(tmpFilesIn(join(path, '..'))).toEqual([]);
    });

    it('fails with the path and removes its temp file when the rename fails', async () => {
      const dir = tempDir();
      const path = join(dir, 'state.json');
      mkdirSync(path);
      writeFileSync(join(path, 'occupied'), '');
      const error = await rejection(store(path).set!(state()));
      expect(error.code).toBe('ERR_INTERMISSION_STATE_UNAVAILABLE');
      expect(error.message).toContain(path);
      expect(tmpFilesIn(dir)).toEqual([]);
    });

    it('fails with the path when the directory cannot be created', async () => {
      const file = tempFile();
      writeJson(file, state());
      const error = await rejection(store(join(file, 'sub', 'state.json')).set!(state()));
      expect(error.code).toBe('ERR_INTERMISSION_STATE_UNAVAILABLE');
      expect(error.message).toContain(join(file, 'sub', 'state.json'));
    });

    it('is atomic: a concurrent reader only ever sees a complete old or new state, in order', async () => {
      const dir = tempDir();
      const path = join(dir, 'state.json');
      const stop = join(tempDir(), 'stop');
      const s = store(path);
      const nth = (i: number) => state({ message: `write ${i} ${'x'.repeat((i * 37) % 600)}` });
      await s.set!(state({ message: 'write -1' }));

      // A separate process reads in a tight synchronous loop, truly concurrently with the writes.
      const reader = `
        const fs = require('node:fs');
        const [file, stop] = process.argv.slice(1);
        let reads = 0, last = -1, ready = false;
        const distinct = new Set();
        const bad = [];
        const check = () => {
          let text;
          try { text = fs.readFileSync(file, 'utf8'); } catch (e) { bad.push('read ' + e.code); return; }
          reads++;
          try {
            const index = Number(/^write (-?\\d+)(?: x*)?$/.exec(JSON.parse(text).message)[1]);
            if (index < last) bad.push('went back from ' + last + ' to ' + index);
            last = index;
            distinct.add(index);
          } catch { bad.push('torn: ' + JSON.stringify(text.slice(-40))); }
        };
        while (!fs.existsSync(stop)) {
          check();
          if (!ready) { ready = true; process.stdout.write('ready\\n'); }
        }
        check(); // after the last write
        process.stdout.write(JSON.stringify({ reads, last, distinct: distinct.size, bad: bad.slice(0, 5), badCount: bad.length }) + '\\n');
      `;
      const child = execFile(process.execPath, ['-e', reader, path, stop], { timeout: 60_000 });
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      await until(() => stdout.includes('ready'), 'the reader to start', 10_000);

      // And this process reads through the store at the same time.
      let writing = true;
      const seen: number[] = [];
      const getter = (async () => {
        while (writing) {
          const got = await s.get();
          seen.push(Number(/^write (-?\d+)/.exec(got?.message ?? '')?.[1]));
        }
      })();

      for (let i = 0; i < 200; i++) await s.set!(nth(i));
      writing = false;
      await getter;
      writeFileSync(stop, '');
      expect(await exited).toBe(0);

      const report = JSON.parse(stdout.slice(stdout.indexOf('\n') + 1)) as {
        reads: number;
        last: number;
        distinct: number;
        bad: string[];
        badCount: number;
      };
      expect(report.bad).toEqual([]);
      expect(report.badCount).toBe(0);
      expect(report.reads).toBeGreaterThan(0);
      expect(report.last).toBe(199);
      expect(report.distinct).toBeGreaterThan(1); // it did read during the writes
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((index) => Number.isInteger(index) && index >= -1 && index <= 199)).toBe(true);
      expect(await s.get()).toEqual(nth(199));
      expect(readdirSync(dir)).toEqual(['state.json']);
    }, 60_000);
  });

  describe('subscribe', () => {
    it('delivers the current state first, so nothing written between get() and subscribe() is lost', async () => {
      const path = tempFile();
      const s = store(path, FAST);
      await s.set!(state({ message: 'now' }));
      const r = recorder();
      s.subscribe!(r.onChange, r.onError);
      expect(r.events).toEqual([]); // never synchronously
      await until(() => r.events.length === 1, 'the first delivery');
      expect(r.changes()).toEqual([state({ message: 'now' })]);
    });

    it('delivers null first when there is no file', async () => {
      const s = store(tempFile(), FAST);
      const r = recorder();
      s.subscribe!(r.onChange, r.onError);
      await until(() => r.events.length === 1, 'the first delivery');
      expect(r.changes()).toEqual([null]);
    });

    it('sees a change written by another store instance within 1 s at the default interval', async () => {
      const path = tempFile();
      const writer = store(path);
      await writer.set!(state({ message: 'before' }));
      const watcher = store(path);
      const r = recorder();
      watcher.subscribe!(r.onChange, r.onError);
      await until(() => r.events.length === 1, 'the first delivery');

      await writer.set!(state({ message: 'after' }));
      const written = performance.now();
      await until(() => r.events.length === 2, 'the change', 5000);
      const event = r.events[1]!;
      expect(event).toMatchObject({ kind: 'change', state: state({ message: 'after' }) });
      expect(event.at - written).toBeLessThan(1000);
    });

    it('sees a rename-replace done by hand (which fs.watch would miss)', async () => {
      const path = tempFile();
      writeJson(path, state({ message: 'one' }));
      const r = recorder();
      store(path, FAST).subscribe!(r.onChange, r.onError);
      await until(() => r.events.length === 1, 'the first delivery');

      for (const message of ['two', 'three']) {
        writeJson(`${path}.tmp`, state({ message }));
        renameSync(`${path}.tmp`, path);
        await until(() => r.changes().at(-1)?.message === message, `"${message}"`);
      }
      expect(r.changes().map((value) => value?.message)).toEqual(['one', 'two', 'three']);
      expect(r.errors()).toEqual([]);
    });

    it('delivers null once per disappearance, then the state again when the file comes back', async () => {
      const path = tempFile();
      const s = store(path, FAST);
      await s.set!(state({ message: 'up' }));
      const r = recorder();
      s.subscribe!(r.onChange, r.onError);
      await until(() => r.events.length === 1, 'the first delivery');

      rmSync(path);
      await until(() => r.events.length === 2, 'the deletion');
      await pause(200); // ten more polls
      expect(r.changes()).toEqual([state({ message: 'up' }), null]);

      await s.set!(state({ message: 'up' }));
      await until(() => r.events.length === 3, 'the re-creation');
      rmSync(path);
      await until(() => r.events.length === 4, 'the second deletion');
      expect(r.changes()).toEqual([state({ message: 'up' }), null, state({ message: 'up' }), null]);
      expect(r.errors()).toEqual([]);
    });

    it("delivers a rewrite with the same state as it read it: skipping repeats is the caller's job", async () => {
      const path = tempFile();
      const s = store(path, FAST);
      await s.set!(state());
      const r = recorder();
      s.subscribe!(r.onChange, r.onError);
      await until(() => r.events.length === 1, 'the first delivery');
      const calls = r.calls;
      await s.set!(state());
      await until(() => r.calls > calls, 'the rewrite');
      expect(r.changes()).toEqual([state()]);
      expect(r.errors()).toEqual([]);
    });

    it('reads the file only when its stat changed, once its mtime is out of the racy window', async () => {
      const path = tempFile();
      writeJson(path, state());
      const old = new Date(Date.now() - 3_600_000);
      utimesSync(path, old, old);
      const r = recorder();
      store(path, FAST).subscribe!(r.onChange, r.onError);
      await until(() => r.calls === 1, 'the first delivery');
      await pause(200); // ten polls
      expect(r.calls).toBe(1);
      utimesSync(path, old, new Date(Date.now() - 1_800_000)); // a touch: read again
      await until(() => r.calls === 2, 'the re-read');
      await pause(200);
      expect(r.calls).toBe(2);
    });

    it('reports corrupt content while it stays, and delivers the next valid write, even the state from before', async () => {
      const path = tempFile();
      const s = store(path, FAST);
      await s.set!(state({ message: 'good' }));
      const r = recorder();
      s.subscribe!(r.onChange, r.onError);
      await until(() => r.events.length === 1, 'the first delivery');

      writeFileSync(path, '{"mode": "maintenance", "updatedAt": ');
      await until(() => r.errors().length === 1, 'the error');
      const error = r.errors()[0];
      expect(error).toBeInstanceOf(StateStoreError);
      expect((error as StateStoreError).message).toContain(path);

      // Polls, a touch, and a rename-replace with the same bytes: the same report, and no state.
      await pause(200);
      utimesSync(path, new Date(), new Date(Date.now() + 5000));
      await pause(100);
      writeFileSync(`${path}.tmp`, readFileSync(path));
      renameSync(`${path}.tmp`, path);
      await pause(200);
      expect(r.errors()).toHaveLength(1);

      // The same state as before the fault is delivered again: the subscriber learns it recovered.
      await s.set!(state({ message: 'good' }));
      await until(() => r.changes().length === 2, 'the recovery');
      expect(r.changes()).toEqual([state({ message: 'good' }), state({ message: 'good' })]);
      expect(r.errors()).toHaveLength(1);
    });

    it('reports each distinct bad content', async () => {
      const path = tempFile();
      const r = recorder();
      writeJson(path, { mode: 'closed' });
      store(path, FAST).subscribe!(r.onChange, r.onError);
      await until(() => r.errors().length === 1, 'the first error');
      writeFileSync(path, 'not json');
      await until(() => r.errors().length === 2, 'the second error');
      expect((r.errors()[0] as Error).message).toMatch(/mode/);
      expect((r.errors()[1] as Error).message).toContain('not valid JSON');
      expect(r.changes()).toEqual([]);
    });

    it('reports a directory at the path once while it stays', async () => {
      const path = tempFile();
      mkdirSync(path);
      const old = new Date(Date.now() - 3_600_000);
      utimesSync(path, old, old);
      const r = recorder();
      store(path, FAST).subscribe!(r.onChange, r.onError);
      await until(() => r.errors().length === 1, 'the error');
      await pause(200);
      expect(r.calls).toBe(1);
      expect((r.errors()[0] as StateStoreError).code).toBe('ERR_INTERMISSION_STATE_UNAVAILABLE');
      rmSync(path, { recursive: true });
      await until(() => r.changes().length === 1, 'the recovery to null');
      expect(r.changes()).toEqual([null]);
    });

    it('does not report a half-done in-place write as an error', async () => {
      const path = tempFile();
      writeJson(path, state({ message: 'old' }));
      const r = recorder();
      store(path, { interval: 5 }).subscribe!(r.onChange, r.onError);
      await until(() => r.events.length === 1, 'the first delivery');
      // What truncate-then-write looks like to a poller that lands in between.
      writeFileSync(path, '');
      await pause(10);
      writeJson(path, state({ message: 'new' }));
      await until(() => r.changes().length === 2, 'the new state');
      expect(r.errors()).toEqual([]);
    });

    it('stops calling back after unsubscribe, and other subscribers carry on', async () => {
      const path = tempFile();
      const { s, a, b, unsubscribeA } = await twoSubscribers(path, FAST);

      await s.set!(state({ message: '2' }));
      await until(() => a.events.length === 2 && b.events.length === 2, 'the change');

      unsubscribeA();
      unsubscribeA(); // idempotent
      const callsA = a.calls;
      await s.set!(state({ message: '3' }));
      await until(() => b.events.length === 3, 'the change for b');
      writeFileSync(path, 'corrupt');
      await until(() => b.errors().length === 1, 'the error for b');
      await pause(200);
      expect(a.changes().map((value) => value?.message)).toEqual(['1', '2']);
      expect(a.errors()).toEqual([]);
      expect(a.calls).toBe(callsA);
    });

    it('sees a change written by a separate process, in place or by rename', async () => {
      const path = tempFile();
      const r = recorder();
      store(path, FAST).subscribe!(r.onChange, r.onError);
      await until(() => r.events.length === 1, 'the first delivery');

      const plain = `require('node:fs').writeFileSync(process.argv[1], JSON.stringify(${JSON.stringify(state({ message: 'plain' }))}))`;
      expect((await run(process.execPath, ['-e', plain, path])).code).toBe(0);
      await until(() => r.changes().at(-1)?.message === 'plain', 'the in-place write');

      const atomic = `
        const fs = require('node:fs');
        const file = process.argv[1], tmp = file + '.' + process.pid + '.tmp';
        const fd = fs.openSync(tmp, 'wx', 0o644);
        fs.writeSync(fd, JSON.stringify(${JSON.stringify(state({ mode: 'off', message: 'atomic' }))}, null, 2) + '\\n');
        fs.fsyncSync(fd); fs.closeSync(fd); fs.renameSync(tmp, file);`;
      expect((await run(process.execPath, ['-e', atomic, path])).code).toBe(0);
      await until(() => r.changes().at(-1)?.message === 'atomic', 'the atomic write');
      expect(r.changes()).toEqual([null, state({ message: 'plain' }), state({ mode: 'off', message: 'atomic' })]);
      expect(r.errors()).toEqual([]);
    });
  });

  describe('close', () => {
    it('stops every poller and leaves no timer or fs request behind', async () => {
      // Tracks the async resources the store creates, unref'd timers included (which
      // process.getActiveResourcesInfo() does not list). A closed FileHandle is only destroyed by
      // GC, so open files are checked through /proc instead.
      const live = new Map<number, string>();
      const fromStore = /src[\\/]state[\\/]stores[\\/]file-store/;
      const hook = createHook({
        init(asyncId, type) {
          if (type === 'PROMISE' || type === 'FILEHANDLE') return;
          const limit = Error.stackTraceLimit;
          Error.stackTraceLimit = 50;
          const stack = new Error().stack ?? '';
          Error.stackTraceLimit = limit;
          if (fromStore.test(stack)) live.set(asyncId, type);
        },
        destroy(asyncId) {
          live.delete(asyncId);
        },
      });
      hook.enable();
      cleanups.push(() => hook.disable());

      const path = tempFile();
      // A long interval: a timer close() failed to clear would still be pending when checked.
      const { s, a } = await twoSubscribers(path, { interval: 60_000 });
      expect([...live.values()]).toContain('Timeout');

      await s.close!();
      // Destroy hooks run a little after clearTimeout, later on a loaded machine; still far under the
      // 60 s interval, so a timer close() failed to clear would still be live.
      await until(() => live.size === 0, `no live resources (left: ${[...live.values()].join(', ')})`, 5000);
      expect(openFiles(path)).toEqual([]);
      expect(() => s.subscribe!(a.onChange, a.onError)).toThrow(StateStoreError);
      await s.set!(state({ message: '2' }));
      expect(await s.get()).toEqual(state({ message: '2' })); // get and set hold nothing open
    });

    it('stops calling back every subscriber, even with a read in flight', async () => {
      const path = tempFile();
      const { s, a, b } = await twoSubscribers(path, { interval: 1 });
      await s.close!();
      const calls = [a.calls, b.calls];
      await s.set!(state({ message: '2' }));
      writeFileSync(path, 'corrupt');
      await pause(200);
      expect([a.calls, b.calls]).toEqual(calls);
      expect(a.changes()).toEqual([state({ message: '1' })]);
    });

    it('never keeps the process alive, even when the app forgets close()', async () => {
      const path = tempFile();
      const script = join(tempDir(), 'child.mts');
      writeFileSync(
        script,
        `import { fileStore } from ${JSON.stringify(STORE_MODULE)};
         const store = fileStore(${JSON.stringify(path)}, { interval: 10 });
         await store.set({ mode: 'maintenance', updatedAt: '2030-01-01T00:00:00Z' });
         await new Promise((done) => store.subscribe((state) => { console.log('seen ' + state.mode); done(); }, () => {}));
         // No close(): the unref'd poller alone must not hold the event loop open.
        `,
      );
      const started = Date.now();
      const result = await run(process.execPath, ['--import', 'tsx', script], { cwd: REPO, timeout: 15_000 });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('seen maintenance');
      expect(Date.now() - started).toBeLessThan(15_000);
    }, 20_000);
  });
});
