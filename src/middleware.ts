import type { IncomingMessage, ServerResponse } from 'node:http';
import { bypassCookieNames } from './bypass/bypass-cookie.js';
import { bypassCookieValue, matchBypass, type BypassRules } from './bypass/match.js';
import { recallCookie, rememberCookie } from './bypass/cookie-memo.js';
import { createMountRecord, noteMount } from './bypass/mounts.js';
import { compileOnlyPaths } from './bypass/only-paths.js';
import { resolveConfig } from './config/resolve.js';
import { IntermissionConfigError } from './errors.js';
import { createGate, type Gate, type Snapshot } from './gate.js';
import { createListener, type ExpressAppLike } from './listener.js';
import { handlePreview, isPreviewUrl } from './bypass/preview-endpoint.js';
import { clientIp, isSecure, schemeIsConnections } from './bypass/express-request.js';
import { requestHeaders } from './bypass/request-headers.js';
import { dependsOnStrictRouting } from './bypass/path-rules.js';
import type { TrustFn } from './bypass/scheme.js';
import { keepPrivate } from './pages/private-responses.js';
import { writeGate } from './pages/respond.js';
import { createStateFollower } from './state/follow.js';
import { field } from './shared/field.js';
import { TimeoutError, withTimeout } from './shared/timeout.js';
import { createUpgradeGate } from './upgrade.js';
import { createLaunchWatcher, type LaunchWatcher } from './signup/launch.js';
import type { BypassInfo, BypassReason, IntermissionMiddleware, IntermissionOptions, Mode } from './types.js';

/** What Express adds to Node's request; read defensively so plain `node:http` requests work too. */
interface ExpressishRequest extends IncomingMessage {
  originalUrl?: string;
  baseUrl?: string;
  ip?: string;
  secure?: boolean;
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
  const { signup } = gate;
  const onLaunch = config.signup?.onLaunch;
  let launches: LaunchWatcher | undefined;
  // The store pushes state into the gate; requests only ever read what it pushed. A change may be the launch.
  const follower = createStateFollower(
    gate,
    onLaunch
      ? {
          ...config,
          onChange: (status, previous) => {
            launches?.check();
            config.onChange?.(status, previous);
          },
        }
      : config,
  );
  if (signup && onLaunch) {
    launches = createLaunchWatcher({
      status: follower.status,
      now: config.now,
      onLaunch,
      store: () => signup.store(),
      logger: config.logger,
    });
  }
  const { rules, warnOnce } = gate;
  const { now: clock, previewPath, bypass, logger } = config;
  // Below `/` the cookie cannot be `__Host-` (which demands `Path=/`): it is `__Secure-` there.
  const mountedRules: BypassRules = { ...rules, cookieNames: bypassCookieNames(config.cookie.name, true) };
  const only = compileOnlyPaths(config.only).matcher;
  /** Where Express mounted this middleware, learnt from requests: the listener's fast path needs it. */
  const mount = createMountRecord();
  let proxyChecked = false;
  /**
   * Set when `trust proxy` was off and no X-Forwarded-For had come: until one comes there is nothing to
   * warn about, so requests skip the settings lookup (about 0.5 µs each, on every allowed request).
   */
  let proxyOffQuiet = false;
  /** Set while `trust proxy` names proxies: X-Forwarded-For from any other peer is worth one warning. */
  let watchUntrustedForwarders = false;

