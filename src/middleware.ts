import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchBypass } from './bypass/match.js';
import { resolveConfig } from './config/resolve.js';
import { IntermissionConfigError } from './errors.js';
import { createGate, type Gate, type Snapshot } from './gate.js';
import { createListener, type ExpressAppLike } from './listener.js';
import { handlePreview, isPreviewUrl } from './bypass/preview-endpoint.js';
import { keepPrivate } from './pages/private-responses.js';
import { writeGate } from './pages/respond.js';
import { createStateTracker } from './state/tracker.js';
import { TimeoutError, withTimeout } from './shared/timeout.js';
import { createUpgradeGate } from './upgrade.js';
import type { BypassInfo, BypassReason, IntermissionMiddleware, IntermissionOptions, Mode } from './types.js';

/** What Express adds to Node's request; read defensively so plain `node:http` requests work too. */
interface ExpressishRequest extends IncomingMessage {
  originalUrl?: string;
  ip?: string;
  app?: { get(setting: string): unknown };
}

interface ExpressishResponse extends ServerResponse {
  locals?: Record<string, unknown>;
}

type Closed = Exclude<Mode, 'off'>;

/** `res.locals.intermission` values, made once and frozen rather than allocated per request. */
const BYPASS_INFO = Object.fromEntries(
  (['maintenance', 'coming-soon'] as const).map((mode) => [
    mode,
    Object.fromEntries((['ip', 'path', 'cookie', 'custom'] as const).map((bypass) => [bypass, Object.freeze({ mode, bypass })])),
  ]),
) as Record<Closed, Record<BypassReason, Readonly<BypassInfo>>>;

/** A custom rule that has not answered by then counts as "no": a hung lookup must not hang the visitor. */
const BYPASS_TIMEOUT_MS = 2000;

/**
 * Creates the middleware. Reads and checks every option once, here: an invalid configuration throws
 * `IntermissionConfigError` listing every problem, and nothing is checked again per request.
 */
