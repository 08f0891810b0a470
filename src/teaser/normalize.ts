import type { Teaser } from '../types.js';
import { isTeaserFormat } from './article-text.js';
import { extractTeaser } from './extract.js';
import { readOwn, sanitizeFields } from './fields.js';

/** Longest `content` string `normalizeTeaser` will extract from (same as the teaser file cap). */
export const MAX_CONTENT_CHARS = 2 * 1024 * 1024;

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
    const extracted = extractTeaser(content, { format: isTeaserFormat(format) ? format : 'markdown' });
    teaser = { ...extracted, ...explicit };
    // An explicit word count of 0 has no reading time; one extracted from the content would contradict it.
    if (explicit.wordCount !== undefined && explicit.readingMinutes === undefined) delete teaser.readingMinutes;
  }
  return Object.keys(teaser).length === 0 ? undefined : teaser;
}
