/**
 * The signup form's token: proof that a submission comes from a page this site rendered recently.
 *
 * The page is prerendered once per snapshot and shared by every visitor, so the token cannot be per
 * visitor; it is per render. Format: `<issued, seconds, base 36>.<MAC>`, the MAC an HMAC-SHA256
 * (truncated to 128 bits) of the issue time under a key derived from the secret (every secret of a
 * rotation verifies, the first signs), or under a random per-process key without a secret (then a page
 * rendered by another instance, or before a restart, does not verify: a fleet needs a secret).
 *
 * Lifetime: the gate renders a fresh page at least every `FORM_TOKEN_RENDER_INTERVAL_MS` while the
 * form is shown, and a token verifies for `FORM_TOKEN_MAX_AGE_MS` after it was issued, so a visitor who
 * loaded the page has at least the difference (23 hours) to send it. Past that, or with a token from
 * the future beyond the clock-skew allowance, or a forged or altered one, the endpoint answers 403 and
 * the form asks for a reload. Within its window a token can be replayed: it is not a nonce; the rate
 * limit and the same-origin check do the rest.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A token verifies this long after it was issued. */
export const FORM_TOKEN_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** The page (and its token) is rendered again at least this often while the form is shown. */
export const FORM_TOKEN_RENDER_INTERVAL_MS = 60 * 60 * 1000;
/** How far in the future an issue time may be: clock drift between instances of a fleet. */
const CLOCK_SKEW_MS = 60_000;
const MAC_BYTES = 16;
const TOKEN_RE = /^([0-9a-z]{1,9})\.([A-Za-z0-9_-]{22})$/;

export type FormTokenVerdict = 'ok' | 'missing' | 'malformed' | 'forged' | 'expired';

export interface FormTokens {
  /** A token issued at `now` (rounded down to the second). */
  issue(now: number): string;
  /** Whether `token` was issued by this site within the window around `now`. Constant time in the MAC. */
  verify(token: unknown, now: number): FormTokenVerdict;
}

function mac(key: Buffer, issued: string): Buffer {
  return createHmac('sha256', key).update(`intermission/signup-form/v1.${issued}`).digest().subarray(0, MAC_BYTES);
}

/** One key per secret, derived for this purpose only: a form token is never valid as a preview token or cookie. */
export function createFormTokens(secrets: readonly string[]): FormTokens {
  const keys =
    secrets.length > 0
      ? secrets.map((secret) => createHmac('sha256', secret).update('intermission/signup-form-key/v1').digest())
      : [randomBytes(32)];
  const signing = keys[0] as Buffer;
  return {
    issue(now) {
      const issued = Math.floor(now / 1000).toString(36);
      return `${issued}.${mac(signing, issued).toString('base64url')}`;
    },
    verify(token, now) {
      if (token === undefined || token === '') return 'missing';
      if (typeof token !== 'string' || token.length > 40) return 'malformed';
      const match = TOKEN_RE.exec(token);
      if (!match) return 'malformed';
      const issued = match[1] as string;
      const given = Buffer.from(match[2] as string, 'base64url');
      if (given.length !== MAC_BYTES) return 'malformed';
      // Every key is tried, so the time taken does not tell which secret of a rotation signed it.
      let valid = false;
      for (const key of keys) valid = timingSafeEqual(mac(key, issued), given) || valid;
      if (!valid) return 'forged';
      const issuedAt = parseInt(issued, 36) * 1000;
      if (issuedAt > now + CLOCK_SKEW_MS || now - issuedAt > FORM_TOKEN_MAX_AGE_MS) return 'expired';
      return 'ok';
    },
  };
}
