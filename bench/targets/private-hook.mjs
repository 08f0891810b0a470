// For the hand-written bypass controls (bypass-required, bypass-ip-required): the response goes out
// private whatever the route set, `Cache-Control: private, no-store`, `Vary: Cookie` and no vendor
// caching headers, enforced as the headers go out by one hook on the app's own `app.response.writeHead`
// and a mark on the connection, as Intermission does it.

const CDN_HEADERS = new Set(['expires', 'surrogate-control', 'cdn-cache-control', 'edge-control', 'x-accel-expires']);
/** The mark sits on the connection, which carries one response at a time (Intermission does the same). */
export const MARK = Symbol('private');

export function hookWriteHead(appResponse) {
  const inherited = Object.getPrototypeOf(appResponse).writeHead;
  appResponse.writeHead = function writeHead(...args) {
    const socket = this.req?.socket;
    if (socket && socket[MARK] === this) {
      socket[MARK] = null;
      let vary;
      for (const name of this.getHeaderNames()) {
        if (name === 'vary') vary = this.getHeader('vary');
        else if (CDN_HEADERS.has(name)) this.removeHeader(name);
      }
      this.setHeader('Cache-Control', 'private, no-store');
      this.setHeader('Vary', vary === undefined ? 'Cookie' : `${vary}, Cookie`);
    }
    return inherited.apply(this, args);
  };
}
