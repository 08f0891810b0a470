import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { matchBypass } from './bypass/match.js';
import type { Gate } from './gate.js';
import type { GateScope } from './bypass/mounts.js';
import { isPreviewUrl } from './bypass/preview-endpoint.js';
import { rawRequestFacts } from './bypass/raw-request.js';
import { writeGate } from './pages/respond.js';

/** What the listener needs of an Express app: to be called, and its compiled `trust proxy`. */
export interface ExpressAppLike {
  (req: IncomingMessage, res: ServerResponse): void;
  get(setting: string): unknown;
}

const MOUNTED = 'listener(app) only serves a gate mounted at the root, and this one is mounted below / (app.use(path, gate))';
const MOUNTED_FIX = 'Drop the listener, or mount the gate at the root and use `only` to close paths';

/**
 * The pre-router fast path: answers gated requests from the prerendered page before Express builds
 * its request and response objects, and hands every other request to the app unchanged. The app
 * keeps the middleware mounted: bypassed requests, preview links and resolver teasers are decided
 * there, by the same code, so both paths give the same answer.
 *
 * It sees every request, including those Express would never route to the middleware, so it only
 * answers once the middleware has shown it is mounted at the root: until a request has reached the
 * middleware, and for good once one arrives with a `req.baseUrl` (`app.use('/blog', gate)`), every
 * request goes to the app, and a mount below `/` is worth one warning.
 */
export function createListener(gate: Gate, app: ExpressAppLike, scope: GateScope): RequestListener {
  if (typeof app !== 'function' || typeof app.get !== 'function') {
    throw new TypeError('Intermission: listener(app) needs the Express app, e.g. http.createServer(gate.listener(app))');
  }
  const { rules, config } = gate;
  const { now: clock, previewPath } = config;
  const { mount, only } = scope;
  if (mount.belowRoot) throw new TypeError(`Intermission: ${MOUNTED}. ${MOUNTED_FIX}`);

  return function intermissionListener(req, res) {
    // Not known to be at the root: only the app knows which requests reach the gate.
    if (!mount.seen || mount.belowRoot) {
      if (mount.belowRoot)
        gate.warnOnce('WRN_INTERMISSION_LISTENER_MOUNTED', `${MOUNTED}; every request now goes to the app. ${MOUNTED_FIX}`);
      return app(req, res);
    }
    const now = clock();
    const snapshot = gate.snapshot(now);
    const url = req.url ?? '/';
    // Anything the middleware might let through, or answer differently, goes to the app.
    if (snapshot.mode === 'off' || config.bypass || isPreviewUrl(url, previewPath) || gate.signup?.matches(url)) return app(req, res);
    if (snapshot.mode === 'coming-soon' && gate.hasResolver) return app(req, res);
    if (only.size > 0 && !only.closes(url)) return app(req, res);
    if (matchBypass(rules, rawRequestFacts(req, rules, config.cookie.name, app), now, snapshot.validAfter)) return app(req, res);

    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    const status = snapshot.mode === 'maintenance' || !readOnly ? 503 : config.statusCode;
    writeGate(req, res, gate.pages(snapshot, now, req), status, status === 503 ? snapshot.retryAfter : undefined, gate.headers);
  };
}
