import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { matchBypass } from './bypass/match.js';
import type { Gate } from './gate.js';
import { isPreviewUrl } from './bypass/preview-endpoint.js';
import { rawRequestFacts } from './bypass/raw-request.js';
import { writeGate } from './pages/respond.js';

/** What the listener needs of an Express app: to be called, and its compiled `trust proxy`. */
export interface ExpressAppLike {
  (req: IncomingMessage, res: ServerResponse): void;
  get(setting: string): unknown;
}

/**
 * The pre-router fast path: answers gated requests from the prerendered page before Express builds
 * its request and response objects, and hands every other request to the app unchanged. The app
 * keeps the middleware mounted: bypassed requests, preview links and resolver teasers are decided
 * there, by the same code, so both paths give the same answer.
 */
export function createListener(gate: Gate, app: ExpressAppLike): RequestListener {
  if (typeof app !== 'function' || typeof app.get !== 'function') {
    throw new TypeError('Intermission: listener(app) needs the Express app, e.g. http.createServer(gate.listener(app))');
  }
  const { rules, config } = gate;
  const { now: clock, previewPath } = config;

  return function intermissionListener(req, res) {
    const now = clock();
    const snapshot = gate.snapshot(now);
    const url = req.url ?? '/';
    // Anything the middleware might let through, or answer differently, goes to the app.
    if (snapshot.mode === 'off' || config.bypass || isPreviewUrl(url, previewPath) || gate.signup?.matches(url)) return app(req, res);
    if (snapshot.mode === 'coming-soon' && gate.hasResolver) return app(req, res);
    if (matchBypass(rules, rawRequestFacts(req, rules, config.cookie.name, app), now, snapshot.validAfter)) return app(req, res);

    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    const status = snapshot.mode === 'maintenance' || !readOnly ? 503 : config.statusCode;
    writeGate(req, res, gate.pages(snapshot, now), status, status === 503 ? snapshot.retryAfter : undefined, gate.headers);
  };
}
