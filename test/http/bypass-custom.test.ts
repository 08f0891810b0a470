import type { IncomingMessage } from 'node:http';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BypassPredicate, IntermissionOptions } from '../../src/index.js';
import { createApp, expectHeaders, expectNoLeak, expressVersions, REAL_SITE, warningsWith, type ExpressFactory } from '../helpers/app.js';

const CUSTOM = { mode: 'maintenance', bypass: 'custom' };

function customApp(express: ExpressFactory, bypass: BypassPredicate, options: IntermissionOptions = {}) {
  return createApp(express, { mode: 'maintenance', ...options, allow: { ...options.allow, bypass } });
}

/** How long a custom rule may take (documented: 2 s), on the fake clock. */
const BYPASS_TIMEOUT_MS = 2000;

/** One turn of the event loop (setImmediate is never faked here): lets settled promises run on. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Fakes only the timers the middleware uses for its timeout, so sockets and supertest run for real
 * while the custom rule's clock moves only when the test says so.
 */
function fakeTimeoutClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
}

/** A custom rule that announces each call, then answers (or not) through `answer`. */
function announcingPredicate(answer: (req: IncomingMessage) => Promise<boolean>) {
  let announce: () => void = () => {};
  const predicate: BypassPredicate = (req) => {
    announce();
    return answer(req);
  };
  /** Resolves when the rule is next called: ask before sending the request. */
  const called = () => new Promise<void>((resolve) => (announce = resolve));
  return { predicate, called };
}

afterEach(() => {
  vi.useRealTimers();
});

