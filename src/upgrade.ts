import type { IncomingMessage } from 'node:http';
import { Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { matchBypass } from './bypass/match.js';
import { coversUrl, type GateScope } from './bypass/mounts.js';
import { rawRequestFacts } from './bypass/raw-request.js';
import type { Gate, Snapshot } from './gate.js';
import { TimeoutError, withTimeout } from './shared/timeout.js';
import type { UpgradeOptions } from './types.js';

type AppLike = NonNullable<UpgradeOptions['app']>;
type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/** Same budget as the middleware's custom rule: a hung lookup must not hold sockets open. */
const BYPASS_TIMEOUT_MS = 2000;

const ignore = (): void => {};

function isApp(value: unknown): value is AppLike {
  return typeof value === 'function' && typeof (value as { get?: unknown }).get === 'function';
}

/**
 * Gates WebSocket (and other HTTP/1.1) upgrades, which never pass Express middleware. An `upgrade`
 * listener cannot keep later listeners from running, so the server's own `emit` is wrapped for that
 * one event: a refused upgrade gets a 503 and reaches no listener; any other event, and every
 * upgrade while the site is open or bypassed, is emitted unchanged. No listener is added, so a
 * server without upgrade listeners still hands upgrade requests to the app (and its middleware).
 */
export function createUpgradeGate(gate: Gate, scope: GateScope) {
  const { mount, only } = scope;
  const { rules, config, warnOnce } = gate;
  const { now: clock, logger } = config;
  const gated = new WeakSet<Server>();

  /** The HTTP/1.1 refusal, written straight to the socket: the same text the text/plain gate shows. */
  function refuse(socket: Duplex, snapshot: Snapshot, now: number): void {
    // Node removed its own 'error' listener when it handed the socket over: without one, a reset
    // while we write would crash the process.
    socket.on('error', ignore);
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = gate.pages(snapshot, now).text;
    const head =
      'HTTP/1.1 503 Service Unavailable\r\n' +
      `Content-Type: ${body.contentType}\r\n` +
      `Content-Length: ${body.identity.length}\r\n` +
      `Retry-After: ${snapshot.retryAfter}\r\n` +
      'Cache-Control: no-store\r\n' +
      'X-Content-Type-Options: nosniff\r\n' +
      'Connection: close\r\n\r\n';
    logger.debug?.('Upgrade refused', { code: 'upgrade-refused', mode: snapshot.mode });
    socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body.identity]), () => socket.destroy());
  }

  return function gateUpgrades<S extends Server>(server: S, options: UpgradeOptions = {}): S {
    if (!(server instanceof Server)) {
      throw new TypeError('Intermission: upgrade(server) needs the node:http or node:https server, e.g. gate.upgrade(app.listen(3000))');
    }
    const { app, bypass } = options;
    if (app !== undefined && !isApp(app))
      throw new TypeError('Intermission: upgrade(server, { app }) needs the Express app (a function with app.get)');
    if (bypass !== undefined && typeof bypass !== 'function')
      throw new TypeError('Intermission: upgrade(server, { bypass }) must be a function of the request');
    if (gated.has(server)) return server;
    gated.add(server);

    // The app whose `trust proxy` and `strict routing` apply: given, or the server's request
    // listener when that is an Express app (http.createServer(app), app.listen()).
    const appFor = (): AppLike | undefined => app ?? (server.listeners('request').find(isApp) as AppLike | undefined);

    const target = server as { emit: Emit };
    const emit = target.emit;

    function decide(req: IncomingMessage, socket: Duplex, pass: () => boolean): boolean {
      const now = clock();
      const snapshot = gate.snapshot(now);
      if (snapshot.mode === 'off') return pass();
      // Outside `only`, or outside the paths the gate is mounted on, the gate closes nothing.
      const url = req.url ?? '/';
      if (only.size > 0 && !only.closes(url)) return pass();
      if (!coversUrl(mount, url)) return pass();
      const host = appFor();
      const reason = matchBypass(rules, rawRequestFacts(req, rules, config.cookie.name, host), now, snapshot.validAfter);
      if (reason) {
        logger.debug?.('Bypass granted', { code: 'bypass-granted', mode: snapshot.mode, reason, upgrade: true });
        return pass();
      }
      if (!bypass) {
        refuse(socket, snapshot, now);
        return true;
      }
      const failed = (error: unknown): void => {
        warnOnce('WRN_INTERMISSION_BYPASS_FAILED', 'upgrade bypass threw, rejected or timed out; the upgrade was refused', {
          error: error instanceof Error ? error.message : String(error),
        });
        refuse(socket, snapshot, now);
      };
      // The caller's own rule for raw upgrade requests: only `true` opens; a throw fails closed.
      let verdict: ReturnType<typeof bypass>;
      try {
        verdict = bypass(req);
      } catch (error) {
        failed(error);
        return true;
      }
      if (typeof verdict === 'boolean') {
        if (verdict) return pass();
        refuse(socket, snapshot, now);
        return true;
      }
      // While the rule thinks, the socket is ours: keep a reset from crashing the process.
      socket.on('error', ignore);
      withTimeout(verdict, BYPASS_TIMEOUT_MS, () => new TimeoutError(BYPASS_TIMEOUT_MS, 'upgrade bypass')).then(
        (allowed: unknown) => {
          if (socket.destroyed) return;
          if (allowed !== true) return refuse(socket, snapshot, now);
          socket.off('error', ignore);
          pass();
        },
        (error: unknown) => (socket.destroyed ? undefined : failed(error)),
      );
      return true;
    }

    target.emit = function emitGated(this: S, event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'upgrade') return Reflect.apply(emit, this, [event, ...args]);
      const [req, socket] = args as [IncomingMessage, Duplex];
      return decide(req, socket, () => Reflect.apply(emit, this, [event, ...args]));
    };
    return server;
  };
}
