import { Parser } from 'htmlparser2';
import { Marked } from 'marked';
import { parse as parseYaml } from 'yaml';
import type { ExtractTeaserOptions, Teaser, TeaserFormat } from '../types.js';

/** WordPress's `excerpt_length`. */
export const DEFAULT_EXCERPT_WORDS = 55;
/** Longest `content` string `normalizeTeaser` will extract from (same as the teaser file cap). */
export const MAX_CONTENT_CHARS = 2 * 1024 * 1024;

const WORDS_PER_MINUTE = 200;
const MAX_TITLE = 300;
const MAX_EXCERPT = 1000;
const MAX_URL = 2048;
const MAX_IMAGE_ALT = 300;
const MAX_AUTHOR = 200;
const ELLIPSIS = '\u2026';
const FORMATS: readonly TeaserFormat[] = ['markdown', 'html', 'text'];
/** A token is a word when it holds a letter or a digit (so `—` and `&` are not). */
const WORDISH = /[\p{L}\p{N}]/u;

// A private instance, so a `marked.use()` elsewhere in the host app cannot change our output.
const markdown = new Marked({ gfm: true, async: false });

// ---------------------------------------------------------------------------------------------
// Front matter

export interface FrontMatter {
  /** The parsed YAML mapping; empty when there was no block, or it was malformed or not a mapping. */
  data: Record<string, unknown>;
  /** The source without the front matter block. */
  body: string;
}

const FRONT_MATTER = /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/;

/**
 * Splits a leading `---` YAML block from the body. Malformed YAML never throws: the block is still
 * removed (it was meant as metadata, not prose) and its data is treated as absent.
 */
export function splitFrontMatter(source: string): FrontMatter {
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const match = FRONT_MATTER.exec(text);
  if (!match) return { data: {}, body: text };
  const body = text.slice(match[0].length);
  let parsed: unknown;
  try {
    // logLevel 'error': unknown tags and the like must not print warnings from a library.
    parsed = parseYaml(match[1] ?? '', { logLevel: 'error' });
  } catch {
    return { data: {}, body };
  }
  const data = isPlainRecord(parsed) ? parsed : {};
  return { data, body };
}

// ---------------------------------------------------------------------------------------------
// Markup → text

export interface HtmlText {
  /** Text content with whitespace between blocks; not yet collapsed. */
  text: string;
  /** Offsets into `text` of the first `<h1>` and of the first `<h2>`..`<h6>`. */
  firstH1?: TextRange;
  firstSubheading?: TextRange;
  /** Offset into `text` of the first `<!--more-->` comment. */
  moreAt?: number;
}

interface TextRange {
  start: number;
  end: number;
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

/** Collapses runs of whitespace (NBSP included) to one space and trims; drops control characters. */
export function collapseWhitespace(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000E-\u001F\u007F]/g, '').replace(/\s+/g, ' ').trim();
}

/** Words in plain text: whitespace-separated runs holding at least one letter or digit. */
export function countWords(text: string): number {
  let count = 0;
  for (const token of text.split(/\s+/)) if (WORDISH.test(token)) count += 1;
  return count;
}

function markdownToHtml(source: string, inline: boolean): string | undefined {
  try {
    return inline ? markdown.parseInline(source, { async: false }) : markdown.parse(source, { async: false });
  } catch {
    // marked should not throw on any string; if it ever does, the caller falls back to plain text.
    return undefined;
  }
}

/** One front matter string (title, excerpt) as plain text in the article's format. */
function inlineToText(value: string, format: TeaserFormat): string {
  if (format === 'text') return collapseWhitespace(value);
  const html = format === 'markdown' ? markdownToHtml(value, true) : value;
  return collapseWhitespace(html === undefined ? value : htmlToText(html).text);
}

// ---------------------------------------------------------------------------------------------
// Excerpt helpers

/** Appends `…` unless the text already ends with an ellipsis; trailing `,;:` and dashes go first. */
export function withEllipsis(text: string): string {
  if (text === '' || text.endsWith(ELLIPSIS) || text.endsWith('...')) return text;
  const trimmed = text.replace(/[\s,;:\-\u2013\u2014]+$/u, '');
  if (trimmed === '') return ELLIPSIS;
  // After a letter or digit the ellipsis reads as a trailing-off; after `.`, `)` and such, it needs air.
  return /[\p{L}\p{N}]$/u.test(trimmed) ? trimmed + ELLIPSIS : `${trimmed} ${ELLIPSIS}`;
}

/**
 * The first `words` words of already collapsed text; `cut` when words were left out. Words are counted
 * as `countWords` does, so a lone `—` or `&` rides along instead of using up the budget.
 */
function firstWords(text: string, words: number): { text: string; cut: boolean } {
  const tokens = text === '' ? [] : text.split(' ');
  let seen = 0;
  for (let i = 0; i < tokens.length; i += 1) {
    if (!WORDISH.test(tokens[i] ?? '')) continue;
    seen += 1;
    if (seen === words) {
      const rest = tokens.slice(i + 1);
      if (!rest.some((token) => WORDISH.test(token))) return { text, cut: false };
      return { text: tokens.slice(0, i + 1).join(' '), cut: true };
    }
  }
  return { text, cut: false };
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

function removeRange(text: string, range: TextRange | undefined): string {
  if (!range || range.start >= text.length) return text;
  return `${text.slice(0, range.start)} ${text.slice(Math.min(range.end, text.length))}`;
}

function sameText(a: string, b: string): boolean {
  return a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;
}

// ---------------------------------------------------------------------------------------------
// extractTeaser

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
  const format = options.format ?? 'markdown';
  if (!FORMATS.includes(format)) {
    throw new RangeError(`Intermission: teaser "format" must be one of ${FORMATS.join(', ')}, got ${format}.`);
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
    candidate.readingMinutes = Math.max(1, Math.ceil(wordCount / WORDS_PER_MINUTE));
  }
  return sanitizeFields(candidate);
}

