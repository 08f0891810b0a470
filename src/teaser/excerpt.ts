import type { HtmlText, TextRange } from './html-text.js';
import { collapseWhitespace, firstWords, isWord, withEllipsis } from './plain-text.js';

/** WordPress's `excerpt_length`. */
export const DEFAULT_EXCERPT_WORDS = 55;

function removeRange(text: string, range: TextRange | undefined): string {
  if (!range || range.start >= text.length) return text;
  return `${text.slice(0, range.start)} ${text.slice(Math.min(range.end, text.length))}`;
}

/**
 * WordPress's automatic excerpt: the text before `<!--more-->` (`…` when something follows), else the
 * first `words` words (`…` when the body was longer). A marker with nothing before it is ignored.
 * `titleRange`, the heading used as the title, is left out.
 */
export function automaticExcerpt(doc: HtmlText, titleRange: TextRange | undefined, words: number): string {
  if (doc.moreAt !== undefined) {
    const before = collapseWhitespace(removeRange(doc.text.slice(0, doc.moreAt), titleRange));
    if (before !== '') {
      const after = collapseWhitespace(doc.text.slice(doc.moreAt));
      return after === '' ? before : withEllipsis(before);
    }
  }
  const { text, cut } = firstWords(collapseWhitespace(removeRange(doc.text, titleRange)), words);
  return cut ? withEllipsis(text) : text;
}

/**
 * Where the excerpt's cut falls in `doc.text`: at `<!--more-->` when there is text before it, else
 * just after the `words`-th word, else at the end. Headings count as words here: the cut says how far
 * into the article the teaser may look, before any heading is taken out as the title.
 */
export function excerptCut(doc: HtmlText, words: number): number {
  if (doc.moreAt !== undefined && /\S/.test(doc.text.slice(0, doc.moreAt))) return doc.moreAt;
  const token = /\S+/g;
  let seen = 0;
  for (let match = token.exec(doc.text); match !== null; match = token.exec(doc.text)) {
    if (isWord(match[0])) seen += 1;
    if (seen === words) return match.index + match[0].length;
  }
  return doc.text.length;
}
