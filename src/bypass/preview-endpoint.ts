import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gate } from '../gate.js';
import { previewNoticePage, type PreviewRefusal } from '../pages/fallback.js';
import { writeOwnHead } from '../pages/respond.js';
import { serializeBypassCookie, signBypassCookie } from './bypass-cookie.js';
import { verifyPreviewToken } from './preview-token.js';
import { safeNext } from './safe-next.js';
import { forwardedProto, isSecure } from './scheme.js';

/** Headers that keep the token out of referrers, caches and indexes. */
const PRIVATE = ['Cache-Control', 'no-store', 'Referrer-Policy', 'no-referrer', 'X-Robots-Tag', 'noindex'];

/** `true` when `url` (path and query, as received) targets the preview endpoint. */
export function isPreviewUrl(url: string, previewPath: string): boolean {
  if (!url.startsWith(previewPath)) return false;
  const next = url.charCodeAt(previewPath.length);
  return Number.isNaN(next) || next === 0x3f /* ? */;
}

/** The `token` query parameter, only when it appears exactly once. */
function tokenOf(url: string): string | undefined {
  const query = url.indexOf('?');
  if (query === -1) return undefined;
  const tokens = new URLSearchParams(url.slice(query + 1)).getAll('token');
  return tokens.length === 1 ? tokens[0] : undefined;
}

function refuse(req: IncomingMessage, res: ServerResponse, gate: Gate, status: number, reason: PreviewRefusal): void {
  const body = Buffer.from(previewNoticePage(gate.language(req), reason));
  writeOwnHead(res, status, [...gate.headers.base, ...PRIVATE, 'Content-Type', 'text/html; charset=utf-8', 'Content-Length', String(body.length)]);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The preview link: verifies the token, sets the signed bypass cookie and sends the visitor on with
 * `303`. While the site is open it only redirects, so an old link never lands on a 404.
 */
export function handlePreview(req: IncomingMessage, res: ServerResponse, gate: Gate, url: string, now: number, closed: boolean): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    writeOwnHead(res, 405, ['Allow', 'GET, HEAD', ...PRIVATE, 'Content-Length', '0']);
    res.end();
    return;
  }
  const { ring } = gate;
  if (!ring) {
    refuse(req, res, gate, 404, 'disabled');
    return;
  }
  const verdict = verifyPreviewToken(ring, tokenOf(url), now);
  const validAfter = gate.snapshot(now).validAfter;
  if (!verdict.ok || verdict.issuedAt < validAfter) {
    const reason = verdict.ok ? 'revoked' : verdict.reason;
    gate.config.logger.info?.('Preview link rejected', { code: 'bypass-rejected', via: 'preview', reason });
    refuse(req, res, gate, 403, reason === 'expired' ? 'expired' : 'invalid');
    return;
  }
  const headers = ['Location', safeNext(verdict.next) ?? '/', ...PRIVATE, 'Content-Length', '0'];
  if (closed) {
    const value = signBypassCookie(ring, now, now + gate.cookieMaxAgeMs);
    const secure = isSecure(req);
    if (!secure && forwardedProto(req) === 'https') {
      // The visitor is on HTTPS at a proxy that Express does not trust: the cookie goes out without
      // `Secure` and `__Host-`, and will not open the site once `trust proxy` is fixed.
      gate.warnOnce('WRN_INTERMISSION_PREVIEW_OVER_HTTP', 'A preview link was opened over plain HTTP while X-Forwarded-Proto says https, so its cookie was set without Secure and __Host-; set app.set("trust proxy", …) to your TLS proxy');
    }
    headers.push('Set-Cookie', serializeBypassCookie(gate.config.cookie.name, value, {
      maxAgeSeconds: gate.config.cookie.maxAge,
      secure,
      nowMs: now,
    }));
    gate.config.logger.info?.('Preview cookie issued', { code: 'bypass-granted', via: 'preview' });
  }
  writeOwnHead(res, 303, headers);
  res.end();
}
