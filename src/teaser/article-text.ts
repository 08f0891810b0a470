import type * as MarkedModule from 'marked';
import { onFirstUse } from '../shared/on-first-use.js';
import type { TeaserFormat } from '../types.js';
import { htmlToText, type HtmlText } from './html-text.js';
import { collapseWhitespace } from './plain-text.js';

/** Every format `extractTeaser` understands. */
export const TEASER_FORMATS: readonly TeaserFormat[] = ['markdown', 'html', 'text'];

export function isTeaserFormat(value: unknown): value is TeaserFormat {
  return TEASER_FORMATS.includes(value as TeaserFormat);
}

const marked = onFirstUse('marked') as () => typeof MarkedModule;
let privateMarked: MarkedModule.Marked | undefined;

function markdownToHtml(source: string, inline: boolean): string | undefined {
  try {
    // A private instance, so a `marked.use()` elsewhere in the host app cannot change our output.
    const markdown = (privateMarked ??= new (marked().Marked)({ gfm: true, async: false }));
    return inline ? markdown.parseInline(source, { async: false }) : markdown.parse(source, { async: false });
  } catch {
    // marked can throw (deeply nested `>` overflow its stack); the caller then reads the source as HTML.
    return undefined;
  }
}

/**
 * The first `<!--more-->` or `<!--more custom text-->` in plain text, found with `indexOf` in linear
 * time (a lazy regex rescans the rest of the text from every unclosed `<!--more `).
 */
function findMoreMarker(text: string): { start: number; end: number } | undefined {
  const open = '<!--more';
  for (let start = text.indexOf(open); start >= 0; start = text.indexOf(open, start + 1)) {
    const next = text.charAt(start + open.length);
    if (next === '-' && text.startsWith('-->', start + open.length)) return { start, end: start + open.length + 3 };
    if (/\s/.test(next)) {
      const close = text.indexOf('-->', start + open.length);
      // No `-->` after this one: none after any later one either.
      return close < 0 ? undefined : { start, end: close + 3 };
    }
  }
  return undefined;
}

/**
 * An article body (front matter already removed) as text with its headings and `<!--more-->` marked.
 * Plain text has no markup: only the more marker is honoured.
 */
export function bodyToText(body: string, format: TeaserFormat): HtmlText {
  if (format === 'text') {
    const marker = findMoreMarker(body);
    if (!marker) return { text: body };
    return { text: `${body.slice(0, marker.start)}\n${body.slice(marker.end)}`, moreAt: marker.start };
  }
  // If marked ever fails, read the source as HTML: Markdown syntax stays, hidden markup still goes.
  return htmlToText((format === 'markdown' ? markdownToHtml(body, false) : undefined) ?? body);
}

/** One front matter string (title, excerpt) as plain text in the article's format. */
export function inlineToText(value: string, format: TeaserFormat): string {
  if (format === 'text') return collapseWhitespace(value);
  const html = (format === 'markdown' ? markdownToHtml(value, true) : undefined) ?? value;
  return collapseWhitespace(htmlToText(html).text);
}
