import { Marked } from 'marked';
import type { TeaserFormat } from '../types.js';
import { htmlToText, type HtmlText } from './html-text.js';
import { collapseWhitespace } from './plain-text.js';

/** Every format `extractTeaser` understands. */
export const TEASER_FORMATS: readonly TeaserFormat[] = ['markdown', 'html', 'text'];

export function isTeaserFormat(value: unknown): value is TeaserFormat {
  return TEASER_FORMATS.includes(value as TeaserFormat);
}

// A private instance, so a `marked.use()` elsewhere in the host app cannot change our output.
const markdown = new Marked({ gfm: true, async: false });

function markdownToHtml(source: string, inline: boolean): string | undefined {
  try {
    return inline ? markdown.parseInline(source, { async: false }) : markdown.parse(source, { async: false });
  } catch {
    // marked should not throw on any string; if it ever does, the caller falls back to plain text.
    return undefined;
  }
}

/**
 * An article body (front matter already removed) as text with its headings and `<!--more-->` marked.
 * Plain text has no markup: only the more marker is honoured.
 */
export function bodyToText(body: string, format: TeaserFormat): HtmlText {
  if (format === 'text') {
    const marker = /<!--more(?:\s[\s\S]*?)?-->/.exec(body);
    if (!marker) return { text: body };
    return { text: `${body.slice(0, marker.index)}\n${body.slice(marker.index + marker[0].length)}`, moreAt: marker.index };
  }
  const html = format === 'markdown' ? markdownToHtml(body, false) : body;
  return html === undefined ? { text: body } : htmlToText(html);
}

/** One front matter string (title, excerpt) as plain text in the article's format. */
export function inlineToText(value: string, format: TeaserFormat): string {
  if (format === 'text') return collapseWhitespace(value);
  const html = format === 'markdown' ? markdownToHtml(value, true) : value;
  return collapseWhitespace(html === undefined ? value : htmlToText(html).text);
}
