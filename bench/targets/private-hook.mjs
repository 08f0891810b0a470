// For the hand-written bypass controls (bypass-required, bypass-ip-required): the response goes out
// private whatever the route set, `Cache-Control: private, no-store`, `Vary: Cookie` and no vendor
// caching headers, enforced as the headers go out by one hook on the app's own `app.response.writeHead`
// and a mark on the connection, as Intermission does it. Express's request and response are read by
// key (`field`), the cheaper way on them (src/shared/field.ts), the request's headers come from Node's
// field and the two headers go straight into Node's header map in the common case, as Intermission
// does, so the controls stay the least.

import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

const CDN_HEADERS = new Set(['expires', 'surrogate-control', 'cdn-cache-control', 'edge-control', 'x-accel-expires']);
/** The mark sits on the connection, which carries one response at a time (Intermission does the same). */
const MARK = Symbol('private');

/** `object[key]` with the key a variable: see src/shared/field.ts. */
export function field(object, key) {
  return object[key];
}

/** Node's field behind `req.headers` (src/bypass/request-headers.ts, without its checks for an app's own headers). */
const HEADERS = Object.getOwnPropertySymbols(new IncomingMessage(new Socket())).find((symbol) => symbol.description === 'kHeaders');

/** `req.headers` from Node's field when it is set, else through the getter. */
export function headersOf(req) {
  return (HEADERS && field(req, HEADERS)) || field(req, 'headers');
}

/** Marks `res` to go out private (its connection holds it until the headers go out). */
export function markPrivate(res) {
  field(res, 'socket')[MARK] = res;
}

/** Node's map of a response's headers (src/pages/header-map.ts), which the common case writes directly. */
const OUT_HEADERS = Object.getOwnPropertySymbols(new ServerResponse(new IncomingMessage(new Socket()))).find(
  (symbol) => symbol.description === 'kOutHeaders',
);

/** The common case in Node's map: no Vary, no vendor header. False, having changed nothing, otherwise. */
function enforceInMap(res) {
  const map = OUT_HEADERS && field(res, OUT_HEADERS);
  if (!map || map.vary !== undefined) return false;
  for (const name of CDN_HEADERS) if (map[name] !== undefined) return false;
  map['cache-control'] = ['Cache-Control', 'private, no-store'];
  map.vary = ['Vary', 'Cookie'];
  return true;
}

export function hookWriteHead(appResponse) {
  const inherited = Object.getPrototypeOf(appResponse).writeHead;
  appResponse.writeHead = function writeHead(...args) {
    const socket = field(this, 'socket');
    if (socket && socket[MARK] === this) {
      socket[MARK] = null;
      if (enforceInMap(this)) return inherited.apply(this, args);
      const setHeader = field(this, 'setHeader');
      let vary;
      for (const name of field(this, 'getHeaderNames').call(this)) {
        if (name === 'vary') vary = this.getHeader('vary');
        else if (CDN_HEADERS.has(name)) this.removeHeader(name);
      }
      setHeader.call(this, 'Cache-Control', 'private, no-store');
      setHeader.call(this, 'Vary', vary === undefined ? 'Cookie' : `${vary}, Cookie`);
    }
    return inherited.apply(this, args);
  };
}