describe.each(expressVersions)('%s', (_name, express) => {
  describe('allow.bypass', () => {
    describe('when the predicate is synchronous', () => {
      it('true lets the request through with bypass "custom" and private caching', async () => {
        const { app } = customApp(express, () => true);
        const res = await request(app).get('/whoami');
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ bypass: CUSTOM });
        const home = await request(app).get('/');
        expect(home.text).toContain(REAL_SITE);
        expectHeaders(home, { 'Cache-Control': 'private, no-store', Vary: /Cookie/ });
      });

      it('false answers with the gate', async () => {
        const { app } = customApp(express, () => false);
        const res = await request(app).get('/');
        expect(res.status).toBe(503);
        expectNoLeak(res);
      });

      it('sees the request: only requests with the header get through', async () => {
        const { app } = customApp(express, (req: IncomingMessage) => req.headers['x-staff'] === 'yes');
        expect((await request(app).get('/whoami').set('X-Staff', 'yes')).body).toEqual({ bypass: CUSTOM });
        expect((await request(app).get('/whoami').set('X-Staff', 'no')).status).toBe(503);
        expect((await request(app).get('/whoami')).status).toBe(503);
      });
    });

    describe('when the predicate is asynchronous', () => {
      it('resolving true lets the request through', async () => {
        const { app } = customApp(express, () => Promise.resolve(true));
        expect((await request(app).get('/whoami')).body).toEqual({ bypass: CUSTOM });
      });

      it('resolving false answers with the gate', async () => {
        const { app } = customApp(express, () => Promise.resolve(false));
        const res = await request(app).get('/');
        expect(res.status).toBe(503);
        expectNoLeak(res);
      });

      it('a predicate answering just before the timeout still decides, and leaves no timer behind', async () => {
        fakeTimeoutClock();
        const { predicate, called } = announcingPredicate(
          (req) => new Promise((resolve) => setTimeout(() => resolve(req.url === '/whoami'), BYPASS_TIMEOUT_MS - 1)),
        );
        const { app, logger } = customApp(express, predicate);
        for (const [path, expected] of [
          ['/whoami', 200],
          ['/', 503],
        ] as const) {
          const asked = called();
          const response = request(app)
            .get(path)
            .then((res) => res);
          await asked;
          await vi.advanceTimersByTimeAsync(BYPASS_TIMEOUT_MS - 1);
          const res = await response;
          expect(res.status).toBe(expected);
          if (expected === 200) expect(res.body).toEqual({ bypass: CUSTOM });
          // The rule's timer fired; the middleware's timeout was cleared, not left to fire later.
          expect(vi.getTimerCount()).toBe(0);
        }
        expect(warningsWith(logger, 'WRN_INTERMISSION_BYPASS_FAILED')).toHaveLength(0);
      });

      it('a predicate that never settles gives the gate after 2 s, not before, and warns', async () => {
        fakeTimeoutClock();
        const { predicate, called } = announcingPredicate(() => new Promise<boolean>(() => {}));
        const { app, logger } = customApp(express, predicate);
        const asked = called();
        let answered = false;
        const response = request(app)
          .get('/')
          .then((res) => ((answered = true), res));
        await asked;
        await vi.advanceTimersByTimeAsync(BYPASS_TIMEOUT_MS - 1);
        await turn();
        // The warning is logged before the gate is written: its absence means the timeout has not fired.
        expect(warningsWith(logger, 'WRN_INTERMISSION_BYPASS_FAILED')).toHaveLength(0);
        expect(answered).toBe(false);
        await vi.advanceTimersByTimeAsync(1);
        await turn();
        const warnings = warningsWith(logger, 'WRN_INTERMISSION_BYPASS_FAILED');
        expect(warnings).toHaveLength(1);
        expect(warnings[0]!.error).toBe(`allow.bypass took over ${BYPASS_TIMEOUT_MS} ms`);
        const res = await response;
        expect(res.status).toBe(503);
        expectNoLeak(res);
      });

      it('works in coming-soon mode and for writes', async () => {
        const { app } = customApp(express, () => Promise.resolve(true), { mode: 'coming-soon' });
        expect((await request(app).get('/whoami')).body).toEqual({ bypass: { mode: 'coming-soon', bypass: 'custom' } });
        expect((await request(app).post('/webhook')).text).toContain(REAL_SITE);
      });
    });

    describe('when the predicate fails', () => {
      it.each([
        [
          'throws',
          () => {
            throw new Error('session store down');
          },
        ],
        ['rejects', () => Promise.reject(new Error('session store down'))],
        [
          'rejects a few event-loop turns later',
          async () => {
            await turn();
            await turn();
            throw new Error('session store down');
          },
        ],
        [
          'throws a non-error',
          () => {
            // eslint-disable-next-line @typescript-eslint/only-throw-error
            throw 'nope';
          },
        ],
      ] as [string, BypassPredicate][])(
        '%s: the gate answers and WRN_INTERMISSION_BYPASS_FAILED is logged once',
        async (_label, predicate) => {
          const { app, logger } = customApp(express, predicate);
          for (let i = 0; i < 3; i++) {
            const res = await request(app).get('/');
            expect(res.status).toBe(503);
            expectNoLeak(res);
          }
          const warnings = warningsWith(logger, 'WRN_INTERMISSION_BYPASS_FAILED');
          expect(warnings).toHaveLength(1);
          expect(JSON.stringify(warnings[0])).not.toContain('    at ');
        },
      );
    });

    describe('when the predicate returns a truthy value that is not true', () => {
      it.each([['yes'], [1], [{}], [[]], ['true']])('%j answers with the gate (only true opens)', async (value) => {
        const { app: sync } = customApp(express, () => value as unknown as boolean);
        expect((await request(sync).get('/')).status).toBe(503);
        const { app: async } = customApp(express, () => Promise.resolve(value as unknown as boolean));
        expect((await request(async).get('/')).status).toBe(503);
      });

      it('a thenable resolving true is honoured', async () => {
        const thenable = { then: (resolve: (value: boolean) => void) => resolve(true) };
        const { app } = customApp(express, () => thenable as unknown as Promise<boolean>);
        expect((await request(app).get('/whoami')).body).toEqual({ bypass: CUSTOM });
      });
    });

    describe('when a built-in rule already lets the request through', () => {
      it('the predicate is not consulted', async () => {
        const predicate = vi.fn(() => false);
        const { app } = customApp(express, predicate, { allow: { ips: ['127.0.0.1'] } });
        expect((await request(app).get('/whoami')).body).toEqual({ bypass: { mode: 'maintenance', bypass: 'ip' } });
        expect((await request(app).get('/healthz')).text).toBe('ok');
        expect(predicate).not.toHaveBeenCalled();
      });
    });

    describe('when the site is open', () => {
      it('the predicate is not consulted', async () => {
        const predicate = vi.fn(() => true);
        const { app } = customApp(express, predicate, { mode: 'off' });
        expect((await request(app).get('/whoami')).body).toEqual({ bypass: null });
        expect(predicate).not.toHaveBeenCalled();
      });
    });
  });
});
