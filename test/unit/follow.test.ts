import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { createGate } from '../../src/gate.js';
import { absentMeans, createStateFollower, followStore } from '../../src/state/follow.js';
import type { IntermissionOptions, IntermissionStatus, LogDetails, Logger, StateStore, StoredState } from '../../src/types.js';

interface Line {
  level: string;
  message: string;
  details?: LogDetails;
}
function recordingLogger(): Logger & { lines: Line[]; codes: () => (string | undefined)[] } {
  const lines: Line[] = [];
  const record = (level: string) => (message: string, details?: LogDetails) => void lines.push({ level, message, details });
  return {
    lines,
    codes: () => lines.map((line) => line.details?.code),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}

const down: StoredState = { mode: 'maintenance', updatedAt: '2030-01-01T00:00:00.000Z', updatedBy: 'ops@host' };
const up: StoredState = { mode: 'off', updatedAt: '2030-01-01T01:00:00.000Z' };

/** A real store kept in memory: `get` reads `held` (or throws `failure`), and counts its reads. */
class MemoryStore implements StateStore {
  held: StoredState | null = null;
  failure: Error | undefined;
  reads = 0;
  inFlight = 0;
  maxInFlight = 0;
  closed = 0;
  /** Milliseconds each read takes (on the fake clock). */
  latency = 0;

  async get(): Promise<StoredState | null> {
    this.reads += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.latency > 0) await new Promise((done) => setTimeout(done, this.latency));
      if (this.failure) throw this.failure;
      return this.held;
    } finally {
      this.inFlight -= 1;
    }
  }

  close(): void {
    this.closed += 1;
  }
}

/** A memory store that pushes: `emit` and `fail` call the subscriber, as a real store's events would. */
class PushingStore extends MemoryStore {
  subscribers = 0;
  unsubscribed = 0;
  private onChange: ((state: StoredState | null) => void) | undefined;
  private onError: ((error: unknown) => void) | undefined;

  subscribe(onChange: (state: StoredState | null) => void, onError: (error: unknown) => void): () => void {
    this.subscribers += 1;
    this.onChange = onChange;
    this.onError = onError;
    return () => void (this.unsubscribed += 1);
  }

  emit(state: StoredState | null): void {
    this.held = state;
    this.onChange?.(state);
  }

