import { safeUrl } from '../teaser/fields.js';

/**
 * The URLs the config holds that end up in the page and its Content-Security-Policy: teaser images
 * and links, and extra image origins. Checked at start-up so a value the page would drop, or one
 * that helmet refuses to put in `img-src`, fails the deploy instead of a request.
 */

/** A CSP host-source host: letters, digits and `-` in dot-separated labels, optionally `*.` first. */
const CSP_HOST = /^(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?$/;

/** Why the origin of `url` cannot be an `img-src` source, or `undefined` when it can. */
export function imageOriginProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL; write an absolute http(s) URL like https://images.example.com';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return 'is not an http(s) URL; write one like https://images.example.com';
  if (!CSP_HOST.test(parsed.hostname)) {
    return (
      `has the host ${JSON.stringify(parsed.hostname)}, which a Content-Security-Policy source cannot name ` +
      '(only letters, digits, "-" and "." are allowed: no ";", ",", "_", whitespace or IPv6 literal); serve the image from a host name that fits'
    );
  }
  return undefined;
}

/** Why a teaser `image` or `url` would be dropped by the page (or break its CSP), or `undefined`. */
export function teaserUrlProblem(value: string, kind: 'image' | 'url'): string | undefined {
  if (safeUrl(value) === undefined) {
    return 'is neither an absolute http(s) URL nor a path on this site starting with / (no whitespace, backslash or //host), so the page would drop it; write it like https://example.com/a.png or /images/a.png';
  }
  return kind === 'image' && !value.trim().startsWith('/') ? imageOriginProblem(value.trim()) : undefined;
}
