import type { ExtractTeaserOptions, Teaser, TeaserFormat } from '../types.js';
import { bodyToText, inlineToText, TEASER_FORMATS } from './article-text.js';
import { automaticExcerpt, DEFAULT_EXCERPT_WORDS, excerptCut } from './excerpt.js';
import { firstValid, isoDate, readingMinutes, sanitizeFields, stringField } from './fields.js';
import { splitFrontMatter } from './front-matter.js';
import type { HtmlText, TextRange } from './html-text.js';
import { collapseWhitespace, countWords } from './plain-text.js';

function startsBefore(range: TextRange | undefined, offset: number): TextRange | undefined {
  return range !== undefined && range.start < offset ? range : undefined;
}

function textOf(doc: HtmlText, range: TextRange): string {
  return collapseWhitespace(doc.text.slice(range.start, range.end));
}

function sameText(a: string, b: string): boolean {
  return a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;
}

/**
 * The teaser of an article, by WordPress's rules.
 *
 * - Excerpt: front matter `excerpt`, else the text before `<!--more-->` (`…` when something follows),
 *   else the first `words` words (`…` when the body was longer). A `<!--more-->` at the very top leaves
 *   nothing before it, so the automatic excerpt is used instead.
 * - Title: front matter `title`, else the first `<h1>`, else the first `<h2>`..`<h6>`, counting only
 *   headings that start before the excerpt's cut (the `<!--more-->` marker, else the `words`-th
 *   word, headings counted): a heading further in is article content, so there is then no title.
 *   A heading used as the title (or repeating the front matter title) is left out of the excerpt.
 * - Content readers are not shown never reaches the teaser: elements with `hidden`,
 *   `aria-hidden="true"` or an inline `display:none`/`visibility:hidden`, `<details>` and `<dialog>`
 *   without `open` (summary included), `<script>`, `<style>`, `<template>`, `<noscript>`, `<head>`
 *   and comments, in HTML and in HTML inside Markdown (see `isHiddenElement`). When in doubt (an
 *   unclosed hidden `<b>`, markup nested over 512 deep) the rest of the article is left out. Elements
 *   hidden by a stylesheet rule (a class) are not detected: use `hidden` or an inline style.
 * - `wordCount`/`readingMinutes` cover the text a reader sees in the whole body (hidden content is
 *   not read, so it is not counted); both are left out when it has no words.
 *
 * `words` must be an integer ≥ 1: anything else (0, negative, NaN, Infinity, 2.5) throws a RangeError,
 * because a silent fallback would hide a configuration mistake. An unknown `format` throws too.
 * Anything else about `source` (empty, malformed front matter, stray markup) never throws.
 */
export function extractTeaser(source: string, options: ExtractTeaserOptions = {}): Teaser {
  const words = options.words ?? DEFAULT_EXCERPT_WORDS;
  if (!Number.isInteger(words) || words < 1) {
    throw new RangeError(`Intermission: teaser "words" must be an integer of at least 1, got ${String(words)}.`);
  }
  const format: TeaserFormat = options.format ?? 'markdown';
  if (!TEASER_FORMATS.includes(format)) {
    throw new RangeError(`Intermission: teaser "format" must be one of ${TEASER_FORMATS.join(', ')}, got ${format}.`);
  }
  if (typeof source !== 'string') {
    throw new TypeError('Intermission: extractTeaser() expects the article as a string.');
  }

  // Plain text has no markup at all, front matter included; only the more marker is honoured.
  const { data, body } = format === 'text' ? { data: {}, body: source.replace(/^\uFEFF/, '') } : splitFrontMatter(source);
  const doc = bodyToText(body, format);

  // Headings past the excerpt's cut are article content the teaser must not show.
  const cut = excerptCut(doc, words);
  const h1 = startsBefore(doc.firstH1, cut);
  const heading = h1 ?? startsBefore(doc.firstSubheading, cut);
  const fmTitle = stringField(data, 'title');
  let title = fmTitle === undefined ? undefined : inlineToText(fmTitle, format);
  let titleRange: TextRange | undefined;
  if (!title && heading) {
    title = textOf(doc, heading);
    titleRange = heading;
  } else if (title && h1 && sameText(textOf(doc, h1), title)) {
    // Markdown files often repeat the front matter title as `# Title`: it is not excerpt material.
    titleRange = h1;
  }

  const wordCount = countWords(doc.text);
  const fmExcerpt = stringField(data, 'excerpt');
  let excerpt = fmExcerpt === undefined ? '' : inlineToText(fmExcerpt, format);
  if (excerpt === '') excerpt = automaticExcerpt(doc, titleRange, words);

  const candidate: Record<string, unknown> = {
    title,
    excerpt,
    image: stringField(data, 'image'),
    imageAlt: stringField(data, 'imageAlt') ?? stringField(data, 'image_alt'),
    url: stringField(data, 'url'),
    author: stringField(data, 'author'),
    publishedAt: firstValid(data, ['publishedAt', 'published', 'date'], isoDate),
  };
  if (wordCount > 0) {
    candidate.wordCount = wordCount;
    candidate.readingMinutes = readingMinutes(wordCount);
  }
  return sanitizeFields(candidate);
}
