// The file store when the disk says no: a full disk (a 64 KiB tmpfs), a read-only file system, a
// directory the process may not write. Nothing half-written, nothing that resolved lost.
import { execFile, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
  openSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { SubscriberStoreError } from '../../src/signup/subscriber.js';
import type { Subscriber } from '../../src/signup/subscriber.js';
import { fileSubscriberStore } from '../../src/signup/stores/file-subscriber-store.js';

const isRoot = process.getuid?.() === 0;

/** Mounting a tmpfs needs root (and a kernel that lets this container do it): probed once. */
const canMount = ((): boolean => {
  if (!isRoot) return false;
  const probe = mkdtempSync(join(tmpdir(), 'intermission-mount-probe-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (mounted) spawnSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return mounted;
})();
if (!canMount) {
  console.warn(
    'Skipping the full-disk and read-only tests: they mount a 64 KiB tmpfs, which needs root (run the suite as root, e.g. in the CI container).',
  );
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'intermission-subscribers-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh 64 KiB tmpfs, unmounted after the test. */
function smallDisk(): string {
  const dir = tempDir();
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', dir]);
  if (result.status !== 0) throw new Error(`mount failed: ${result.stderr.toString()}`);
  cleanups.push(() => spawnSync('umount', ['-l', dir]));
  return dir;
}

/** Fills the file system holding `dir` to the last byte. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  try {
    for (const size of [4096, 1]) {
      const chunk = Buffer.alloc(size, 0x2e);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

let clock = Date.parse('2030-01-01T00:00:00Z');
function subscriber(email: string): Subscriber {
  clock += 1000;
  return { email, subscribedAt: new Date(clock).toISOString(), consent: true, lang: 'en' };
}

async function emails(store: { list(): AsyncIterable<Subscriber> }): Promise<string[]> {
  const result: string[] = [];
  for await (const entry of store.list()) result.push(entry.email);
  return result;
}

function expectUnavailable(error: unknown, ...fragments: string[]): void {
  expect(error).toBeInstanceOf(SubscriberStoreError);
  expect((error as SubscriberStoreError).code).toBe('ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE');
  for (const fragment of fragments) expect((error as SubscriberStoreError).message).toContain(fragment);
}

describe.skipIf(!canMount)('fileSubscriberStore on a full disk', () => {
  it('fails the add that does not fit as unavailable, leaves the file byte for byte, and keeps every add that resolved', async () => {
    const dir = smallDisk();
    const path = join(dir, 'subscribers.jsonl');
    const warnings: SubscriberStoreError[] = [];
    const store = fileSubscriberStore({ path, onWarning: (warning) => warnings.push(warning) });
    await store.add(subscriber('first@example.com'));
    const filler = fill(dir);

    // The file's last page still has room for some lines; add until the disk refuses one.
    const resolved = ['first@example.com'];
    let failure: unknown;
    for (let i = 0; i < 1000 && failure === undefined; i++) {
      const before = readFileSync(path);
      try {
        await store.add(subscriber(`user${i}@example.com`));
        resolved.push(`user${i}@example.com`);
      } catch (error) {
        failure = error;
        expect(readFileSync(path).equals(before)).toBe(true);
      }
    }
    expectUnavailable(failure, 'ENOSPC', path);
    expect(resolved.length).toBeGreaterThan(1);
    expect(await emails(store)).toEqual(resolved);
    expect(await store.count()).toBe(resolved.length);

    // Another process reading the file sees a clean list: no torn line was left behind.
    const fresh: SubscriberStoreError[] = [];
    expect(await emails(fileSubscriberStore({ path, onWarning: (warning) => fresh.push(warning) }))).toEqual(resolved);
    expect(fresh).toEqual([]);
    expect(warnings).toEqual([]);

    // Room again: the store works at once, with no restart.
    rmSync(filler);
    expect(await store.add(subscriber('later@example.com'))).toBe('added');
    expect(await store.count()).toBe(resolved.length + 1);
  });

  it('fails a compaction as unavailable, leaving the file and no temp file behind', async () => {
    const dir = smallDisk();
    const path = join(dir, 'subscribers.jsonl');
    const store = fileSubscriberStore({ path, onWarning: () => {} });
    // Enough lines that the rewritten file needs pages of its own.
    for (let i = 0; i < 120; i++) await store.add(subscriber(`user${i}@example.com`));
    await store.remove('user0@example.com');
    fill(dir);
    const before = readFileSync(path);
    const error = await store.compact().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expectUnavailable(error, 'cannot rewrite', path);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['filler', 'subscribers.jsonl']);
    expect(await store.count()).toBe(119);
  });
});

describe.skipIf(!canMount)('fileSubscriberStore on a read-only file system', () => {
  it('fails writes as unavailable and keeps reading', async () => {
    const dir = smallDisk();
    const path = join(dir, 'subscribers.jsonl');
    const store = fileSubscriberStore({ path, onWarning: () => {} });
    await store.add(subscriber('a@example.com'));
    expect(spawnSync('mount', ['-o', 'remount,ro', dir]).status).toBe(0);
    cleanups.push(() => spawnSync('mount', ['-o', 'remount,rw', dir]));
    const before = readFileSync(path);
    for (const attempt of [
      store.add(subscriber('b@example.com')),
      store.remove('a@example.com'),
      store.compact(),
      store.claimLaunch('launch'),
    ]) {
      expectUnavailable(
        await attempt.then(
          () => undefined,
          (reason: unknown) => reason,
        ),
        'EROFS',
      );
    }
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(await emails(store)).toEqual(['a@example.com']);
  });
});

describe.skipIf(!isRoot)('fileSubscriberStore without write permission', () => {
  it('fails as unavailable (EACCES) for a user who may not write the directory, and changes nothing', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o755 });
    const path = join(data, 'subscribers.jsonl');
    const store = fileSubscriberStore({ path, onWarning: () => {} });
    await store.add(subscriber('a@example.com'));
    chmodSync(path, 0o644); // readable, not writable, by others
    const before = readFileSync(path);

    const bundle = join(dir, 'store.mjs');
    buildSync({
      entryPoints: [fileURLToPath(new URL('../../src/signup/stores/file-subscriber-store.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      logLevel: 'silent',
    });
    chmodSync(bundle, 0o644);
    const script = `import(${JSON.stringify(bundle)}).then(async ({ fileSubscriberStore }) => {
      const store = fileSubscriberStore({ path: ${JSON.stringify(path)}, onWarning: () => {} });
      console.log('count ' + (await store.count()));
      await store.add({ email: 'b@example.com', subscribedAt: '2030-01-01T00:00:00Z', consent: true });
      console.log('added');
    }).catch((e) => console.log(e.code + ' ' + e.message))`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { cwd: dir, uid: 65534, gid: 65534, env: { PATH: process.env.PATH ?? '' } },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`${error.message}\n${stderr}`));
          else resolve(stdout.trim());
        },
      );
    });
    expect(out).toMatch(/^count 1\nERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE .*EACCES/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(data)).toEqual(['subscribers.jsonl']);
    writeFileSync(join(dir, 'done'), ''); // the directory is still ours to clean
  });
});
