import type { ExtractTeaserOptions, Teaser, TeaserFormat } from '../types.js';
import { bodyToText, inlineToText, TEASER_FORMATS } from './article-text.js';
import { automaticExcerpt, DEFAULT_EXCERPT_WORDS } from './excerpt.js';
import { firstValid, isoDate, readingMinutes, sanitizeFields, stringField } from './fields.js';
import { splitFrontMatter } from './front-matter.js';
import type { TextRange } from './html-text.js';
import { collapseWhitespace, countWords } from './plain-text.js';

function sameText(a: string, b: string): boolean {
  return a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;
}

/**
 * The teaser of an article, by WordPress's rules.
 *
 * - Excerpt: front matter `excerpt`, else the text before `<!--more-->` (`…` when something follows),
 *   else the first `words` words (`…` when the body was longer). A `<!--more-->` at the very top leaves
 *   nothing before it, so the automatic excerpt is used instead.
 * - Title: front matter `title`, else the first `<h1>`, else the first `<h2>`..`<h6>`. A heading used
 *   as the title (or repeating the front matter title) is left out of the excerpt.
 * - `wordCount`/`readingMinutes` cover the whole body; both are left out when it has no words.
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

  const fmTitle = stringField(data, 'title');
  let title = fmTitle === undefined ? undefined : inlineToText(fmTitle, format);
  let titleRange: TextRange | undefined;
  const firstHeading = doc.firstH1 ?? doc.firstSubheading;
  if (!title && firstHeading) {
    title = collapseWhitespace(doc.text.slice(firstHeading.start, firstHeading.end));
    titleRange = firstHeading;
  } else if (title && doc.firstH1 && sameText(collapseWhitespace(doc.text.slice(doc.firstH1.start, doc.firstH1.end)), title)) {
    // Markdown files often repeat the front matter title as `# Title`: it is not excerpt material.
    titleRange = doc.firstH1;
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
