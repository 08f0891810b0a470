import type * as HtmlParser2 from 'htmlparser2';
import { onFirstUse } from '../shared/on-first-use.js';
import { isHiddenElement } from './hidden-content.js';

const htmlparser2 = onFirstUse('htmlparser2') as () => typeof HtmlParser2;

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

// Elements that end a line of text: without a space their words would glue to their neighbours'.
const BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'caption',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
  'img',
  'body',
  'html',
]);

const HEADING = /^h([1-6])$/;

// Browsers re-open these where a block closed them unclosed, attributes and all ("reconstruct the
// active formatting elements"): `<p><b hidden>x</p><p>y` hides `y` too.
const REOPENED_FORMATTING = new Set(['a', 'b', 'big', 'code', 'em', 'font', 'i', 'nobr', 's', 'small', 'strike', 'strong', 'tt', 'u']);
/**
 * Deepest element nesting read. htmlparser2 keeps its open elements in an array it `unshift`s, so
 * each level costs time in proportion to the depth: 2 MiB of nested tags took minutes. Browsers cap
 * the depth too (Chromium at 512); past it the rest of the document is dropped, never shown.
 */
export const MAX_HTML_DEPTH = 512;
const MORE_COMMENT = /^more(?:\s|$)/;

/**
 * HTML → the text a reader sees, with htmlparser2 (entities decoded by the parser). Elements that are
 * not shown (see `isHiddenElement`) are left out with everything inside them, headings and
 * `<!--more-->` included. Reading stops (the rest is left out) at an element nested deeper than
 * `MAX_HTML_DEPTH`, and where a hidden formatting element is closed only by implication. Also notes
 * where the first headings and the first `<!--more-->` comment are, so the caller can pick a title
 * and an excerpt from the text.
 */
export function htmlToText(html: string): HtmlText {
  const parts: string[] = [];
  let length = 0;
  // htmlparser2 pairs every open event with one close event (implied ones included, and all at
  // end()), so counting is enough: open elements, and those at or inside the outermost hidden one.
  const walk = { depth: 0, hiddenDepth: 0, stopped: false };
  let headingDepth = 0;
  let headingStart = 0;
  let headingLevel = 0;
  const result: HtmlText = { text: '' };
  const push = (piece: string): void => {
    parts.push(piece);
    length += piece.length;
  };
  const stop = (): void => {
    walk.stopped = true;
    parser.pause();
  };

  const parser = new (htmlparser2().Parser)(
    {
      onopentag(name, attribs) {
        if (walk.stopped) return;
        walk.depth += 1;
        if (walk.depth > MAX_HTML_DEPTH) return stop();
        if (walk.hiddenDepth > 0 || isHiddenElement(name, attribs)) {
          walk.hiddenDepth += 1;
          return;
        }
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
      onclosetag(name, isImplied) {
        if (walk.stopped) return;
        walk.depth -= 1;
        if (walk.hiddenDepth > 0) {
          walk.hiddenDepth -= 1;
          // A browser re-opens it further on, still hidden; where it ends cannot be told here.
          if (walk.hiddenDepth === 0 && isImplied && REOPENED_FORMATTING.has(name)) stop();
          return;
        }
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
        if (!walk.stopped && walk.hiddenDepth === 0) push(data);
      },
      oncomment(data) {
        if (!walk.stopped && walk.hiddenDepth === 0 && result.moreAt === undefined && MORE_COMMENT.test(data.trim())) {
          result.moreAt = length;
          push('\n');
        }
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  // Ending a paused parser would report the elements it still holds open.
  if (!walk.stopped) parser.end();
  result.text = parts.join('');
  return result;
}
