import { domainToASCII, domainToUnicode } from 'node:url';

/** RFC 5321 path limit (256 octets less the angle brackets): the longest address that can be delivered. */
export const MAX_EMAIL_LENGTH = 254;
/** RFC 5321 local-part limit, in octets. */
export const MAX_LOCAL_LENGTH = 64;
const MAX_DOMAIN_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

/** Why an address was refused. Codes are stable; messages are for the visitor. */
export type EmailProblemCode =
  | 'not-a-string'
  | 'empty'
  | 'too-long'
  | 'local-too-long'
  | 'missing-at'
  | 'multiple-at'
  | 'empty-local'
  | 'bad-character'
  | 'bad-dots'
  | 'bad-domain';

export interface EmailProblem {
  code: EmailProblemCode;
  /** One sentence for the person who typed the address. */
  message: string;
}

/** `normalizeEmail`'s answer: the address to store, or why there is none. */
export type NormalizedEmail = { email: string } | { error: EmailProblem };

const MESSAGES: Record<EmailProblemCode, string> = {
  'not-a-string': 'Enter an email address.',
  empty: 'Enter an email address.',
  'too-long': `An email address has at most ${MAX_EMAIL_LENGTH} characters.`,
  'local-too-long': `The part before the @ has at most ${MAX_LOCAL_LENGTH} characters.`,
  'missing-at': 'An email address needs an @, as in name@example.com.',
  'multiple-at': 'An email address has only one @.',
  'empty-local': 'Enter the part before the @, as in name@example.com.',
  'bad-character': 'An email address cannot contain spaces, control characters or ( ) < > [ ] , ; : \\ ".',
  'bad-dots': 'An email address cannot start or end with a dot, nor have a dot next to the @ or two dots in a row after it.',
  'bad-domain': 'Enter a domain after the @, as in name@example.com.',
};

/** Characters RFC 5322 allows in an unquoted local part besides letters, digits and dots. */
const LOCAL_SYMBOLS = new Set("!#$%&'*+-/=?^_`{|}~");
/**
 * Non-ASCII code points refused anywhere: controls, format characters (zero-width, bidi overrides,
 * soft hyphen), private use, unassigned, and every Unicode space. Tested on one code point at a time,
 * so it cannot backtrack.
 */
const FORBIDDEN_UNICODE = /^[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Z}]$/u;

const refuse = (code: EmailProblemCode): NormalizedEmail => ({ error: { code, message: MESSAGES[code] } });

/**
 * Normalises and validates an address from a form, in one linear pass (no regular expression that can
 * backtrack, so a crafted 1 MB input costs no more than reading it once).
 *
 * - Trims surrounding whitespace, applies Unicode NFC, keeps the local part's case (`John.Doe` and
 *   `john.doe` may be different mailboxes), lower-cases the domain.
 * - Unquoted local parts only: letters (any script), digits, `.` and ``!#$%&'*+-/=?^_`{|}~``; no leading
 *   or trailing dot. Two dots in a row are accepted there (old Japanese mobile addresses have them).
 * - Internationalised domains are accepted: `domainToASCII` (UTS #46) converts them, the ASCII form is
 *   checked (letters, digits, hyphens; labels of 1-63; at least two labels; a TLD that is not a number)
 *   and measured, and the canonical Unicode form is returned, so `ü.com` and `xn--tda.com` are one address.
 * - At most 254 characters (the local part in UTF-8 octets, plus `@`, plus the ASCII domain), 64 before the `@`.
 */
export function normalizeEmail(input: unknown): NormalizedEmail {
  if (typeof input !== 'string') return refuse('not-a-string');
  const trimmed = input.trim();
  if (trimmed === '') return refuse('empty');
  // Before any per-character work: a huge input is refused at the cost of trim() alone. The Unicode
  // form is never meant to be longer than the ASCII form it is measured by below.
  if (trimmed.length > MAX_EMAIL_LENGTH) return refuse('too-long');
  const text = trimmed.normalize('NFC');

  let at = -1;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 0x40) continue;
    if (at !== -1) return refuse('multiple-at');
    at = i;
  }
  if (at === -1) return refuse('missing-at');
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (local === '') return refuse('empty-local');
  if (domain === '') return refuse('bad-domain');

  const localProblem = checkLocal(local);
  if (localProblem) return refuse(localProblem);
  const ascii = toAsciiDomain(domain);
  if (typeof ascii !== 'string') return refuse(ascii.problem);

  const localOctets = Buffer.byteLength(local, 'utf8');
  if (localOctets > MAX_LOCAL_LENGTH) return refuse('local-too-long');
  if (localOctets + 1 + ascii.length > MAX_EMAIL_LENGTH) return refuse('too-long');
  return { email: `${local}@${domainToUnicode(ascii)}` };
}

function checkLocal(local: string): EmailProblemCode | undefined {
  if (local.startsWith('.') || local.endsWith('.')) return 'bad-dots';
  for (const char of local) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) {
      if (!(isAsciiAlphanumeric(code) || code === 0x2e || LOCAL_SYMBOLS.has(char))) return 'bad-character';
    } else if (isForbiddenUnicode(char, code)) {
      return 'bad-character';
    }
  }
  return undefined;
}

/** The domain's ASCII (punycode) form, lower-case and checked, or why it is refused. */
function toAsciiDomain(domain: string): string | { problem: EmailProblemCode } {
  for (const char of domain) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) {
      // Only what a host name may hold: domainToASCII would otherwise percent-decode `%41` or map other signs.
      if (!(isAsciiAlphanumeric(code) || code === 0x2d || code === 0x2e)) return { problem: 'bad-character' };
    } else if (isForbiddenUnicode(char, code)) {
      return { problem: 'bad-character' };
    }
  }
  // Dots are checked on the converted form: UTS #46 maps the ideographic full stop (U+3002) and its
  // kin to `.`, so `a。。com` is caught as an empty label like `a..com`.
  const ascii = domainToASCII(domain);
  if (ascii === '') return { problem: 'bad-domain' };
  if (ascii.length > MAX_DOMAIN_LENGTH) return { problem: 'too-long' };
  const labels = ascii.split('.');
  if (labels.length < 2) return { problem: 'bad-domain' };
  for (const label of labels) {
    if (label === '') return { problem: 'bad-dots' };
    if (label.length > MAX_LABEL_LENGTH || label.startsWith('-') || label.endsWith('-')) return { problem: 'bad-domain' };
    for (let i = 0; i < label.length; i++) {
      const code = label.charCodeAt(i);
      // domainToASCII lower-cases, so an upper-case letter here would mean it did not: refuse.
      if (!((code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a) || code === 0x2d)) return { problem: 'bad-domain' };
    }
  }
  const tld = labels[labels.length - 1] ?? '';
  if (isAllDigits(tld)) return { problem: 'bad-domain' };
  return ascii;
}

function isForbiddenUnicode(char: string, code: number): boolean {
  // A lone surrogate is not text: it would not survive UTF-8 (the file) nor JSON round trips. U+FFFD is
  // what a broken decoding left behind, never part of a real address.
  if ((code >= 0xd800 && code <= 0xdfff) || code === 0xfffd) return true;
  return FORBIDDEN_UNICODE.test(char);
}

function isAsciiAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isAllDigits(label: string): boolean {
  for (let i = 0; i < label.length; i++) {
    const code = label.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}
