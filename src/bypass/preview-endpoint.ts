import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gate } from '../gate.js';
import { previewNoticePage, type PreviewRefusal } from '../pages/fallback.js';
import { writeOwnHead } from '../pages/respond.js';
import { isCookiePath, serializeBypassCookie, signBypassCookie } from './bypass-cookie.js';
import { verifyPreviewToken } from './preview-token.js';
import { safeNext } from './safe-next.js';
import { isSecure } from './express-request.js';
import { forwardedProto } from './scheme.js';

/** Headers that keep the token out of referrers, caches and indexes. */
const PRIVATE = ['Cache-Control', 'no-store', 'Referrer-Policy', 'no-referrer', 'X-Robots-Tag', 'noindex'];

/**
 * `true` when `url` (path and query, as received) targets the preview endpoint. `mount` is the
 * gate's mount path (`req.baseUrl`, `''` at the root): the endpoint lives at `mount + previewPath`.
 * Compares in place, so a request pays no allocation for it.
 */
export function isPreviewUrl(url: string, previewPath: string, mount = ''): boolean {
  if (mount !== '' && !url.startsWith(mount)) return false;
  if (!url.startsWith(previewPath, mount.length)) return false;
  const next = url.charCodeAt(mount.length + previewPath.length);
  return Number.isNaN(next) || next === 0x3f; /* ? */
}

/**
 * Where a preview link sends its visitor: its `next`, kept only when it lies under the gate's mount
 * (the cookie is scoped to it, so anywhere else the visitor would meet another gate or no gate);
 * otherwise the mount's root. Checked again as a whole, so a mount path from the request can never
 * turn the target into another origin (`/\evil.example`).
 */
export function landingPath(next: string | undefined, mount: string): string {
  const target = safeNext(next) ?? '/';
  if (mount === '') return target;
  const under =
    target === mount ||
    (target.startsWith(mount) && (target.charCodeAt(mount.length) === 0x2f || target.charCodeAt(mount.length) === 0x3f));
  return safeNext(under ? target : `${mount}/`) ?? '/';
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
  writeOwnHead(res, status, [
    ...gate.headers.base,
    ...PRIVATE,
    'Content-Type',
    'text/html; charset=utf-8',
    'Content-Length',
    String(body.length),
  ]);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The preview link: verifies the token, sets the signed bypass cookie and sends the visitor on with
 * `303`. While the site is open it only redirects, so an old link never lands on a 404. `mount` is
 * the gate's mount path (`''` at the root): the cookie's `Path` and the redirect stay under it.
 */
export function handlePreview(
  req: IncomingMessage,
  res: ServerResponse,
  gate: Gate,
  url: string,
  now: number,
  closed: boolean,
  mount = '',
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    writeOwnHead(res, 405, ['Allow', 'GET, HEAD', ...PRIVATE, 'Content-Length', '0']);
    res.end();
    return;
  }
  const { ring } = gate;
  if (!ring || (mount !== '' && !isCookiePath(mount))) {
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
  const headers = ['Location', landingPath(verdict.next, mount), ...PRIVATE, 'Content-Length', '0'];
  if (closed) {
    const value = signBypassCookie(ring, now, now + gate.cookieMaxAgeMs);
    const secure = isSecure(req);
    if (!secure && forwardedProto(req.headers) === 'https') {
      // The visitor is on HTTPS at a proxy that Express does not trust: the cookie goes out without
      // `Secure` and `__Host-`, and will not open the site once `trust proxy` is fixed.
      gate.warnOnce(
        'WRN_INTERMISSION_PREVIEW_OVER_HTTP',
        'A preview link was opened over plain HTTP while X-Forwarded-Proto says https, so its cookie was set without Secure and __Host-; set app.set("trust proxy", …) to your TLS proxy',
      );
    }
    headers.push(
      'Set-Cookie',
      serializeBypassCookie(gate.config.cookie.name, value, {
        maxAgeSeconds: gate.config.cookie.maxAge,
        secure,
        nowMs: now,
        path: mount === '' ? '/' : mount,
      }),
    );
    gate.config.logger.info?.('Preview cookie issued', { code: 'bypass-granted', via: 'preview' });
  }
  writeOwnHead(res, 303, headers);
  res.end();
}
