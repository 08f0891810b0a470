import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import type { BypassRules, RequestFacts } from './match.js';
import { isSecureVia, type TrustFn } from './scheme.js';

/** What a request Express has not seen needs of the app: its settings (`trust proxy fn`, `strict routing`). */
export interface AppSettings {
  get(setting: string): unknown;
}

const NOTHING_TRUSTED: TrustFn = () => false;

/**
 * The bypass facts of a raw `node:http` request (the listener's fast path, an upgrade), read the way
 * Express reads them: the client address and the scheme follow the app's `trust proxy`, and are only
 * worked out when a rule needs them (IP rules; a bypass cookie in the header).
 */
export function rawRequestFacts(req: IncomingMessage, rules: BypassRules, cookieName: string, app: AppSettings | undefined): RequestFacts {
  // Read per request, so a later app.set('trust proxy', …) counts.
  const trust = (): TrustFn => (app?.get('trust proxy fn') as TrustFn | undefined) ?? NOTHING_TRUSTED;
  const cookie = req.headers.cookie;
  return {
    url: req.url ?? '/',
    ip: rules.ips.size > 0 ? proxyAddr(req, trust()) : undefined,
    cookie,
    // The bypass cookie's name is bound to the scheme, decided like Express's req.secure.
    secure: rules.cookies !== undefined && cookie?.includes(cookieName) === true && isSecureVia(req.socket, req.headers, trust()),
    strictRouting: app?.get('strict routing') === true,
  };
}
