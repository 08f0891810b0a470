/**
 * The StateStore contract, the same for every built-in store, on the real file store and a real
 * redis-server: `get()` is `null` when the store holds no state; a subscriber callback that throws is
 * logged once and never crashes nor stops the store; what "absent" means is decided by the follower.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { absentMeans, followStore } from '../../src/state/follow.js';
import { fileStore } from '../../src/state/stores/file-store.js';
import { redisStore } from '../../src/state/stores/redis-store.js';
import type { LogDetails, Logger, StateStore, StoredState } from '../../src/types.js';
import { describeRedis, startRedis } from '../helpers/redis-server.js';
import type { RedisServer } from '../helpers/redis-server.js';

interface Line {
  level: string;
  message: string;
  details?: LogDetails;
}
function logger(): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  const record = (level: string) => (message: string, details?: LogDetails) => void lines.push({ level, message, details });
  return { lines, info: record('info'), warn: record('warn'), error: record('error') };
}

let clock = Date.parse('2030-01-01T00:00:00Z');
function state(mode: StoredState['mode'], message?: string): StoredState {
  clock += 1000;
  return { mode, updatedAt: new Date(clock).toISOString(), ...(message !== undefined && { message }) };
}

/** One store under test, and the raw ways to change what it holds behind its back. */
interface Subject {
  store: StateStore;
  write(state: StoredState): Promise<void>;
  /** Removes the state: deletes the file, or the key. */
  remove(): Promise<void>;
  /** Writes something that is not a valid state (default: broken JSON) behind the store's back. */
  corrupt(value?: unknown): Promise<void>;
}
interface Kind {
  name: string;
  absent: 'config' | 'unknown';
  open(log: Logger): Promise<Subject>;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const fileKind: Kind = {
  name: 'file store',
  absent: 'config',
  open(log) {
    const dir = mkdtempSync(join(tmpdir(), 'intermission-contract-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'state.json');
    const store = fileStore(path, { interval: 10, logger: log });
    cleanups.push(() => store.close?.());
    return Promise.resolve({
      store,
      write: async (value) => store.set!(value),
      remove: () => Promise.resolve(rmSync(path, { force: true })),
      corrupt: (value) => Promise.resolve(writeFileSync(path, value === undefined ? '{"mode": "of' : JSON.stringify(value))),
    });
  },
};

let server: RedisServer | undefined;
let keys = 0;
const redisKind: Kind = {
  name: 'redis store',
  absent: 'unknown',
  async open(log) {
    const url = server!.url;
    const key = `contract-${++keys}`;
    const channel = `${key}:changed`;
    const store = redisStore({ url, key, channel, resyncInterval: 50, logger: log });
    const raw = createClient({ url });
    raw.on('error', () => {});
    await raw.connect();
    cleanups.push(() => raw.close());
    cleanups.push(() => store.close());
    return {
      store,
      write: (value) => store.set(value),
      remove: async () => {
        await raw.del(key);
      },
      corrupt: async (value) => {
        await raw.set(key, value === undefined ? '{"mode": "of' : JSON.stringify(value));
      },
    };
  },
};

function contract(kind: Kind): void {
  it('get() returns null when the store holds no state, the state once one is written, null once it is removed', async () => {
    const { store, write, remove } = await kind.open(logger());
    expect(await store.get()).toBeNull();
    const down = state('maintenance');
    await write(down);
    expect(await store.get()).toEqual(down);
    await remove();
    expect(await store.get()).toBeNull();
  });

  it.each(['message', 'updatedBy'])(
    'holds no state with a control character in %s: get() rejects it as invalid, set() refuses it',
    async (field) => {
      const { store, write, corrupt } = await kind.open(logger());
      await corrupt({ mode: 'maintenance', updatedAt: '2030-01-01T00:00:00Z', [field]: 'ok\u001b[2Jfaked' });
      await expect(store.get()).rejects.toMatchObject({
        code: 'ERR_INTERMISSION_STATE_INVALID',
        message: expect.stringContaining(`${field}: must not contain control characters`) as string,
      });
      for (const bad of ['\n', '\t', '\u0000', '\u007f', '\u0085']) {
        await expect(write({ ...state('maintenance'), [field]: `a${bad}b` })).rejects.toMatchObject({
          code: 'ERR_INTERMISSION_STATE_INVALID',
        });
      }
      await write(state('maintenance', 'Zurück um 18:00 — 🚧'));
      expect((await store.get())?.message).toBe('Zurück um 18:00 — 🚧');
    },
  );

  it('a throwing onChange is logged once, crashes nothing, and the store keeps delivering', async () => {
    const crashes = vi.fn();
    process.on('uncaughtException', crashes);
    process.on('unhandledRejection', crashes);
    cleanups.push(() => process.off('uncaughtException', crashes).off('unhandledRejection', crashes));
    const log = logger();
    const { store, write } = await kind.open(log);
    const seen: (StoredState | null)[] = [];
    await store.subscribe!(
      (value) => {
        seen.push(value);
        throw new Error('subscriber bug');
      },
      () => {},
    );
    const first = state('maintenance', 'first');
    await write(first);
    await vi.waitFor(() => expect(seen.at(-1)).toEqual(first), { timeout: 3000 });
    const second = state('off', 'second');
    await write(second);
    await vi.waitFor(() => expect(seen.at(-1)).toEqual(second), { timeout: 3000 });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    const failures = log.lines.filter((line) => line.details?.code === 'subscriber-failed');
    expect(failures).toEqual([
      {
        level: 'error',
        message: expect.stringContaining('onChange threw') as string,
        details: { code: 'subscriber-failed', error: 'subscriber bug' },
      },
    ]);
    expect(crashes).not.toHaveBeenCalled();
  });

  it('a throwing onError is logged once, crashes nothing, and the next good state is delivered', async () => {
    const crashes = vi.fn();
    process.on('uncaughtException', crashes);
    process.on('unhandledRejection', crashes);
    cleanups.push(() => process.off('uncaughtException', crashes).off('unhandledRejection', crashes));
    const log = logger();
    const { store, write, corrupt } = await kind.open(log);
    const seen: (StoredState | null)[] = [];
    let errors = 0;
    await store.subscribe!(
      (value) => void seen.push(value),
      () => {
        errors += 1;
        throw new Error('error handler bug');
      },
    );
    await corrupt();
    await vi.waitFor(() => expect(errors).toBeGreaterThanOrEqual(1), { timeout: 3000 });
    await write(state('off', 'fixed'));
    await vi.waitFor(() => expect(seen.at(-1)?.message).toBe('fixed'), { timeout: 3000 });
    expect(log.lines.filter((line) => line.details?.code === 'subscriber-failed')).toHaveLength(1);
    expect(log.lines[0]?.message).toContain('onError threw');
    expect(crashes).not.toHaveBeenCalled();
  });

  it(`absent means "${kind.absent}" to the follower, which decides it alone`, async () => {
    const log = logger();
    const { store, write, remove } = await kind.open(log);
    expect(absentMeans(store)).toBe(kind.absent);
    const applied: (StoredState | null)[] = [];
    const down = state('maintenance');
    await write(down);
    const following = followStore(store, (value) => applied.push(value), { logger: log, pollInterval: 50 });
    cleanups.push(() => following.close());
    await following.ready;
    await vi.waitFor(() => expect(applied).toEqual([down]));

    await remove();
    if (kind.absent === 'config') {
      await vi.waitFor(() => expect(applied).toEqual([down, null]), { timeout: 3000 });
      expect(following.failing).toBeUndefined();
    } else {
      // Unknown: the last known state stays, the outage is logged once and shows in `failing`.
      await vi.waitFor(() => expect(following.failing).toMatch(/does not exist/), { timeout: 3000 });
      await new Promise((done) => setTimeout(done, 200)); // a few resyncs, each finding no key
      expect(applied).toEqual([down]);
      expect(log.lines.filter((line) => line.details?.code === 'WRN_INTERMISSION_STORE_FAILED')).toHaveLength(1);
      // The same state written again ends the outage without applying anything new.
      await write(down);
      await vi.waitFor(() => expect(following.failing).toBeUndefined(), { timeout: 3000 });
      expect(applied).toEqual([down]);
      expect(log.lines.some((line) => line.details?.code === 'store-recovered')).toBe(true);
    }
  });
}

describe('the file store', () => contract(fileKind));

describeRedis('the redis store on a real redis-server', () => {
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  contract(redisKind);
});
