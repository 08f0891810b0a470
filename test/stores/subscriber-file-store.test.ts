import {
  appendFileSync,
  chmodSync,
  chownSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SubscriberStoreError } from '../../src/signup/subscriber.js';
import type { Subscriber } from '../../src/signup/subscriber.js';
import { fileSubscriberStore } from '../../src/signup/stores/file-subscriber-store.js';
import type { FileSubscriberStoreOptions } from '../../src/signup/stores/file-subscriber-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A path in a fresh directory; `nested` puts it under directories that do not exist yet. */
function listPath(nested = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'intermission-subscribers-'));
  dirs.push(dir);
  return nested ? join(dir, 'data', 'lists', 'subscribers.jsonl') : join(dir, 'subscribers.jsonl');
}

/** A store whose warnings are collected instead of printed. */
function open(path: string, options: Partial<FileSubscriberStoreOptions> = {}) {
  const warnings: SubscriberStoreError[] = [];
  const store = fileSubscriberStore({ path, onWarning: (warning) => warnings.push(warning), ...options });
  return { store, warnings };
}

let clock = Date.parse('2030-01-01T00:00:00Z');
function subscriber(email: string, extra: Partial<Subscriber> = {}): Subscriber {
  clock += 1000;
  return { email, subscribedAt: new Date(clock).toISOString(), consent: true, ...extra };
}

async function emails(store: { list(): AsyncIterable<Subscriber> }): Promise<string[]> {
  const result: string[] = [];
  for await (const entry of store.list()) result.push(entry.email);
  return result;
}

async function rejection(promise: Promise<unknown>): Promise<SubscriberStoreError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SubscriberStoreError);
    return error as SubscriberStoreError;
  }
  throw new Error('expected a rejection');
}

const line = (value: unknown): string => `${JSON.stringify(value)}\n`;

