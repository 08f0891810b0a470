/**
 * Whether a request came over HTTPS, decided the way Express decides `req.secure`: TLS on the
 * socket, unless the peer is a trusted proxy, whose first `X-Forwarded-Proto` value then wins.
 * The bypass cookie's two names are bound to it (`__Host-` only on secure requests), and so is
 * the `Secure` flag of the cookie a preview link sets.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

/** Express's compiled `trust proxy` (`app.get('trust proxy fn')`). */
export type TrustFn = (address: string, hop: number) => boolean;

/** TLS on the socket itself. */
export function socketIsTls(socket: Socket): boolean {
  return (socket as { encrypted?: boolean }).encrypted === true;
}

/** The first value of `X-Forwarded-Proto`, trimmed, as Express reads it. */
export function forwardedProto(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-forwarded-proto'];
  if (typeof header !== 'string' || header === '') return undefined;
  const comma = header.indexOf(',');
  return (comma === -1 ? header : header.slice(0, comma)).trim();
}

/**
 * `req.secure` from the request's socket and headers, following the app's `trust proxy` exactly as
 * Express 4 and 5 do: an untrusted peer's `X-Forwarded-Proto` is ignored, a trusted one's replaces
 * the socket's scheme. Handed the two rather than the request, which the caller may read cheaper.
 */
export function isSecureVia(socket: Socket, headers: IncomingHttpHeaders, trust: TrustFn): boolean {
  if (!trust(socket.remoteAddress ?? '', 0)) return socketIsTls(socket);
  const proto = forwardedProto(headers);
  return proto === undefined ? socketIsTls(socket) : proto === 'https';
}