function bodyToText(body: string, format: TeaserFormat): HtmlText {
  if (format === 'text') {
    const marker = /<!--more(?:\s[\s\S]*?)?-->/.exec(body);
    if (!marker) return { text: body };
    return { text: `${body.slice(0, marker.index)}\n${body.slice(marker.index + marker[0].length)}`, moreAt: marker.index };
  }
  const html = format === 'markdown' ? markdownToHtml(body, false) : body;
  return html === undefined ? { text: body } : htmlToText(html);
}

function automaticExcerpt(doc: HtmlText, titleRange: TextRange | undefined, words: number): string {
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

// ---------------------------------------------------------------------------------------------
// Field validation, shared by extractTeaser and normalizeTeaser

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property, read defensively: getters and proxies from user code may throw. */
function readOwn(record: object, key: string): unknown {
  try {
    return Object.prototype.hasOwnProperty.call(record, key) ? (record as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

function stringField(record: object, key: string): string | undefined {
  const value = readOwn(record, key);
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function firstValid<T>(record: object, keys: readonly string[], check: (value: unknown) => T | undefined): T | undefined {
  for (const key of keys) {
    const value = check(readOwn(record, key));
    if (value !== undefined) return value;
  }
  return undefined;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 date string as given, or a valid `Date` (YAML `!!timestamp`) as an ISO string. */
function isoDate(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return ISO_DATE.test(trimmed) && !Number.isNaN(Date.parse(trimmed)) ? trimmed : undefined;
}

function plainString(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = capText(collapseWhitespace(value), max);
  return text === '' ? undefined : text;
}

/**
 * An http(s) URL or a same-origin path; anything else (other schemes, `//host`, `/\host`, which
 * browsers read as `//host`, whitespace, over-long values) is dropped, never repaired.
 */
export function safeUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const url = value.trim();
  // eslint-disable-next-line no-control-regex
  if (url === '' || url.length > MAX_URL || /[\s\u0000-\u001F\u007F\\]/.test(url)) return undefined;
  if (url.startsWith('/')) return url.startsWith('//') ? undefined : url;
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    return new URL(url).hostname === '' ? undefined : url;
  } catch {
    return undefined;
  }
}

function count(value: unknown, minimum: number): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= minimum ? value : undefined;
}

/** Keeps the known Teaser fields with the right types and shapes; `undefined` ones are left out. */
function sanitizeFields(record: object): Teaser {
  const teaser: Teaser = {};
  const title = plainString(readOwn(record, 'title'), MAX_TITLE);
  if (title !== undefined) teaser.title = title;
  const excerpt = plainString(readOwn(record, 'excerpt'), MAX_EXCERPT);
  if (excerpt !== undefined) teaser.excerpt = excerpt;
  const image = safeUrl(readOwn(record, 'image'));
  if (image !== undefined) teaser.image = image;
  const imageAlt = plainString(readOwn(record, 'imageAlt'), MAX_IMAGE_ALT);
  if (imageAlt !== undefined) teaser.imageAlt = imageAlt;
  const url = safeUrl(readOwn(record, 'url'));
  if (url !== undefined) teaser.url = url;
  const author = plainString(readOwn(record, 'author'), MAX_AUTHOR);
  if (author !== undefined) teaser.author = author;
  const publishedAt = isoDate(readOwn(record, 'publishedAt'));
  if (publishedAt !== undefined) teaser.publishedAt = publishedAt;
  const wordCount = count(readOwn(record, 'wordCount'), 0);
  if (wordCount !== undefined) teaser.wordCount = Math.floor(wordCount);
  // Reading time is "at least 1 minute": 0 or less is not a reading time, so it is dropped.
  const minutes = count(readOwn(record, 'readingMinutes'), Number.MIN_VALUE);
  if (minutes !== undefined) teaser.readingMinutes = Math.ceil(minutes);
  else if (teaser.wordCount !== undefined && teaser.wordCount > 0) {
    teaser.readingMinutes = Math.max(1, Math.ceil(teaser.wordCount / WORDS_PER_MINUTE));
  }
  return teaser;
}

// ---------------------------------------------------------------------------------------------
// normalizeTeaser

/**
 * Validates a teaser from user code (options, a resolver's result): anything goes in, only the known
 * fields with the right types come out, or `undefined` when nothing usable is left.
 *
 * An article body in `content` (with an optional `format`; an unknown one means markdown) yields
 * the excerpt, title, word count and reading time; fields given explicitly win. `content` longer
 * than `MAX_CONTENT_CHARS` is ignored rather than parsed per request. `content` is never returned.
 */
export function normalizeTeaser(input: unknown): Teaser | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const explicit = sanitizeFields(input);
  let teaser: Teaser = explicit;
  const content = readOwn(input, 'content');
  if (typeof content === 'string' && content.length <= MAX_CONTENT_CHARS) {
    const format = readOwn(input, 'format');
    const extracted = extractTeaser(content, {
      format: FORMATS.includes(format as TeaserFormat) ? (format as TeaserFormat) : 'markdown',
    });
    teaser = { ...extracted, ...explicit };
    // An explicit word count of 0 has no reading time; one extracted from the content would contradict it.
    if (explicit.wordCount !== undefined && explicit.readingMinutes === undefined) delete teaser.readingMinutes;
  }
  return Object.keys(teaser).length === 0 ? undefined : teaser;
}
