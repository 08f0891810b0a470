import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

export interface GateHeaderOptions {
  /** `sha256-…` sources for the built-in inline style and script. */
  styleHashes: readonly string[];
  scriptHashes: readonly string[];
  /** Origins allowed in `img-src` besides `'self'` and `data:`. */
  imageOrigins: readonly string[];
  /** `connect-src` sources (the signup form's fetch needs `'self'`); none by default. */
  connectSrc?: readonly string[];
  /** A nonce placeholder to allow in `style-src`/`script-src`; replaced per response. */
  nonce?: string;
}

/**
 * Runs helmet once, at start-up, and keeps the headers it would set, so the gate's responses carry
 * helmet's headers without running helmet per request. HSTS and `upgrade-insecure-requests` are off:
 * a page the host did not ask for must not pin the host to HTTPS for a year.
 */
export function gateSecurityHeaders(options: GateHeaderOptions): [string, string][] {
  const nonce = options.nonce ? [`'nonce-${options.nonce}'`] : [];
  const middleware = helmet({
    strictTransportSecurity: false,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
        imgSrc: ["'self'", 'data:', ...options.imageOrigins],
        styleSrc: [...options.styleHashes.map(quote), ...nonce],
        scriptSrc: [...options.scriptHashes.map(quote), ...nonce],
        ...(options.connectSrc && { connectSrc: [...options.connectSrc] }),
      },
    },
  });
  const headers: [string, string][] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.push([name, String(value)]);
    },
    removeHeader() {},
  };
  middleware({} as unknown as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return headers;
}

function quote(source: string): string {
  return source.startsWith("'") ? source : `'${source}'`;
}