describe('fileSubscriberStore', () => {
  describe('add', () => {
    it('tells a new address from one already on the list, and keeps the first', async () => {
      const { store } = open(listPath());
      const first = subscriber('a@example.com', { lang: 'en' });
      expect(await store.add(first)).toBe('added');
      expect(await store.add(subscriber('a@example.com', { consent: false }))).toBe('exists');
      expect(await store.add(subscriber('b@example.com'))).toBe('added');
      expect(await store.count()).toBe(2);
      const listed: Subscriber[] = [];
      for await (const entry of store.list()) listed.push(entry);
      expect(listed[0]).toEqual(first);
      expect(listed.map((entry) => entry.email)).toEqual(['a@example.com', 'b@example.com']);
    });

    it('creates the directory and a file only its owner can read, with one line per event', async () => {
      const path = listPath(true);
      const { store } = open(path);
      await store.add(subscriber('a@example.com'));
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(2);
      expect(store.path).toBe(path);
    });

    it('stores the four allowed fields and nothing else', async () => {
      const path = listPath();
      const { store } = open(path);
      const extra = { ...subscriber('a@example.com'), ip: '203.0.113.9', userAgent: 'Mozilla/5.0' };
      await store.add(extra);
      const text = readFileSync(path, 'utf8');
      expect(text).not.toContain('203.0.113.9');
      expect(text).not.toContain('Mozilla');
      expect(Object.keys(JSON.parse(text) as object)).toEqual(['op', 'email', 'subscribedAt', 'consent']);
    });

    it.each([
      ['an address not normalised', { email: 'a@EXAMPLE.com' }],
      ['a missing address', { email: undefined }],
      ['a date that is not ISO 8601', { subscribedAt: 'yesterday' }],
      ['consent that is not a boolean', { consent: 'on' }],
    ])('refuses %s as invalid and writes nothing', async (_name, patch) => {
      const path = listPath();
      const { store } = open(path);
      const error = await rejection(store.add({ ...subscriber('a@example.com'), ...patch } as unknown as Subscriber));
      expect(error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_INVALID');
      expect(readdirSync(join(path, '..'))).toEqual([]);
    });

    it('is seen at once by another store on the same file', async () => {
      const path = listPath();
      const a = open(path).store;
      const b = open(path).store;
      expect(await b.count()).toBe(0);
      await a.add(subscriber('a@example.com'));
      expect(await b.add(subscriber('a@example.com'))).toBe('exists');
      expect(await b.count()).toBe(1);
    });

    it('answers concurrent calls for one address with exactly one "added"', async () => {
      const path = listPath();
      const a = open(path).store;
      const b = open(path).store;
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).add(subscriber('same@example.com'))));
      expect(results.filter((result) => result === 'added')).toHaveLength(1);
      expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
    });
  });

  describe('remove', () => {
    it('removes an address, says whether it was there, and lets it subscribe again at the end', async () => {
      const { store } = open(listPath());
      await store.add(subscriber('a@example.com'));
      await store.add(subscriber('b@example.com'));
      expect(await store.remove(' a@Example.COM ')).toBe(true);
      expect(await store.remove('a@example.com')).toBe(false);
      expect(await store.remove('nobody@example.com')).toBe(false);
      expect(await emails(store)).toEqual(['b@example.com']);
      const again = subscriber('a@example.com');
      expect(await store.add(again)).toBe('added');
      const listed: Subscriber[] = [];
      for await (const entry of store.list()) listed.push(entry);
      expect(listed.map((entry) => entry.email)).toEqual(['b@example.com', 'a@example.com']);
      expect(listed[1]?.subscribedAt).toBe(again.subscribedAt);
    });

    it('matches the local part exactly (its case is kept)', async () => {
      const { store } = open(listPath());
      await store.add(subscriber('Ann@example.com'));
      expect(await store.remove('ann@example.com')).toBe(false);
      expect(await store.remove('Ann@EXAMPLE.com')).toBe(true);
    });

    it('refuses a string that is not an address as invalid', async () => {
      const { store } = open(listPath());
      expect((await rejection(store.remove('not an address'))).code).toBe('ERR_INTERMISSION_SUBSCRIBERS_INVALID');
    });
  });

  describe('reading the file', () => {
    it('resolves duplicates and removals: first add wins, a remove drops the adds before it', async () => {
      const path = listPath();
      writeFileSync(
        path,
        [
          { op: 'add', email: 'a@example.com', subscribedAt: '2030-01-01T00:00:01Z', consent: true },
          { op: 'add', email: 'a@example.com', subscribedAt: '2030-01-01T00:00:02Z', consent: false },
          { op: 'add', email: 'b@example.com', subscribedAt: '2030-01-01T00:00:03Z', consent: true },
          { op: 'remove', email: 'a@example.com' },
          { op: 'add', email: 'a@example.com', subscribedAt: '2030-01-01T00:00:04Z', consent: true },
          { op: 'add', email: 'c@example.com', subscribedAt: '2030-01-01T00:00:05Z', consent: true },
          { op: 'add', email: 'c@example.com', subscribedAt: '2030-01-01T00:00:06Z', consent: false },
          { op: 'remove', email: 'nobody@example.com' },
        ]
          .map(line)
          .join(''),
      );
      const { store, warnings } = open(path);
      const listed: Subscriber[] = [];
      for await (const entry of store.list()) listed.push(entry);
      expect(listed).toEqual([
        { email: 'b@example.com', subscribedAt: '2030-01-01T00:00:03.000Z', consent: true },
        { email: 'a@example.com', subscribedAt: '2030-01-01T00:00:04.000Z', consent: true },
        { email: 'c@example.com', subscribedAt: '2030-01-01T00:00:05.000Z', consent: true },
      ]);
      expect(warnings).toEqual([]);
    });

    it('skips a corrupt line, reports it once with its place, and keeps going', async () => {
      const path = listPath();
      writeFileSync(
        path,
        line({ op: 'add', email: 'a@example.com', subscribedAt: '2030-01-01T00:00:01Z', consent: true }) +
          'garbage{\n' +
          line({ op: 'add', email: 'b@example.com', subscribedAt: '2030-01-01T00:00:02Z', consent: true }),
      );
      const { store, warnings } = open(path);
      expect(await store.count()).toBe(2);
      expect(await store.count()).toBe(2);
      await store.add(subscriber('c@example.com'));
      expect(await emails(store)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_INVALID');
      expect(warnings[0]?.message).toContain(
        `byte ${Buffer.byteLength(readFileSync(path, 'utf8').split('\n')[0] ?? '') + 1} of the subscriber file ${path}`,
      );
    });

    it('skips a line torn by a crash, and starts the next write on a fresh line', async () => {
      const path = listPath();
      const { store, warnings } = open(path);
      await store.add(subscriber('a@example.com'));
      appendFileSync(path, '{"op":"add","email":"torn@exam'); // a writer died mid-line
      expect(await store.count()).toBe(1);
      expect(warnings).toEqual([]); // unfinished, not yet known to be corrupt
      await store.add(subscriber('b@example.com'));
      expect(await emails(store)).toEqual(['a@example.com', 'b@example.com']);
      expect(warnings).toHaveLength(1);
      // A store reading the file from the start agrees, and warns once too.
      const fresh = open(path);
      expect(await emails(fresh.store)).toEqual(['a@example.com', 'b@example.com']);
      expect(fresh.warnings).toHaveLength(1);
    });

    it('skips bytes that are not UTF-8, and lines of 10 KB and 200 KB (longer than a read) without parsing them', async () => {
      const path = listPath();
      const good = line({ op: 'add', email: 'a@example.com', subscribedAt: '2030-01-01T00:00:01Z', consent: true });
      // Valid JSON events, so only the length check can refuse them.
      const padded = (size: number): string =>
        line({ op: 'add', email: 'x@example.com', subscribedAt: '2030-01-01T00:00:01Z', consent: true, pad: 'p'.repeat(size) });
      writeFileSync(
        path,
        Buffer.concat([Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from(padded(10_000)), Buffer.from(padded(200_000)), Buffer.from(good)]),
      );
      const { store, warnings } = open(path);
      expect(await emails(store)).toEqual(['a@example.com']);
      expect(warnings.map((warning) => warning.message)).toEqual([
        expect.stringContaining('byte 0 '),
        expect.stringMatching(/byte 3 .*longer than 4096 bytes/),
        expect.stringMatching(/longer than 4096 bytes/),
      ]);
      await store.add(subscriber('b@example.com'));
      expect(await open(path).store.count()).toBe(2);
    });

    it('waits for a line that is being written in pieces longer than a read', async () => {
      const path = listPath();
      const { store, warnings } = open(path);
      await store.add(subscriber('a@example.com'));
      appendFileSync(path, 'x'.repeat(100_000)); // unfinished, and already over the limit
      expect(await store.count()).toBe(1);
      appendFileSync(path, `${'y'.repeat(100_000)}\n`);
      await store.add(subscriber('b@example.com'));
      expect(await emails(store)).toEqual(['a@example.com', 'b@example.com']);
      expect(warnings).toHaveLength(1);
    });

    it('reads only what was appended since its last read', async () => {
      const path = listPath();
      const { store, warnings } = open(path);
      await store.add(subscriber('a@example.com'));
      await store.add(subscriber('b@example.com'));
      expect(await store.count()).toBe(2);
      // Damage the first line in place (same size, same inode): a store that re-read it would lose "a".
      const fd = openSync(path, 'r+');
      writeSync(fd, 'X', 2);
      closeSync(fd);
      appendFileSync(path, line({ op: 'add', email: 'c@example.com', subscribedAt: '2030-01-01T00:00:09Z', consent: true }));
      expect(await store.count()).toBe(3);
      expect(warnings).toEqual([]);
      // A new store reads the whole file and sees the damage.
      const fresh = open(path);
      expect(await fresh.store.count()).toBe(2);
      expect(fresh.warnings).toHaveLength(1);
    });

    it('starts over when the file is replaced or truncated behind its back', async () => {
      const path = listPath();
      const { store } = open(path);
      await store.add(subscriber('a@example.com'));
      await store.add(subscriber('b@example.com'));
      writeFileSync(`${path}.new`, line({ op: 'add', email: 'z@example.com', subscribedAt: '2030-01-01T00:00:09Z', consent: true }));
      renameSync(`${path}.new`, path);
      expect(await emails(store)).toEqual(['z@example.com']);
      writeFileSync(path, '');
      expect(await store.count()).toBe(0);
      rmSync(path);
      expect(await store.count()).toBe(0);
    });

    it('lists a snapshot of copies: the caller may add while iterating, and cannot change the list', async () => {
      const { store } = open(listPath());
      await store.add(subscriber('a@example.com'));
      await store.add(subscriber('b@example.com'));
      const seen: string[] = [];
      for await (const entry of store.list()) {
        seen.push(entry.email);
        entry.email = 'changed@example.com';
        await store.add(subscriber(`late-${seen.length}@example.com`));
      }
      expect(seen).toEqual(['a@example.com', 'b@example.com']);
      expect(await emails(store)).toEqual(['a@example.com', 'b@example.com', 'late-1@example.com', 'late-2@example.com']);
    });

    it('refuses a directory at the path as unavailable', async () => {
      const path = listPath();
      mkdirSync(path);
      const { store } = open(path);
      const error = await rejection(store.count());
      expect(error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE');
      expect(error.message).toContain(path);
    });
  });

  describe('compact', () => {
    it('rewrites the file without removed addresses, duplicates and corrupt lines', async () => {
      const path = listPath();
      const { store } = open(path);
      await store.add(subscriber('gone@example.com'));
      await store.add(subscriber('a@example.com'));
      await store.add(subscriber('b@example.com'));
      await store.remove('gone@example.com');
      appendFileSync(
        path,
        line({ op: 'add', email: 'a@example.com', subscribedAt: '2030-01-01T00:00:00Z', consent: false }) + 'junk\n' + '{"torn',
      );
      expect(readFileSync(path, 'utf8')).toContain('gone@example.com');

      expect(await store.compact()).toEqual({ subscribers: 2, droppedLines: 5 });
      const text = readFileSync(path, 'utf8');
      expect(text).not.toContain('gone@example.com');
      expect(
        text
          .trim()
          .split('\n')
          .map((entry) => (JSON.parse(entry) as { email: string }).email),
      ).toEqual(['a@example.com', 'b@example.com']);
      expect(await emails(store)).toEqual(['a@example.com', 'b@example.com']);
      expect(readdirSync(join(path, '..')).sort()).toEqual(['subscribers.jsonl']); // no temp file, no lock left
    });

    it('keeps the mode and owner of the file (a compaction by root must not lock the app out)', async () => {
      const path = listPath();
      const { store } = open(path);
      await store.add(subscriber('a@example.com'));
      await store.remove('a@example.com');
      chmodSync(path, 0o640);
      const isRoot = process.getuid?.() === 0;
      if (isRoot) chownSync(path, 65534, 65534);
      await store.compact();
      const info = statSync(path);
      expect(info.mode & 0o777).toBe(0o640);
      if (isRoot) expect([info.uid, info.gid]).toEqual([65534, 65534]);
    });

    it('leaves a file with nothing to drop alone, and an absent file absent', async () => {
      const path = listPath();
      const { store } = open(path);
      expect(await store.compact()).toEqual({ subscribers: 0, droppedLines: 0 });
      expect(readdirSync(join(path, '..'))).toEqual([]);
      await store.add(subscriber('a@example.com'));
      const before = statSync(path).ino;
      expect(await store.compact()).toEqual({ subscribers: 1, droppedLines: 0 });
      expect(statSync(path).ino).toBe(before);
    });

    it('is followed by another store holding an index of the old file', async () => {
      const path = listPath();
      const a = open(path).store;
      const b = open(path).store;
      await a.add(subscriber('a@example.com'));
      await a.add(subscriber('b@example.com'));
      await a.remove('a@example.com');
      expect(await b.count()).toBe(1);
      await a.compact();
      expect(await b.add(subscriber('a@example.com'))).toBe('added');
      expect(await b.add(subscriber('b@example.com'))).toBe('exists');
      expect(await emails(a)).toEqual(['b@example.com', 'a@example.com']);
    });
  });

  describe('claimLaunch', () => {
    it('is true once per launch id, for every store on the file, and leaves a marker next to the list', async () => {
      const path = listPath();
      const a = open(path).store;
      const b = open(path).store;
      const results = await Promise.all([a, b, a, b, a, b].map((store) => store.claimLaunch('2030-01-01T00:00:00Z')));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await a.claimLaunch('2030-01-01T00:00:00Z')).toBe(false);
      expect(await b.claimLaunch('another launch')).toBe(true);
      const markers = readdirSync(join(path, '..')).filter((name) => name.startsWith('subscribers.jsonl.launch-'));
      expect(markers).toHaveLength(2);
      expect(markers.every((name) => /^subscribers\.jsonl\.launch-[0-9a-f]{16}$/.test(name))).toBe(true);
    });

    it.each([[''], ['x'.repeat(201)], [undefined], [42]])('refuses the launch id %j as invalid', async (id) => {
      const { store } = open(listPath());
      expect((await rejection(store.claimLaunch(id as string))).code).toBe('ERR_INTERMISSION_SUBSCRIBERS_INVALID');
    });
  });

  describe('options', () => {
    it.each([
      ['no options', undefined, 'needs an options object'],
      ['an empty path', { path: '' }, '`path`'],
      ['a path that is not a string', { path: 42 }, '`path`'],
      ['a negative lock timeout', { path: 'x', lockTimeout: -1 }, '`lockTimeout`'],
      ['a stale-lock age under a second', { path: 'x', staleLockAfter: 10 }, '`staleLockAfter`'],
      ['a warning handler that is not a function', { path: 'x', onWarning: 'log' }, '`onWarning`'],
    ])('refuses %s with a TypeError naming the option', (_name, options, message) => {
      expect(() => fileSubscriberStore(options as unknown as FileSubscriberStoreOptions)).toThrow(TypeError);
      expect(() => fileSubscriberStore(options as unknown as FileSubscriberStoreOptions)).toThrow(message);
    });

    it('takes an explicit undefined as the default', async () => {
      const store = fileSubscriberStore({ path: listPath(), lockTimeout: undefined, staleLockAfter: undefined, onWarning: undefined });
      expect(await store.add(subscriber('a@example.com'))).toBe('added');
      await store.close();
      expect(await store.count()).toBe(1); // close() releases nothing the next call needs
    });
  });
});
