import { Parser } from 'htmlparser2';

/** A stretch of `HtmlText.text`, as offsets. */
export interface TextRange {
  start: number;
  end: number;
}

export interface HtmlText {
  /** Text content with whitespace between blocks; not yet collapsed. */
  text: string;
  /** Offsets into `text` of the first `<h1>` and of the first `<h2>`..`<h6>`. */
  firstH1?: TextRange;
  firstSubheading?: TextRange;
  /** Offset into `text` of the first `<!--more-->` comment. */
  moreAt?: number;
}

// Their content is never prose a reader sees in the article body.
const SKIPPED = new Set([
  'script', 'style', 'template', 'noscript', 'head', 'title', 'svg', 'math', 'iframe', 'object',
  'canvas', 'audio', 'video', 'select', 'textarea',
]);

// Elements that end a line of text: without a space their words would glue to their neighbours'.
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'caption', 'dd', 'details', 'dialog', 'div',
  'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5',
  'h6', 'header', 'hgroup', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'img', 'body', 'html',
]);

const HEADING = /^h([1-6])$/;
const MORE_COMMENT = /^more(?:\s|$)/;

/**
 * HTML → text with htmlparser2 (entities decoded by the parser). Also notes where the first headings
 * and the first `<!--more-->` comment are, so the caller can pick a title and an excerpt from the text.
 */
export function htmlToText(html: string): HtmlText {
  const parts: string[] = [];
  let length = 0;
  let skipDepth = 0;
  let headingDepth = 0;
  let headingStart = 0;
  let headingLevel = 0;
  const result: HtmlText = { text: '' };
  const push = (piece: string): void => {
    parts.push(piece);
    length += piece.length;
  };

  const parser = new Parser(
    {
      onopentag(name) {
        if (SKIPPED.has(name)) skipDepth += 1;
        if (skipDepth > 0) return;
        if (BLOCKS.has(name)) push('\n');
        const heading = HEADING.exec(name);
        if (heading) {
          if (headingDepth === 0) {
            headingStart = length;
            headingLevel = Number(heading[1]);
          }
          headingDepth += 1;
        }
      },
      onclosetag(name) {
        if (SKIPPED.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        if (HEADING.test(name) && headingDepth > 0) {
          headingDepth -= 1;
          if (headingDepth === 0) {
            const range = { start: headingStart, end: length };
            if (headingLevel === 1) result.firstH1 ??= range;
            else result.firstSubheading ??= range;
          }
        }
        if (BLOCKS.has(name)) push('\n');
      },
      ontext(data) {
        if (skipDepth === 0) push(data);
      },
      oncomment(data) {
        if (skipDepth === 0 && result.moreAt === undefined && MORE_COMMENT.test(data.trim())) {
          result.moreAt = length;
          push('\n');
        }
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  result.text = parts.join('');
  return result;
}
