/**
 * `req.ip` and `req.secure` without Express's getters, where that gives the same answer.
 *
 * Each getter reads `trust proxy fn` and, for `ip`, runs proxy-addr over an array it builds. On a
 * bypassed request that is a fifth of what the gate adds (bench/analysis.md). When the getters on the
 * request's prototype chain are Express's own (checked at the first request of each prototype, by the getters' source), the
 * answers follow from the socket and the app's `trust proxy` alone: with no `X-Forwarded-For`,
 * proxy-addr returns the socket's address whatever is trusted. An app that overrides `ip`, `protocol`
 * or `secure` (on `app.request` or on `express.request`, as Express documents) gets its getter read.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { field } from '../shared/field.js';
import { requestHeaders } from './request-headers.js';
import { forwardedProto, isSecureVia, socketIsTls, type TrustFn } from './scheme.js';

interface AppLike {
  get(setting: string): unknown;
}

/** Express 4 and 5's getters, comments and spacing removed. Express 4 reads `this.connection`, 5 `this.socket`. */
const EXPRESS_GETTERS: Record<'ip' | 'protocol' | 'secure', readonly string[]> = {
  ip: ["functionip(){vartrust=this.app.get('trustproxyfn');returnproxyaddr(this,trust);}"],
  protocol: ['socket', 'connection'].map(
    (from) =>
      `functionprotocol(){varproto=this.${from}.encrypted?'https':'http';vartrust=this.app.get('trustproxyfn');` +
      `if(!trust(this.${from}.remoteAddress,0)){returnproto;}` +
      `varheader=this.get('X-Forwarded-Proto')||protovarindex=header.indexOf(',')` +
      `returnindex!==-1?header.substring(0,index).trim():header.trim()}`,
  ),
  secure: ["functionsecure(){returnthis.protocol==='https';}"],
};

function normalized(source: string): string {
  return source.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, '');
}

/** Whether the first definition of `name` up the chain from `proto` is Express's own getter. */
function isExpressGetter(proto: object, name: keyof typeof EXPRESS_GETTERS): boolean {
  for (let level: object | null = proto; level !== null; level = Object.getPrototypeOf(level) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(level, name);
    if (!descriptor) continue;
    // A getter is only passed on, never called here; its source is read with Function.prototype's
    // own toString, so a getter cannot pass by carrying a toString of its own.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- not called, only read
    const getter = descriptor.get;
    return typeof getter === 'function' && EXPRESS_GETTERS[name].includes(normalized(Function.prototype.toString.call(getter)));
  }
  return false;
}

/** Per request prototype (an app's `app.request`): whether all three getters are Express's. */
const verdicts = new WeakMap<object, boolean>();
// The last prototype seen and its verdict: most processes have one app, and this skips the WeakMap.
let lastProto: object | null = null;
let lastVerdict = false;

/** Whether `ip`, `protocol` and `secure` of `req` are Express's own getters (exported for tests). */
export function hasExpressGetters(req: IncomingMessage): boolean {
  const proto = Object.getPrototypeOf(req) as object | null;
  if (proto === lastProto) return lastVerdict;
  if (proto === null) return false;
  let verdict = verdicts.get(proto);
  if (verdict === undefined) {
    verdict = isExpressGetter(proto, 'ip') && isExpressGetter(proto, 'protocol') && isExpressGetter(proto, 'secure');
    verdicts.set(proto, verdict);
  }
  lastProto = proto;
  lastVerdict = verdict;
  return verdict;
}

/** The app's compiled `trust proxy`, if the request has an Express app. */
function trustOf(req: IncomingMessage): TrustFn | undefined {
  const app = field(req as { app?: AppLike }, 'app');
  const trust = typeof app?.get === 'function' ? app.get('trust proxy fn') : undefined;
  return typeof trust === 'function' ? (trust as TrustFn) : undefined;
}

/**
 * `req.ip` (Express), else the socket's address (plain `node:http`). `headers` is `req.headers`, for a
 * caller that has read it already: on Express's request each read costs (shared/field.ts).
 */
export function clientIp(req: IncomingMessage, headers = requestHeaders(req)): string | undefined {
  // Read by key (shared/field.ts): this runs on every request of a gate with an IP allow-list.
  const socket = field(req, 'socket');
  if (headers['x-forwarded-for'] === undefined && hasExpressGetters(req)) return socket.remoteAddress;
  return (req as { ip?: string }).ip ?? socket.remoteAddress;
}

/**
 * Whether `req.secure` is the connection's own scheme, the same for every request on it: Express's
 * getters, and no `X-Forwarded-Proto` to consult (bypass/cookie-memo.ts relies on it).
 */
export function schemeIsConnections(req: IncomingMessage, headers: IncomingHttpHeaders): boolean {
  return headers['x-forwarded-proto'] === undefined && hasExpressGetters(req);
}

/** `req.secure` (Express), else TLS on the socket (plain `node:http`). `headers` as for `clientIp`. */
export function isSecure(req: IncomingMessage, headers = requestHeaders(req)): boolean {
  if (hasExpressGetters(req)) {
    // Without X-Forwarded-Proto, Express's answer is the socket's whatever `trust proxy` says: the
    // app and its setting are then not read (about 3,000 instructions, bench/analysis.md).
    if (forwardedProto(headers) === undefined) return socketIsTls(field(req, 'socket'));
    const trust = trustOf(req);
    if (trust) return isSecureVia(field(req, 'socket'), headers, trust);
  }
  const secure = (req as { secure?: unknown }).secure;
  return typeof secure === 'boolean' ? secure : (req.socket as { encrypted?: boolean }).encrypted === true;
}
