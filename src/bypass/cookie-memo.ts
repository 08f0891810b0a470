/**
 * The bypass cookie a connection last showed, remembered on that connection.
 *
 * A browser sends a page and its assets over a few keep-alive connections, each request with the same
 * `Cookie` header. The first request on a connection is checked in full: the scheme, the cookie read
 * out of the header, its value looked up or verified. The next ones compare the header with the one
 * remembered (one string comparison) and check the value again against the verifier's cache, whose
 * key is then the very string already hashed: about 8,000 instructions less a request
 * (bench/analysis.md, 2026-12-07).
 *
 * Sound because a hit stands for the same inputs the full check would read: the same connection (the
 * same TLS state and peer), the same header, no `X-Forwarded-Proto` then or now (so the scheme is the
 * connection's), Express's own `req.secure` (checked by the caller) and the same rules (the same gate,
 * mounted or not). Expiry, revocation and the cache's own bounds are checked on every hit by the
 * verifier. A connection shared by many clients (a proxy's pool) misses whenever the header changes.
 */
import type { BypassRules } from './match.js';

const MEMO = Symbol('intermission.bypass-cookie');

interface Memo {
  /** The rules that verified it: a gate's own, or its mounted variant. */
  readonly rules: BypassRules;
  /**
   * One entry: the whole `Cookie` header → the cookie's value in it. A Map rather than a comparison,
   * because the header holds someone's cookie: a Map compares the contents of two strings only when
   * their (seeded) hashes are equal, as the verifier's cache does, so a different header's answer
   * takes the same time however much of it matches.
   */
  readonly values: Map<string, string>;
}

type MemoHolder = { [MEMO]?: Memo };

/**
 * `true` when the connection remembers this very header for these rules and the cookie is still
 * valid. `socket` is the request's; anything but an object (no socket) never remembers.
 */
export function recallCookie(socket: unknown, header: string | undefined, rules: BypassRules, now: number, validAfter: number): boolean {
  if (typeof socket !== 'object' || socket === null || header === undefined) return false;
  const memo = (socket as MemoHolder)[MEMO];
  if (memo === undefined || memo.rules !== rules) return false;
  const value = memo.values.get(header);
  return value !== undefined && rules.cookies?.check(value, now, validAfter) === true;
}

/** Remembers on the connection that `header` carried `value`, a cookie `rules` just verified. */
export function rememberCookie(socket: unknown, header: string | undefined, rules: BypassRules, value: string | undefined): void {
  if (typeof socket !== 'object' || socket === null || header === undefined || value === undefined) return;
  (socket as MemoHolder)[MEMO] = { rules, values: new Map([[header, value]]) };
}