export function intermission(options?: IntermissionOptions): IntermissionMiddleware {
  const resolved = resolveConfig(options);
  if (!resolved.config) throw new IntermissionConfigError(resolved.issues);
  const config = resolved.config;
  const gate: Gate = createGate(config);
  // The store pushes state into the gate; requests only ever read what it pushed.
  const tracker = createStateTracker(gate, config, options?.store);
  const { rules, warnOnce } = gate;
  const { now: clock, previewPath, bypass, logger } = config;
  let proxyChecked = false;

  function letThrough(_req: ExpressishRequest, res: ExpressishResponse, next: (err?: unknown) => void, mode: Closed, reason: BypassReason): void {
    keepPrivate(res);
    if (res.locals) res.locals.intermission = BYPASS_INFO[mode][reason];
    logger.debug?.('Bypass granted', { code: 'bypass-granted', mode, reason });
    next();
  }

  function serve(req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void, snapshot: Snapshot, now: number): void {
    const mode = snapshot.mode as Closed;
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    // Writes are retried later rather than swallowed: webhooks and forms get 503 in both modes.
    const status = mode === 'maintenance' || !readOnly ? 503 : config.statusCode;
    const retryAfter = status === 503 ? snapshot.retryAfter : undefined;
    logger.debug?.('Gate served', { code: 'gate-served', mode, status });
    if (mode === 'coming-soon' && readOnly && gate.hasResolver) {
      gate.pagesForRequest(snapshot, req, now).then((set) => writeGate(req, res, set, status, retryAfter, gate.headers)).catch(next);
      return;
    }
    writeGate(req, res, gate.pages(snapshot, now), status, retryAfter, gate.headers);
  }

  /** Warns once about proxy setups that make an IP allow-list either useless or spoofable. */
  function checkProxy(req: ExpressishRequest): void {
    const trust = req.app?.get('trust proxy');
    if (trust === true) {
      warnOnce('WRN_INTERMISSION_TRUST_PROXY_ALL', '`trust proxy` is true, so any client can choose its req.ip with X-Forwarded-For and pass the IP allow-list; set it to your proxies (e.g. 1 or "loopback")');
      proxyChecked = true;
    } else if (!trust && req.headers['x-forwarded-for'] !== undefined) {
      warnOnce('WRN_INTERMISSION_FORWARDED_IGNORED', 'An X-Forwarded-For header arrived but `trust proxy` is off, so the IP allow-list sees the proxy\'s address; set app.set("trust proxy", …) to your proxies');
      proxyChecked = true;
    } else if (trust) {
      // Trusting named proxies is the sound setup: nothing more to watch for.
      proxyChecked = true;
    }
  }

  function intermissionMiddleware(req: ExpressishRequest, res: ExpressishResponse, next: (err?: unknown) => void): void {
    const now = clock();
    const snapshot = gate.snapshot(now);
    const url = req.originalUrl ?? req.url ?? '/';

    // 1. Open: hand over untouched (the preview path only redirects, so old links do not 404).
    if (snapshot.mode === 'off') {
      if (isPreviewUrl(url, previewPath)) return handlePreview(req, res, gate, url, now, false);
      return next();
    }

    // 2. Preview link: verify the token, set the bypass cookie, redirect.
    if (isPreviewUrl(url, previewPath)) return handlePreview(req, res, gate, url, now, true);

    // 3. Built-in bypass rules: allowed paths, admin IPs (req.ip honours `trust proxy`), signed cookie.
    if (!proxyChecked && rules.ips.size > 0) checkProxy(req);
    const facts = {
      url,
      // req.ip runs proxy-addr on every read: only pay for it when there are IP rules.
      ip: rules.ips.size > 0 ? (req.ip ?? req.socket.remoteAddress) : undefined,
      cookie: req.headers.cookie,
      strictRouting: req.app?.get('strict routing') === true,
    };
    const reason = matchBypass(rules, facts, now, snapshot.validAfter);
    if (reason) return letThrough(req, res, next, snapshot.mode, reason);
    // A bypass cookie that did not verify (forged, tampered, expired, revoked): worth a debug line.
    if (logger.debug && facts.cookie?.includes(config.cookie.name) && rules.cookies) {
      logger.debug('Bypass rejected', { code: 'bypass-rejected', via: 'cookie', mode: snapshot.mode });
    }

    // 4. No custom rule: answer with the gate.
    if (!bypass) return serve(req, res, next, snapshot, now);

    // 5. Custom rule, sync or async. Only `true` opens; a throw or rejection fails closed.
    const failed = (error: unknown): void => {
      warnOnce('WRN_INTERMISSION_BYPASS_FAILED', 'allow.bypass threw, rejected or timed out; the request got the gate', {
        error: error instanceof Error ? error.message : String(error),
      });
      serve(req, res, next, snapshot, now);
    };
    let verdict: ReturnType<typeof bypass>;
    try {
      verdict = bypass(req);
    } catch (error) {
      return failed(error);
    }
    if (typeof verdict === 'boolean') {
      return verdict ? letThrough(req, res, next, snapshot.mode, 'custom') : serve(req, res, next, snapshot, now);
    }
    withTimeout(verdict, BYPASS_TIMEOUT_MS, () => new TimeoutError(BYPASS_TIMEOUT_MS, 'allow.bypass'))
      .then((allowed: unknown) => (allowed === true ? letThrough(req, res, next, snapshot.mode as Closed, 'custom') : serve(req, res, next, snapshot, now)), failed)
      .catch(next);
  }

  return Object.assign(intermissionMiddleware, {
    close: tracker.close,
    ready: tracker.ready,
    status: tracker.status,
    listener: (app: ExpressAppLike) => createListener(gate, app),
    upgrade: createUpgradeGate(gate),
  });
}