  fail(error: Error): void {
    this.onError?.(error);
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('followStore', () => {
  describe('when the store cannot push', () => {
    it('reads once for ready, then polls every pollInterval, never with two reads in flight', async () => {
      const store = new MemoryStore();
      store.held = down;
      store.latency = 300; // slower than the interval
      const applied: (StoredState | null)[] = [];
      const following = followStore(store, (state) => applied.push(state), { logger: recordingLogger(), pollInterval: 100 });
      await vi.advanceTimersByTimeAsync(300);
      await following.ready;
      expect(applied).toEqual([down]);
      expect(store.reads).toBe(1);

      await vi.advanceTimersByTimeAsync(2000);
      // Each read starts pollInterval after the previous one ended: 2000 / (100 + 300) = 5.
      expect(store.reads).toBe(6);
      expect(store.maxInFlight).toBe(1);
      await following.close();
    });

    it('applies only a state that differs from the last one applied', async () => {
      const store = new MemoryStore();
      store.held = down;
      const applied: (StoredState | null)[] = [];
      const following = followStore(store, (state) => applied.push(state), { logger: recordingLogger(), pollInterval: 50 });
      await following.ready;
      await vi.advanceTimersByTimeAsync(500);
      expect(applied).toEqual([down]);
      store.held = { ...down }; // equal, not the same object
      await vi.advanceTimersByTimeAsync(100);
      expect(applied).toEqual([down]);
      store.held = up;
      await vi.advanceTimersByTimeAsync(100);
      expect(applied).toEqual([down, up]);
      await following.close();
    });

    it('applies nothing for a store empty from the start: the config already decides', async () => {
      const store = new MemoryStore();
      const applied: (StoredState | null)[] = [];
      const following = followStore(store, (state) => applied.push(state), { logger: recordingLogger(), pollInterval: 50 });
      await following.ready;
      await vi.advanceTimersByTimeAsync(200);
      expect(store.reads).toBeGreaterThan(1);
      expect(applied).toEqual([]);
      await following.close();
    });

    it('hands an absent state to the config (null), as any store but Redis', async () => {
      const store = new MemoryStore();
      expect(absentMeans(store)).toBe('config');
      store.held = down;
      const applied: (StoredState | null)[] = [];
      const following = followStore(store, (state) => applied.push(state), { logger: recordingLogger(), pollInterval: 50 });
      await following.ready;
      store.held = null;
      await vi.advanceTimersByTimeAsync(60);
      expect(applied).toEqual([down, null]);
      expect(following.failing).toBeUndefined();
      await following.close();
    });

    it('keeps the last state through an outage, logs it once, and its end once', async () => {
      const store = new MemoryStore();
      store.held = down;
      const logger = recordingLogger();
      const applied: (StoredState | null)[] = [];
      const following = followStore(store, (state) => applied.push(state), { logger, pollInterval: 50 });
      await following.ready;

      store.failure = new Error('disk on fire');
      await vi.advanceTimersByTimeAsync(500); // ten failed reads
      expect(following.failing).toBe('disk on fire');
      expect(logger.codes()).toEqual(['WRN_INTERMISSION_STORE_FAILED']);
      expect(logger.lines[0]?.message).toContain('disk on fire');
      expect(applied).toEqual([down]);

      store.failure = undefined; // back, with the same state: nothing new to apply
      await vi.advanceTimersByTimeAsync(60);
      expect(following.failing).toBeUndefined();
      expect(logger.codes()).toEqual(['WRN_INTERMISSION_STORE_FAILED', 'store-recovered']);
      expect(applied).toEqual([down]);

      store.failure = new Error('again');
      await vi.advanceTimersByTimeAsync(60);
      expect(logger.codes()).toEqual(['WRN_INTERMISSION_STORE_FAILED', 'store-recovered', 'WRN_INTERMISSION_STORE_FAILED']);
      await following.close();
    });

    it('is ready even when the first read fails, and never throws from ready', async () => {
      const store = new MemoryStore();
      store.failure = new Error('unreachable');
      const applied: (StoredState | null)[] = [];
      const following = followStore(store, (state) => applied.push(state), { logger: recordingLogger(), pollInterval: 50 });
      await expect(following.ready).resolves.toBeUndefined();
      expect(applied).toEqual([]);
      expect(following.failing).toBe('unreachable');
      await following.close();
    });

    it('close() stops polling, closes the store once, and is idempotent', async () => {
      const store = new MemoryStore();
      const following = followStore(store, () => {}, { logger: recordingLogger(), pollInterval: 50 });
      await following.ready;
      await Promise.all([following.close(), following.close()]);
      const reads = store.reads;
      await vi.advanceTimersByTimeAsync(1000);
      expect(store.reads).toBe(reads);
      expect(store.closed).toBe(1);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe('when the store pushes', () => {
    it('subscribes after the first read, never polls, and applies what it pushes', async () => {
      const store = new PushingStore();
      store.held = down;
      const applied: (StoredState | null)[] = [];
      const following = followStore(store, (state) => applied.push(state), { logger: recordingLogger(), pollInterval: 50 });
      await following.ready;
      expect(store.subscribers).toBe(1);
      await vi.advanceTimersByTimeAsync(1000);
      expect(store.reads).toBe(1);

      store.emit(down); // the first delivery of a subscription repeats the current state
      store.emit(up);
      store.emit(up);
      expect(applied).toEqual([down, up]);
      await following.close();
      expect(store.unsubscribed).toBe(1);
      store.emit(down); // after close: ignored
      expect(applied).toEqual([down, up]);
    });

    it("counts the store's onError as an outage, and the next push as its end", async () => {
      const store = new PushingStore();
      const logger = recordingLogger();
      const applied: (StoredState | null)[] = [];
      const following = followStore(store, (state) => applied.push(state), { logger, pollInterval: 50 });
      await following.ready;
      store.fail(new Error('connection lost'));
      store.fail(new Error('still lost'));
      expect(following.failing).toBe('still lost');
      store.emit(down);
      expect(following.failing).toBeUndefined();
      expect(logger.codes()).toEqual(['WRN_INTERMISSION_STORE_FAILED', 'store-recovered']);
      expect(applied).toEqual([down]);
      await following.close();
    });

    it('reports a subscribe() that throws as a failure, without crashing', async () => {
      const store = new MemoryStore() as MemoryStore & Pick<StateStore, 'subscribe'>;
      store.subscribe = () => {
        throw new Error('no pub/sub here');
      };
      const following = followStore(store, () => {}, { logger: recordingLogger(), pollInterval: 50 });
      await following.ready;
      expect(following.failing).toBe('no pub/sub here');
      await following.close();
    });
  });
});

describe('createStateFollower', () => {
  function follower(store: StateStore, options: IntermissionOptions = {}) {
    const logger = recordingLogger();
    const changes: [IntermissionStatus, IntermissionStatus][] = [];
    const resolved = resolveConfig({
      configFile: false,
      env: {},
      logger,
      now: () => Date.parse('2030-01-01T00:30:00.000Z'),
      pollInterval: 50,
      onChange: (current: IntermissionStatus, previous: IntermissionStatus) => void changes.push([current, previous]),
      store,
      ...options,
    });
    if (!resolved.config) throw new Error(JSON.stringify(resolved.issues));
    const gate = createGate(resolved.config);
    return { gate, logger, changes, follower: createStateFollower(gate, resolved.config) };
  }

  it('reports where the state came from: the config until the store holds one, then the store', async () => {
    const store = new MemoryStore();
    const { follower: f, changes } = follower(store, { mode: 'coming-soon' });
    await f.ready();
    expect(f.status()).toEqual({ mode: 'coming-soon', configuredMode: 'coming-soon', source: 'options' });
    store.held = { ...down, until: '2030-01-01T01:00:00Z', message: 'Upgrading' };
    await vi.advanceTimersByTimeAsync(60);
    expect(f.status()).toEqual({
      mode: 'maintenance',
      configuredMode: 'maintenance',
      source: 'store',
      message: 'Upgrading',
      until: '2030-01-01T01:00:00.000Z',
      updatedAt: down.updatedAt,
      updatedBy: 'ops@host',
    });
    expect(changes.map(([current, previous]) => [previous.mode, current.mode])).toEqual([['coming-soon', 'maintenance']]);
    store.held = null;
    await vi.advanceTimersByTimeAsync(60);
    expect(f.status()).toMatchObject({ mode: 'coming-soon', source: 'options' });
    await f.close();
  });

  it('shows a failing store in status().storeError while the last state stays', async () => {
    const store = new MemoryStore();
    store.held = down;
    const { follower: f } = follower(store);
    await f.ready();
    store.failure = new Error('gone');
    await vi.advanceTimersByTimeAsync(60);
    expect(f.status()).toMatchObject({ mode: 'maintenance', source: 'store', storeError: 'gone' });
    await f.close();
  });

  it('never moves a revocation back, even when a later state lost it', async () => {
    const store = new MemoryStore();
    store.held = { ...down, previewsValidAfter: '2030-01-01T00:10:00Z' };
    const { follower: f, gate } = follower(store);
    await f.ready();
    store.held = { ...down, updatedAt: '2030-01-01T00:20:00.000Z' };
    await vi.advanceTimersByTimeAsync(60);
    expect(f.status().updatedAt).toBe('2030-01-01T00:20:00.000Z');
    expect(f.status().previewsValidAfter).toBe('2030-01-01T00:10:00.000Z');
    expect(gate.state().previewsValidAfter).toBe(Date.parse('2030-01-01T00:10:00Z'));
    await f.close();
  });

  it('logs an onChange that throws, and keeps following', async () => {
    const store = new MemoryStore();
    const { follower: f, logger } = follower(store, {
      onChange: () => {
        throw new Error('hook bug');
      },
    });
    await f.ready();
    store.held = down;
    await vi.advanceTimersByTimeAsync(60);
    store.held = up;
    await vi.advanceTimersByTimeAsync(60);
    expect(f.status().mode).toBe('off');
    expect(logger.lines.filter((line) => line.details?.code === 'on-change-failed')).toHaveLength(2);
    await f.close();
  });
});
