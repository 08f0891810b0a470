import { randomBytes } from 'node:crypto';
import { ServerResponse, type IncomingMessage } from 'node:http';
import { negotiateEncoding, negotiateFormat, type Encoding } from './negotiate.js';
import type { Body } from './body.js';
import { bodyFor, type PageSet } from './page-set.js';

/** Headers every gate response carries, computed once at start-up. */
export interface GateHeaders {
  /** Flat `[name, value, name, value…]`: security headers, `Cache-Control`, `Vary`, robots. */
  base: string[];
  /** The same with the CSP allowing a nonce; `NONCE` inside is replaced per response. */
  withNonce: (nonce: string) => string[];
}

/** Flat header lists per body, encoding, status and Retry-After: a handful per page set. */
const headerCache = new WeakMap<Body, Map<string, string[]>>();

function headersFor(body: Body, encoding: Encoding, status: number, retryAfter: string | undefined, base: string[]): string[] {
  let byKey = headerCache.get(body);
  if (!byKey) headerCache.set(body, (byKey = new Map<string, string[]>()));
  const key = `${encoding}|${status}|${retryAfter ?? ''}`;
  let headers = byKey.get(key);
  if (!headers) {
    headers = [...base, 'Content-Type', body.contentType, 'Content-Length', String(body.bytes(encoding).length)];
    if (encoding !== 'identity') headers.push('Content-Encoding', encoding);
    if (retryAfter !== undefined) headers.push('Retry-After', retryAfter);
    byKey.set(key, headers);
  }
  return headers;
}

/**
 * Writes the status line and headers with Node's own `writeHead`, not the instance's: middleware
 * mounted before the gate (express-session, cookie-session) patch it to add `Set-Cookie` or change
 * `Cache-Control` as headers go out, and none of that belongs on the gate. The cost: per-response
 * hooks such as morgan's `:response-time` do not see gate responses. Also clears what the host set
 * before the gate answered (session cookies, CORS, `X-Powered-By`).
 */
export function writeOwnHead(res: ServerResponse, status: number, headers: readonly string[]): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  ServerResponse.prototype.writeHead.call(res, status, headers as string[]);
}

/**
 * Writes one gate response from a prerendered page set. Shared by the middleware and the pre-router
 * listener, so both answer byte for byte the same.
 */
export function writeGate(
  req: IncomingMessage,
  res: ServerResponse,
  set: PageSet,
  status: number,
  retryAfter: string | undefined,
  headers: GateHeaders,
): void {
  if (res.headersSent) return;
  const body = bodyFor(set, negotiateFormat(req.headers.accept), status);
  const head = req.method === 'HEAD';
  if (body.nonceParts) {
    const nonce = randomBytes(16).toString('base64');
    const bytes = Buffer.from(body.nonceParts.join(nonce));
    const list = [...headers.withNonce(nonce), 'Content-Type', body.contentType, 'Content-Length', String(bytes.length)];
    if (retryAfter !== undefined) list.push('Retry-After', retryAfter);
    writeOwnHead(res, status, list);
    res.end(head ? undefined : bytes);
    return;
  }
  const encoding = negotiateEncoding(req.headers['accept-encoding']);
  // No validators and no 304s: every gate response is `no-store`, so no client keeps a copy to revalidate,
  // and conditional headers (If-None-Match, If-Modified-Since) get the full page with its real status.
  writeOwnHead(res, status, headersFor(body, encoding, status, retryAfter, headers.base));
  res.end(head ? undefined : body.bytes(encoding));
}