  function letThrough(res: ExpressishResponse, next: (err?: unknown) => void, mode: Closed, reason: BypassReason): void {
    keepPrivate(res);
    const locals = field(res, 'locals');
    if (locals) locals.intermission = BYPASS_INFO[mode][reason];
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
      gate
        .pagesForRequest(snapshot, req, now)
        .then((set) => writeGate(req, res, set, status, retryAfter, gate.headers))
        .catch(next);
      return;
    }
    writeGate(req, res, gate.pages(snapshot, now, req), status, retryAfter, gate.headers);
  }

  /** Warns once about proxy setups that make an IP allow-list either useless or spoofable. */
  function checkProxy(req: ExpressishRequest): void {
    const trust = req.app?.get('trust proxy');
    if (trust === true) {
      warnOnce(
        'WRN_INTERMISSION_TRUST_PROXY_ALL',
        '`trust proxy` is true, so any client can choose its req.ip with X-Forwarded-For and pass the IP allow-list; set it to your proxies (e.g. 1 or "loopback")',
      );
      proxyChecked = true;
    } else if (!trust && req.headers['x-forwarded-for'] === undefined) {
      proxyOffQuiet = true;
    } else if (!trust) {
      warnOnce(
        'WRN_INTERMISSION_FORWARDED_IGNORED',
        'An X-Forwarded-For header arrived but `trust proxy` is off, so the IP allow-list sees the proxy\'s address; set app.set("trust proxy", …) to your proxies',
      );
      proxyChecked = true;
    } else if (typeof trust === 'number') {
      // A hop count trusts whichever peer connects, so a client reaching the app directly looks
      // exactly like the proxy: nothing in the request tells them apart (see docs/errors.md).
      proxyChecked = true;
    } else {
      // Named proxies (`loopback`, addresses, a function): sound, as long as only they send X-Forwarded-For.
      watchUntrustedForwarders = true;
      proxyChecked = true;
    }
  }

  /**
   * X-Forwarded-For from a peer `trust proxy` does not trust: Express ignored it, so the allow-list
   * saw the peer. Either the proxy is missing from `trust proxy`, or the app is reachable around it.
   * `req.ip` equals the peer only then (or when the client claims the proxy's own address), so the
   * trust function runs only on that rare path.
   */
  function checkForwarder(req: ExpressishRequest, ip: string | undefined): void {
    const peer = req.socket.remoteAddress;
    if (ip !== peer || peer === undefined || req.headers['x-forwarded-for'] === undefined) return;
    const trusts = req.app?.get('trust proxy fn') as TrustFn | undefined;
    if (typeof trusts !== 'function' || trusts(peer, 0)) return;
    watchUntrustedForwarders = false;
    warnOnce(
      'WRN_INTERMISSION_FORWARDED_IGNORED',
      'An X-Forwarded-For header arrived from a peer that `trust proxy` does not trust, so the IP allow-list sees that peer; add it to `trust proxy` if it is your proxy, or keep clients from reaching the app around the proxy',
      { peer },
    );
  }

  function intermissionMiddleware(req: ExpressishRequest, res: ExpressishResponse, next: (err?: unknown) => void): void {
    const now = clock();
    const snapshot = gate.snapshot(now);
    // Express's request is read by key here (`field`, see shared/field.ts): a bypassed request must
    // cost little more than an empty middleware.
    const reqUrl = field(req, 'url');
    // Preview links are answered here, whatever a rewrite before the gate did to req.url.
    const url = field(req, 'originalUrl') ?? reqUrl ?? '/';
    // The mount path (`app.use('/blog', gate)`): `''` at the root and outside Express.
    const baseUrl = field(req, 'baseUrl') ?? '';
    if (baseUrl !== '' || !mount.seen) noteMount(mount, baseUrl);

    // 0. The launch list's endpoint answers in every mode (410 once open) and never calls next().
    if (signup?.matches(url)) return signup.handle(req, res, snapshot.mode, now);

    // 1. Open: hand over untouched (the preview path only redirects, so old links do not 404).
    if (snapshot.mode === 'off') {
      if (isPreviewUrl(url, previewPath, baseUrl)) return handlePreview(req, res, gate, url, now, false, baseUrl);
      return next();
    }

    // 2. Preview link: verify the token, set the bypass cookie, redirect.
    if (isPreviewUrl(url, previewPath, baseUrl)) return handlePreview(req, res, gate, url, now, true, baseUrl);

    // Paths are matched on the URL being routed: a rewrite before the gate must not open another handler.
    const routed = baseUrl ? baseUrl + (reqUrl ?? '') : (reqUrl ?? '/');
    // 3. Outside `only`: untouched. Closed if either the routed or the original URL is (the safe side).
    if (only.size > 0 && !only.closes(routed) && (url === routed || !only.closes(url))) return next();

    // 4. Built-in bypass rules: allowed paths, admin IPs (req.ip honours `trust proxy`), signed cookie.
    const headers = requestHeaders(req);
    if (!proxyChecked && rules.ips.size > 0 && (!proxyOffQuiet || headers['x-forwarded-for'] !== undefined)) checkProxy(req);
    const active = baseUrl ? mountedRules : rules;
    const cookie = headers.cookie;
    // A cookie this connection showed before, while the scheme is the connection's (bypass/cookie-memo.ts).
    const steadyScheme = rules.cookies !== undefined && typeof cookie === 'string' && schemeIsConnections(req, headers);
    const socket = steadyScheme ? field(req, 'socket') : undefined;
    const cookieRemembered = steadyScheme && recallCookie(socket, cookie, active, now, snapshot.validAfter);
    const facts = {
      url: routed,
      // req.ip honours `trust proxy`; only read when there are IP rules.
      ip: rules.ips.size > 0 ? clientIp(req, headers) : undefined,
      cookie,
      cookieRemembered,
      // req.secure consults `trust proxy`: only when a bypass cookie may be there to bind to it.
      secure: !cookieRemembered && rules.cookies !== undefined && cookie?.includes(config.cookie.name) === true && isSecure(req, headers),
      // Only path rules read it, and only for a trailing slash: a settings lookup is not free.
      strictRouting: rules.paths.size > 0 && dependsOnStrictRouting(routed) && field(req, 'app')?.get('strict routing') === true,
    };
    if (watchUntrustedForwarders) checkForwarder(req, facts.ip);
    const reason = matchBypass(active, facts, now, snapshot.validAfter);
    if (reason === 'cookie' && steadyScheme && !cookieRemembered) rememberCookie(socket, cookie, active, bypassCookieValue(active, facts));
    if (reason) return letThrough(res, next, snapshot.mode, reason);
    // A bypass cookie that did not verify (forged, tampered, expired, revoked): worth a debug line.
    if (logger.debug && facts.cookie?.includes(config.cookie.name) && rules.cookies) {
      logger.debug('Bypass rejected', { code: 'bypass-rejected', via: 'cookie', mode: snapshot.mode });
    }

    // 5. No custom rule: answer with the gate.
    if (!bypass) return serve(req, res, next, snapshot, now);

    // 6. Custom rule, sync or async. Only `true` opens; a throw or rejection fails closed.
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
      return verdict ? letThrough(res, next, snapshot.mode, 'custom') : serve(req, res, next, snapshot, now);
    }
    withTimeout(verdict, BYPASS_TIMEOUT_MS, () => new TimeoutError(BYPASS_TIMEOUT_MS, 'allow.bypass'))
      .then(
        (allowed: unknown) =>
          allowed === true ? letThrough(res, next, snapshot.mode as Closed, 'custom') : serve(req, res, next, snapshot, now),
        failed,
      )
      .catch(next);
  }

  return Object.assign(intermissionMiddleware, {
    close: async (): Promise<void> => {
      launches?.close();
      await follower.close();
      await signup?.close();
    },
    ready: follower.ready,
    status: follower.status,
    listener: (app: ExpressAppLike) => createListener(gate, app, { mount, only }),
    upgrade: createUpgradeGate(gate, { mount, only }),
  });
}
