import type * as Yaml from 'yaml';
import { onFirstUse } from '../shared/on-first-use.js';

const yaml = onFirstUse('yaml') as () => typeof Yaml;

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
    parsed = yaml().parse(match[1] ?? '', { logLevel: 'error' });
  } catch {
    return { data: {}, body };
  }
  const data = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  return { data, body };
}
