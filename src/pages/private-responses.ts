import type { ServerResponse } from 'node:http';
import onHeaders from 'on-headers';

/**
 * Keeps bypassed responses out of shared caches. A bypassed visitor sees the real site while it is
 * closed to everyone else, so no CDN or proxy may keep what they saw: `Cache-Control: private,
 * no-store`, `Vary: Cookie`, and no vendor caching headers, enforced as the headers go out, over
 * whatever the route, `express.static` or earlier middleware set.
 */

/** Headers that let a proxy or CDN keep a response even when `Cache-Control` says otherwise. */
const CDN_CACHE_NAMES = new Set(
  [
    'Expires',
    'Surrogate-Control',
    'CDN-Cache-Control',
    'Cloudflare-CDN-Cache-Control',
    'Vercel-CDN-Cache-Control',
    'Netlify-CDN-Cache-Control',
    'Edge-Control',
    'X-Accel-Expires',
  ].map((name) => name.toLowerCase()),
);
const GUARDED = new Set(['cache-control', 'vary', ...CDN_CACHE_NAMES]);

function enforcePrivate(res: ServerResponse): void {
  res.setHeader('Cache-Control', 'private, no-store');
  for (const name of res.getHeaderNames()) if (CDN_CACHE_NAMES.has(name)) res.removeHeader(name);
  const vary = res.getHeader('Vary');
  const current = Array.isArray(vary) ? vary.join(', ') : vary === undefined ? '' : String(vary);
  if (current.trim() !== '*' && !/(?:^|,)\s*cookie\s*(?:,|$)/i.test(current)) {
    res.setHeader('Vary', current ? `${current}, Cookie` : 'Cookie');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Express responses: one hook on the app's response prototype.

type WriteHead = (this: ServerResponse, statusCode: number, ...rest: unknown[]) => ServerResponse;

const privateResponses = new WeakSet<ServerResponse>();
const patchedPrototypes = new WeakSet<object>();

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

/**
 * Express gives every response the app's `response` object as prototype. A `writeHead` there runs
 * after every hook set later on the response itself (those wrap the inherited method), so enforcing
 * there needs no lock and adds no per-response properties, which are costly on Express's responses.
 * Other responses pay one WeakSet lookup.
 */
function patchPrototype(proto: object & { writeHead: WriteHead }): void {
  const inherited = proto.writeHead;
  const writeHead: WriteHead = function intermissionWriteHead(this: ServerResponse, statusCode, ...rest) {
    if (!privateResponses.has(this)) return inherited.call(this, statusCode, ...rest);
    const reason = typeof rest[0] === 'string' ? rest[0] : undefined;
    applyWriteHeadHeaders(this, reason === undefined ? rest[0] : rest[1]);
    enforcePrivate(this);
    return reason === undefined ? inherited.call(this, statusCode) : inherited.call(this, statusCode, reason);
  };
  Object.defineProperty(proto, 'writeHead', { value: writeHead, writable: true, configurable: true });
  patchedPrototypes.add(proto);
}

// ---------------------------------------------------------------------------------------------------------
// Other responses (no Express app): on-headers, plus a lock against hooks that run after ours.

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

function keepPrivateWithHook(res: ServerResponse): void {
  // Hooks run newest first, so only a hook already on this response can run after ours.
  const earlierHooks = Object.hasOwn(res, 'writeHead');
  onHeaders(res, function enforce(this: ServerResponse) {
    enforcePrivate(this);
    if (earlierHooks) lockCachingHeaders(this);
  });
}

/** Marks a bypassed response so it goes out private. `appResponse` is Express's `req.app.response`. */
export function keepPrivate(res: ServerResponse, appResponse: unknown): void {
  // The hook goes on the object every app's `response` inherits from (Express's own `res`), so it
  // also holds when the request is routed into a mounted sub-app, which swaps the prototype.
  const shared = appResponse !== null && typeof appResponse === 'object' && Object.getPrototypeOf(res) === appResponse
    ? (Object.getPrototypeOf(appResponse) as (object & { writeHead?: unknown }) | null)
    : null;
  // A hook already set on this response may hold writeHead from before the patch, and would skip
  // the enforcement: such responses take the hook path instead.
  if (shared !== null && typeof shared.writeHead === 'function' && !Object.hasOwn(appResponse as object, 'writeHead') && !Object.hasOwn(res, 'writeHead')) {
    if (!patchedPrototypes.has(shared)) patchPrototype(shared as object & { writeHead: WriteHead });
    privateResponses.add(res);
    return;
  }
  keepPrivateWithHook(res);
}
