/**
 * Whether a request came over HTTPS, decided the way Express decides `req.secure`: TLS on the
 * socket, unless the peer is a trusted proxy, whose first `X-Forwarded-Proto` value then wins.
 * The bypass cookie's two names are bound to it (`__Host-` only on secure requests), and so is
 * the `Secure` flag of the cookie a preview link sets.
 */
import type { IncomingMessage } from 'node:http';

/** Express's compiled `trust proxy` (`app.get('trust proxy fn')`). */
export type TrustFn = (address: string, hop: number) => boolean;

function socketIsTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true;
}

/** The first value of `X-Forwarded-Proto`, trimmed, as Express reads it. */
export function forwardedProto(req: IncomingMessage): string | undefined {
  const header = req.headers['x-forwarded-proto'];
  if (typeof header !== 'string' || header === '') return undefined;
  const comma = header.indexOf(',');
  return (comma === -1 ? header : header.slice(0, comma)).trim();
}

/**
 * `req.secure` for a request Express has not seen (the listener), following the app's `trust proxy`
 * exactly as Express 4 and 5 do: an untrusted peer's `X-Forwarded-Proto` is ignored, a trusted
 * one's replaces the socket's scheme.
 */
export function isSecureVia(req: IncomingMessage, trust: TrustFn): boolean {
  if (!trust(req.socket.remoteAddress ?? '', 0)) return socketIsTls(req);
  const proto = forwardedProto(req);
  return proto === undefined ? socketIsTls(req) : proto === 'https';
}
