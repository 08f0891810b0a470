/**
 * Redirect targets: the `next` of a preview link, checked when the link is made and again when it is
 * followed, so a link can only ever send its visitor to a path on this site.
 */

const MAX_NEXT_LENGTH = 2048;
const DUMMY_ORIGIN = 'http://intermission.invalid';
/** Any Unicode whitespace (`\s` with `u` covers NBSP, U+2028, U+3000…); controls are checked by code point. */
const WHITESPACE_RE = /\s/u;
/** Percent-encoded C0 controls and DEL (`%00`, `%09`, `%0a`, `%0d`…); `%20` is a legitimate path space. */
const ENCODED_CONTROL_RE = /%(?:[01][0-9a-f]|7f)/i;
const SCHEME_RE = /^[a-z][a-z0-9+.-]*:/i;
const LEADING_ENCODED_SLASH_RE = /^\/%(?:2f|5c)/i;

/** C0 controls, DEL and, unless `c0Only`, C1 controls (a loop rather than a control-char regex). */
function hasControlChar(text: string, c0Only: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || (!c0Only && code >= 0x80 && code <= 0x9f)) return true;
  }
  return false;
}

/**
 * The shape rules, applied both to the input and to the normalised output: WHATWG normalisation can turn
 * a harmless-looking input into a protocol-relative path (`/.//evil.com` → `//evil.com`).
 */
function hasSafeShape(path: string): boolean {
  if (path.length === 0 || path.length > MAX_NEXT_LENGTH) return false;
  if (path.charCodeAt(0) !== 0x2f /* / */) return false;
  const second = path.charCodeAt(1);
  if (second === 0x2f || second === 0x5c /* \ */) return false;
  // Browsers treat `\` as `/` in special URLs; there is no honest use for one in a redirect target.
  if (path.includes('\\')) return false;
  if (hasControlChar(path, false) || WHITESPACE_RE.test(path) || ENCODED_CONTROL_RE.test(path) || SCHEME_RE.test(path)) {
    return false;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Malformed percent-encoding: some layer would decode it differently, so refuse it.
    return false;
  }
  // One decoding pass by a proxy or framework must not yield a protocol-relative target either, nor one
  // that a second pass would (double encoding: `/%252f%252fevil.com`).
  if (decoded.startsWith('//') || decoded.startsWith('/\\') || LEADING_ENCODED_SLASH_RE.test(decoded)) return false;
  return !hasControlChar(decoded, true);
}

/**
 * Returns `next` as a same-origin relative path (`pathname + search`, the hash dropped) or `undefined`;
 * callers fall back to `/`. Rejects anything that could leave the origin or split a header: absolute and
 * protocol-relative URLs, backslashes, whitespace and controls (raw or percent-encoded), schemes, paths
 * that become `//…` after one percent-decoding or after dot-segment normalisation, over 2,048 chars,
 * non-strings. Rejected rather than repaired, so what is signed is exactly what was checked.
 */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || !hasSafeShape(next)) return undefined;
  let url: URL;
  try {
    url = new URL(next, DUMMY_ORIGIN);
  } catch {
    return undefined;
  }
  if (url.origin !== DUMMY_ORIGIN) return undefined;
  const result = url.pathname + url.search;
  return hasSafeShape(result) ? result : undefined;
}
