/**
 * Reading one cookie from a raw `Cookie` header, strictly and without decoding: the bypass cookie is
 * a credential, so anything a browser would not have sent for it is treated as absent.
 */

/** Longest value `readCookie` returns (and `serializeBypassCookie` writes). */
export const MAX_READ_COOKIE_LENGTH = 512;
/** What our cookie values are made of; anything else (quotes, `%`, spaces, `=`) is rejected, not decoded. */
export const COOKIE_VALUE_RE = /^[A-Za-z0-9_.-]+$/;
/** RFC 7230 `token`, the characters a cookie name may use. */
export const COOKIE_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Reads one cookie from a raw `Cookie` header without decoding. Returns `undefined` unless `name` appears
 * exactly once as a whole cookie name (a duplicate, e.g. one tossed in from a sibling subdomain, is never a
 * bypass) with a non-empty value of at most 512 base64url/`.` characters. Quoted or percent-encoded values
 * are rejected, and a non-string header (some servers give arrays) counts as absent.
 */
/** The last name that passed `COOKIE_NAME_RE`: the middleware asks for the same two names on every request. */
let checkedName = '';

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string' || typeof name !== 'string') return undefined;
  if (name !== checkedName) {
    if (!COOKIE_NAME_RE.test(name)) return undefined;
    checkedName = name;
  }
  // Fast path: most requests of a closed site carry no bypass cookie at all.
  if (!header.includes(name)) return undefined;
  let found: string | undefined;
  let matches = 0;
  let start = 0;
  while (start <= header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      let ks = start;
      let ke = eq;
      while (ks < ke && isOws(header.charCodeAt(ks))) ks++;
      while (ke > ks && isOws(header.charCodeAt(ke - 1))) ke--;
      // Names are compared after trimming, like common parsers do, so `name =x` still counts as a duplicate.
      if (ke - ks === name.length && header.startsWith(name, ks)) {
        matches++;
        if (matches > 1) return undefined;
        let vs = eq + 1;
        let ve = end;
        while (vs < ve && isOws(header.charCodeAt(vs))) vs++;
        while (ve > vs && isOws(header.charCodeAt(ve - 1))) ve--;
        found = ve - vs <= MAX_READ_COOKIE_LENGTH ? header.slice(vs, ve) : '';
      }
    }
    start = end + 1;
  }
  if (found === undefined || found.length === 0 || !COOKIE_VALUE_RE.test(found)) return undefined;
  return found;
}
