import type * as z from 'zod';
import type { ConfigErrorCode, ConfigIssue } from '../errors.js';
import { MAX_COOKIE_MAX_AGE_SECONDS, MIN_COOKIE_MAX_AGE_SECONDS, MIN_SECRET_LENGTH } from '../shared/limits.js';
import { closest } from '../shared/messages.js';
import { CODE_ONLY_OPTIONS } from './code-options.js';
import { configSchema } from './schema.js';

/** Turns zod's issues into ours: a code, the fix appended, and "did you mean" for unknown keys. */

export const SECRET_FIX = `use a random string of at least ${MIN_SECRET_LENGTH} characters (\`npx intermission secret\` prints one)`;

const DATE_FIX = 'write it like 2026-12-24T18:00:00Z';

const PUBLISHED_FIX = { code: 'ERR_INTERMISSION_INVALID_DATE', fix: 'write it like 2026-12-24 or 2026-12-24T18:00:00Z' } as const;
/** URL checks write the whole message themselves (urls.ts). */
const URL_CODE = { code: 'ERR_INTERMISSION_INVALID_URL' } as const;

/** The code of a field, and how to fix it, appended to zod's description of what is wrong. */
const FIXES: Record<string, { code: ConfigErrorCode; fix?: string }> = {
  mode: { code: 'ERR_INTERMISSION_INVALID_MODE', fix: 'use "off", "maintenance" or "coming-soon"' },
  secret: { code: 'ERR_INTERMISSION_INVALID_SECRET', fix: SECRET_FIX },
  until: { code: 'ERR_INTERMISSION_INVALID_DATE', fix: DATE_FIX },
  launchAt: { code: 'ERR_INTERMISSION_INVALID_DATE', fix: DATE_FIX },
  retryAfter: { code: 'ERR_INTERMISSION_INVALID_NUMBER', fix: 'use a whole number of seconds, like 3600' },
  teaserTimeout: { code: 'ERR_INTERMISSION_INVALID_NUMBER', fix: 'use whole milliseconds from 1 to 10000' },
  statusCode: {
    code: 'ERR_INTERMISSION_INVALID_NUMBER',
    fix: 'use 200 (the default), 503, or another 2xx, 4xx or 5xx status that carries a page (not 204, 205, 206, 3xx, 401, 405, 407, 416 or 426)',
  },
  'cookie.name': {
    code: 'ERR_INTERMISSION_INVALID_COOKIE',
    fix: 'use a plain name like intermission_bypass; Intermission adds the __Host- prefix itself on secure requests',
  },
  'page.imageOrigins': URL_CODE,
  'teaser.image': URL_CODE,
  'teaser.url': URL_CODE,
  'fallbackTeaser.image': URL_CODE,
  'fallbackTeaser.url': URL_CODE,
  'teaser.publishedAt': PUBLISHED_FIX,
  'fallbackTeaser.publishedAt': PUBLISHED_FIX,
  'cookie.maxAge': {
    code: 'ERR_INTERMISSION_INVALID_NUMBER',
    fix: `use whole seconds from ${MIN_COOKIE_MAX_AGE_SECONDS} to ${MAX_COOKIE_MAX_AGE_SECONDS} (30 days); milliseconds are a common slip`,
  },
};

const KNOWN_TOP_LEVEL: readonly string[] = [...Object.keys(configSchema.shape), ...CODE_ONLY_OPTIONS];

function fixFor(path: string): { code: ConfigErrorCode; fix?: string } {
  return FIXES[path] ?? FIXES[path.replace(/\[\d+\]$/, '')] ?? { code: 'ERR_INTERMISSION_INVALID_OPTION' };
}

/** `['allow', 'ips', 2]` → `allow.ips[2]`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function suggest(key: string, known: readonly string[]): string {
  const best = closest(key, known);
  return best ? `did you mean "${best}"?` : `known options are ${known.join(', ')}`;
}

interface SchemaLike {
  shape?: Record<string, unknown>;
  options?: unknown[];
  unwrap?: () => unknown;
}

/** The object shape behind optional wrappers; a union of objects offers the keys of all of them. */
function unwrap(schema: unknown): { shape?: Record<string, unknown> } | undefined {
  let current = schema as SchemaLike | undefined;
  while (current && !current.shape && typeof current.unwrap === 'function') {
    current = current.unwrap() as SchemaLike;
  }
  if (current && !current.shape && Array.isArray(current.options)) {
    const shape: Record<string, unknown> = {};
    for (const option of current.options) Object.assign(shape, unwrap(option)?.shape);
    return { shape };
  }
  return current;
}

/** The option names allowed at `path` (`''` for the top level), for "did you mean". */
function knownKeys(path: string): readonly string[] {
  if (path === '') return KNOWN_TOP_LEVEL;
  let shape: unknown = configSchema;
  for (const part of path.split('.')) {
    shape = unwrap(shape)?.shape?.[part];
  }
  return Object.keys(unwrap(shape)?.shape ?? {});
}

type ZodIssue = z.core.$ZodIssue;

/** Issues at the root of a union member (unknown keys, another type): the value has another member's shape. */
function shapeMismatches(issues: readonly ZodIssue[]): number {
  return issues.filter((issue) => issue.path.length === 0).length;
}

/**
 * A union none of whose members matched (a teaser that is neither `{ file }` nor the fields) says
 * only "Invalid input": report instead the issues of the member the value was evidently meant to be,
 * the one it misses least in shape, then the one with fewest issues.
 */
function withUnionsResolved(issues: readonly ZodIssue[], prefix: readonly PropertyKey[]): { issue: ZodIssue; at: PropertyKey[] }[] {
  return issues.flatMap((issue) => {
    const at = [...prefix, ...issue.path];
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ issue, at }];
    const [best] = [...issue.errors].sort((a, b) => shapeMismatches(a) - shapeMismatches(b) || a.length - b.length);
    return best ? withUnionsResolved(best, at) : [{ issue, at }];
  });
}

/**
 * Turns zod issues into ours. `name` maps an option path to what the user wrote (an env var, or the
 * path prefixed with the config file's name).
 */
export function toIssues(error: z.ZodError, name: (path: string) => string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const { issue, at } of withUnionsResolved(error.issues, [])) {
    const path = formatPath(at);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({
          field: name(path ? `${path}.${key}` : key),
          code: 'ERR_INTERMISSION_UNKNOWN_OPTION',
          message: `unknown option; ${suggest(key, knownKeys(path))}`,
        });
      }
      continue;
    }
    const { code, fix } = fixFor(path);
    issues.push({ field: name(path), code, message: fix ? `${issue.message}; ${fix}` : issue.message });
  }
  return issues;
}
