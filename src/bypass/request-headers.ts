import { IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { field } from '../shared/field.js';

/**
 * `req.headers`, read where that is cheap.
 *
 * Node keeps a request's parsed headers under its `kHeaders` symbol, behind a getter on
 * `IncomingMessage.prototype`. On an Express request that getter costs about 4,000 instructions
 * (found three prototypes up, then two reads of the field on an object whose hidden class is its
 * own, shared/field.ts); the field read by key costs a few hundred. The gate reads the headers on
 * every closed request with IP rules or a bypass cookie, so it reads the field when that gives what
 * the getter would: the symbol is found once, on a request of our own, and checked to be where the
 * getter keeps what it returns; the request must have no `headers` of its own and inherit Node's
 * getter unchanged (checked once per prototype); and the headers must have been read already (Node's
 * server reads them before any middleware runs). Anything else goes through the getter.
 */

type WithHeadersField = Record<symbol, IncomingHttpHeaders | null | undefined>;

/** Node's getter, as it was when this module loaded: a request whose chain holds another is read through it. */
// eslint-disable-next-line @typescript-eslint/unbound-method -- compared, never called here
const NODE_GETTER = Object.getOwnPropertyDescriptor(IncomingMessage.prototype, 'headers')?.get;

/** `kHeaders`, once found to hold what the getter returns; `null` when it does not (or is absent). */
let headersKey: symbol | null | undefined;

function findHeadersKey(): symbol | null {
  try {
    const req = new IncomingMessage(new Socket());
    const headers = req.headers;
    const key = Object.getOwnPropertySymbols(req).find((symbol) => symbol.description === 'kHeaders');
    return key !== undefined && (req as unknown as WithHeadersField)[key] === headers ? key : null;
  } catch {
    return null;
  }
}

/** Whether the first `headers` up the chain from `proto` is Node's getter (per prototype, remembered). */
const verdicts = new WeakMap<object, boolean>();
// The last prototype seen and its verdict: most processes have one app, and this skips the WeakMap.
let lastProto: object | null = null;
let lastVerdict = false;

function inheritsNodeGetter(proto: object | null): boolean {
  if (proto === lastProto) return lastVerdict;
  if (proto === null) return false;
  let verdict = verdicts.get(proto);
  if (verdict === undefined) {
    verdict = false;
    for (let level: object | null = proto; level !== null; level = Object.getPrototypeOf(level) as object | null) {
      const descriptor = Object.getOwnPropertyDescriptor(level, 'headers');
      if (!descriptor) continue;
      verdict = NODE_GETTER !== undefined && descriptor.get === NODE_GETTER;
      break;
    }
    verdicts.set(proto, verdict);
  }
  lastProto = proto;
  lastVerdict = verdict;
  return verdict;
}

/** `req.headers`: Node's field when that is the same object (see above), otherwise the getter. */
export function requestHeaders(req: IncomingMessage): IncomingHttpHeaders {
  if (headersKey === undefined) headersKey = findHeadersKey();
  if (headersKey !== null && !Object.hasOwn(req, 'headers') && inheritsNodeGetter(Object.getPrototypeOf(req) as object | null)) {
    const stored = field(req as unknown as WithHeadersField, headersKey);
    if (stored) return stored;
  }
  return field(req, 'headers');
}
