import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import onHeaders from 'on-headers';
import { field } from '../shared/field.js';
import { headerMap } from './header-map.js';

/**
 * Keeps bypassed responses out of shared caches. A bypassed visitor sees the real site while it is
 * closed to everyone else, so no CDN or proxy may keep what they saw: `Cache-Control: private,
 * no-store`, `Vary: Cookie`, and no vendor caching headers, enforced as the headers go out, over
 * whatever the route, `express.static` or earlier middleware set.
 */

/** Headers that let a proxy or CDN keep a response even when `Cache-Control` says otherwise. */
const CDN_CACHE_NAMES = [
  'Expires',
  'Surrogate-Control',
  'CDN-Cache-Control',
  'Cloudflare-CDN-Cache-Control',
  'Vercel-CDN-Cache-Control',
  'Netlify-CDN-Cache-Control',
  'Edge-Control',
  'X-Accel-Expires',
].map((name) => name.toLowerCase());
const CDN_CACHE_HEADERS = new Set(CDN_CACHE_NAMES);
const GUARDED = new Set(['cache-control', 'vary', ...CDN_CACHE_NAMES]);
const VARY_COOKIE = /(?:^|,)\s*cookie\s*(?:,|$)/i;

/**
 * The common case, straight in Node's header map (header-map.ts): no `Vary` and no vendor header set,
 * so the two headers are simply put in. Returns false, having changed nothing, in any other case.
 */
function enforceInMap(res: ServerResponse): boolean {
  const map = headerMap(res);
  if (map === undefined || map.vary !== undefined) return false;
  for (const name of CDN_CACHE_NAMES) if (map[name] !== undefined) return false;
  map['cache-control'] = ['Cache-Control', 'private, no-store'];
  map.vary = ['Vary', 'Cookie'];
  return true;
}

function enforcePrivate(res: ServerResponse): void {
  if (enforceInMap(res)) return;
  // One pass over the names already set rather than a lookup per vendor header, and the methods read
  // by key (shared/field.ts): calls on an Express response are dear (bench/analysis.md).
  const setHeader = field(res, 'setHeader');
  const names = field(res, 'getHeaderNames').call(res);
  let hasVary = false;
  for (const name of names) {
    if (name === 'vary') hasVary = true;
    else if (CDN_CACHE_HEADERS.has(name)) res.removeHeader(name);
  }
  setHeader.call(res, 'Cache-Control', 'private, no-store');
  const vary = hasVary ? res.getHeader('Vary') : undefined;
  if (vary === undefined) {
    setHeader.call(res, 'Vary', 'Cookie');
    return;
  }
  const current = Array.isArray(vary) ? vary.join(', ') : String(vary);
  if (current.trim() !== '*' && !VARY_COOKIE.test(current)) setHeader.call(res, 'Vary', current ? `${current}, Cookie` : 'Cookie');
}

/** Applies the headers given to `writeHead` the way Node would, so enforcement can come after them. */
function applyWriteHeadHeaders(res: ServerResponse, headers: unknown): void {
  if (Array.isArray(headers)) {
    // Node's flat form `[name, value, name, value…]`: replaces earlier values, keeps duplicates.
    for (let i = 0; i + 1 < headers.length; i += 2) res.removeHeader(String(headers[i]));
    for (let i = 0; i + 1 < headers.length; i += 2) res.appendHeader(String(headers[i]), headers[i + 1] as string);
  } else if (headers !== null && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value as string);
  }
}

type WriteHead = (this: ServerResponse, statusCode: number, reason?: unknown, headers?: unknown) => ServerResponse;

/** `writeHead` of a bypassed response: Node's reading of the arguments, then the enforcement, then `inherited`. */
function writePrivate(res: ServerResponse, inherited: WriteHead, statusCode: number, reason: unknown, headers: unknown): ServerResponse {
  // A string is the reason phrase; otherwise the headers may come second.
  const hasReason = typeof reason === 'string';
  applyWriteHeadHeaders(res, hasReason ? headers : (headers ?? reason));
  enforcePrivate(res);
  return hasReason ? inherited.call(res, statusCode, reason) : inherited.call(res, statusCode);
}

// ---------------------------------------------------------------------------------------------------------
// Express responses: one hook per app, on its own `app.response`, and a mark per response.

/**
 * Marking a bypassed response. Not a property on the response: Express swaps each response's
 * prototype, and V8 then builds a new hidden class for every property added to it (about 5 µs each).
 * Not a WeakSet entry either, on the common path: an entry per request cost about 5% of a bypassed
 * request in the benchmark (bench/analysis.md), mostly in the garbage collector. The mark sits on the
 * connection instead, which serves one request at a time: the socket holds the response until its
 * headers go out, and the hook compares identities, so a stale mark (a response that never wrote)
 * can only make a later response fall back to the WeakSet, never make another response private or
 * public. That holds where one socket carries several responses at once as well (pipelined requests,
 * HTTP/2's compatibility layer, whose streams write through to the session's socket): the first
 * holds the mark, the others take the WeakSet, as do requests without a socket.
 */
const PENDING = Symbol('intermission.private-response');
type MarkedSocket = { [PENDING]?: ServerResponse | null };
const privateResponses = new WeakSet<ServerResponse>();

function markPrivate(res: ServerResponse): void {
  // The socket the response writes through: one read here and one in the hook (`res.req.socket` would
  // be two there). It is null while a pipelined response waits for the one before it: the WeakSet then.
  const socket = field(res, 'socket') as (Socket & MarkedSocket) | null | undefined;
  if (socket && !socket[PENDING]) socket[PENDING] = res;
  else privateResponses.add(res);
}

