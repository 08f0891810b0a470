import type { IpMatcher } from './ip-rules.js';
import type { PathMatcher } from './path-rules.js';
import type { CookieVerifier } from './bypass-cookie.js';
import { readCookie } from './cookie-header.js';
import type { BypassReason } from '../types.js';

/** The built-in bypass rules, compiled once at start-up. */
export interface BypassRules {
  paths: PathMatcher;
  ips: IpMatcher;
  /** `undefined` when no secret is configured: then no cookie is ever a bypass. */
  cookies: CookieVerifier | undefined;
  cookieNames: { plain: string; host: string };
}

/** What the rules look at, taken from the request by the caller. Nothing else of the request is read. */
export interface RequestFacts {
  /**
   * The URL Express is routing (`req.baseUrl + req.url` in the middleware, `req.url` before Express):
   * not `req.originalUrl`, which a rewrite before the gate (an SPA history fallback) leaves behind, so
   * an open path would hand the request to another handler.
   */
  url: string;
  /** `req.ip`: already resolved through the app's `trust proxy`. */
  ip: string | undefined;
  cookie: string | undefined;
  /** `req.secure` (HTTPS, directly or from a trusted proxy). Only read when a bypass cookie might be present. */
  secure?: boolean;
  /** The app's `strict routing`: with it on, `/healthz/` does not reach the `/healthz` route. */
  strictRouting?: boolean;
  /**
   * The connection already showed this `Cookie` header with a cookie these rules verified, still valid
   * now (cookie-memo.ts): the cookie counts without being read again.
   */
  cookieRemembered?: boolean;
}

/**
 * The bypass cookie's value in the request, unverified. Each name only on its own scheme, as the
 * preview endpoint sets them: `__Host-` on secure requests, the plain name on plain ones. A `__Host-`
 * cookie over plain HTTP was not set for this origin by us.
 */
export function bypassCookieValue(rules: BypassRules, request: RequestFacts): string | undefined {
  if (!request.cookie) return undefined;
  return readCookie(request.cookie, request.secure === true ? rules.cookieNames.host : rules.cookieNames.plain);
}

/**
 * Which built-in rule lets a request through a closed gate, if any. Pure: cheapest rules first,
 * and nothing from a request header other than the signed cookie takes part.
 */
export function matchBypass(
  rules: BypassRules,
  request: RequestFacts,
  now: number,
  validAfter: number,
): Exclude<BypassReason, 'custom'> | undefined {
  if (rules.paths.size > 0 && rules.paths.matches(request.url, request.strictRouting)) return 'path';
  if (rules.ips.size > 0 && rules.ips.matches(request.ip)) return 'ip';
  if (rules.cookies && request.cookie) {
    if (request.cookieRemembered === true) return 'cookie';
    const value = bypassCookieValue(rules, request);
    if (value !== undefined && rules.cookies.check(value, now, validAfter)) return 'cookie';
  }
  return undefined;
}
