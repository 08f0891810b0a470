// Plain-text helpers for teaser fields: whitespace, words, ellipses and length caps.

export const ELLIPSIS = '\u2026';
/** A token is a word when it holds a letter or a digit (so `—` and `&` are not). */
const WORDISH = /[\p{L}\p{N}]/u;

/** Whether a whitespace-free token counts as a word. */
export function isWord(token: string): boolean {
  return WORDISH.test(token);
}

/** Collapses runs of whitespace (NBSP included) to one space and trims; drops control characters. */
export function collapseWhitespace(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000E-\u001F\u007F]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** Words in plain text: whitespace-separated runs holding at least one letter or digit. */
export function countWords(text: string): number {
  let count = 0;
  for (const token of text.split(/\s+/)) if (isWord(token)) count += 1;
  return count;
}

/**
 * The first `words` words of already collapsed text; `cut` when words were left out. Words are counted
 * as `countWords` does, so a lone `—` or `&` rides along instead of using up the budget.
 */
export function firstWords(text: string, words: number): { text: string; cut: boolean } {
  const tokens = text === '' ? [] : text.split(' ');
  let seen = 0;
  for (let i = 0; i < tokens.length; i += 1) {
    if (!isWord(tokens[i] ?? '')) continue;
    seen += 1;
    if (seen === words) {
      const rest = tokens.slice(i + 1);
      if (!rest.some(isWord)) return { text, cut: false };
      return { text: tokens.slice(0, i + 1).join(' '), cut: true };
    }
  }
  return { text, cut: false };
}

// Dropped before an ellipsis: `Alpha, beta —` reads `Alpha, beta…`.
const TRAILING_PUNCTUATION = /[\s,;:\-\u2013\u2014]/u;

/** `text` without the run of `chars` at its end. A loop, not `/[…]+$/`, which takes quadratic time. */
function trimTrailing(text: string, chars: RegExp): string {
  let end = text.length;
  while (end > 0 && chars.test(text.charAt(end - 1))) end -= 1;
  return text.slice(0, end);
}

/** Appends `…` unless the text already ends with an ellipsis; trailing `,;:` and dashes go first. */
export function withEllipsis(text: string): string {
  if (text === '' || text.endsWith(ELLIPSIS) || text.endsWith('...')) return text;
  const trimmed = trimTrailing(text, TRAILING_PUNCTUATION);
  if (trimmed === '') return ELLIPSIS;
  // After a letter or digit the ellipsis reads as a trailing-off; after `.`, `)` and such, it needs air.
  return /[\p{L}\p{N}]$/u.test(trimmed) ? trimmed + ELLIPSIS : `${trimmed} ${ELLIPSIS}`;
}

/**
 * Caps collapsed text at `max` characters including the `…`, cutting at the last space that fits.
 * A single word longer than the cap leaves no space to cut at: it is then cut at a code point.
 */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - 2; // for the ellipsis, which may need a space before it
  const space = text.lastIndexOf(' ', room);
  let head: string;
  if (space > 0) {
    head = text.slice(0, space);
  } else {
    head = text.slice(0, room);
    // Do not leave half of a surrogate pair behind.
    if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  }
  return withEllipsis(head);
}