/** Whether `res` was marked; a mark held by its socket is released (set to null: the socket keeps its shape). */
function takePrivateMark(res: ServerResponse): boolean {
  const socket = field(res, 'socket') as (Socket & MarkedSocket) | null | undefined;
  if (socket && socket[PENDING] === res) {
    socket[PENDING] = null;
    return true;
  }
  return privateResponses.has(res);
}
/** The `app.response` objects that carry the hook, each with its hook (to notice one replaced since). */
const hookedAppResponses = new WeakMap<object, WriteHead>();
/** The hook the last walk up a response's chain ended at (most processes have one app). */
let lastHook: WriteHead | undefined;

/**
 * Express gives every response its app's `response` object as prototype, and a mounted sub-app's
 * `response` inherits from its parent's. A `writeHead` on the top app's `response` therefore reaches
 * every response of that app and its sub-apps, runs after every hook set later on a response (those
 * wrap the inherited method), and leaves every other app, and Express's shared prototype, untouched.
 * It looks up the next `writeHead` when called, so it follows a later change of the chain above it.
 * A response handed to a separate Express app that is not mounted (vhost, `other(req, res, next)`)
 * takes that app's prototype and leaves the hook: such an app needs its own gate.
 */
function hookAppResponse(appResponse: object): void {
  const writeHead = function intermissionWriteHead(
    this: ServerResponse,
    statusCode: number,
    reason?: unknown,
    headers?: unknown,
  ): ServerResponse {
    const inherited = (Object.getPrototypeOf(appResponse) as { writeHead: WriteHead }).writeHead;
    if (!takePrivateMark(this)) {
      // Passed on as called, without rest arguments (an array per response): Node reads a trailing
      // undefined as absent.
      if (headers !== undefined) return inherited.call(this, statusCode, reason, headers);
      return reason === undefined ? inherited.call(this, statusCode) : inherited.call(this, statusCode, reason);
    }
    return writePrivate(this, inherited, statusCode, reason, headers);
  };
  Object.defineProperty(appResponse, 'writeHead', { value: writeHead, writable: true, configurable: true, enumerable: false });
  hookedAppResponses.set(appResponse, writeHead);
}

/**
 * Hooks the top app of the response's chain (the gate may sit in a sub-app whose requests go back to
 * the parent's routes). Returns false where a hook there might not run: a `writeHead` of someone
 * else's on the response or on the chain, which may hold the method from before ours, or a response
 * that is not Express's.
 */
function hookTopApp(res: ServerResponse): boolean {
  // The common case in one read: the method the response would call is the hook set last. The hook
  // then runs when the headers go out, whatever is set on the response later wraps it.
  if (lastHook !== undefined && field(res, 'writeHead') === lastHook) return true;
  if (Object.hasOwn(res, 'writeHead')) return false;
  let level: object | null = Object.getPrototypeOf(res) as object | null;
  // Express's `app.response` objects, and only they, carry their app as an own `app`.
  if (level === null || !Object.hasOwn(level, 'app')) return false;
  for (;;) {
    // Someone else's `writeHead`, or ours replaced after it was set (the app assigned its own since):
    // the response then gets a hook of its own, so the mark is never left for a hook that is gone.
    if (Object.hasOwn(level, 'writeHead') && (level as { writeHead?: unknown }).writeHead !== hookedAppResponses.get(level)) return false;
    const up = Object.getPrototypeOf(level) as object | null;
    if (up === null || !Object.hasOwn(up, 'app')) break;
    level = up;
  }
  if (!hookedAppResponses.has(level)) hookAppResponse(level);
  lastHook = hookedAppResponses.get(level);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Other responses: a hook on the response itself.

/**
 * A plain `node:http` response (no Express app): one shared function as its own `writeHead`, nothing
 * allocated. It calls whatever `writeHead` the prototype has when the headers go out.
 */
function privateWriteHead(this: ServerResponse, statusCode: number, reason?: unknown, headers?: unknown): ServerResponse {
  return writePrivate(this, (Object.getPrototypeOf(this) as { writeHead: WriteHead }).writeHead, statusCode, reason, headers);
}

/** Locks the caching headers once enforced, against a hook whose listener runs after ours. */
function lockCachingHeaders(res: ServerResponse): void {
  const setHeader = res.setHeader.bind(res);
  const removeHeader = res.removeHeader.bind(res);
  const appendHeader = res.appendHeader.bind(res);
  res.setHeader = (name, value) => (GUARDED.has(name.toLowerCase()) ? res : setHeader(name, value));
  res.removeHeader = (name) => {
    if (!GUARDED.has(name.toLowerCase())) removeHeader(name);
  };
  res.appendHeader = (name, value) => (GUARDED.has(name.toLowerCase()) ? res : appendHeader(name, value));
}

/**
 * A hook was already set on the response (middleware before the gate, e.g. express-session): ours
 * wraps it, its listener runs after ours, so the caching headers are locked once enforced.
 */
function keepPrivateAfterEarlierHook(res: ServerResponse): void {
  onHeaders(res, function enforce(this: ServerResponse) {
    enforcePrivate(this);
    lockCachingHeaders(this);
  });
}

/** Marks a bypassed response so it goes out private (Express or plain `node:http`). */
export function keepPrivate(res: ServerResponse): void {
  if (hookTopApp(res)) {
    markPrivate(res);
  } else if (!Object.hasOwn(res, 'writeHead')) {
    res.writeHead = privateWriteHead;
  } else if (res.writeHead !== privateWriteHead) {
    // Unless a gate before this one has already set ours (two gates in one app).
    keepPrivateAfterEarlierHook(res);
  }
}
