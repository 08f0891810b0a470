import * as z from 'zod';
import { parseIsoDateTime } from '../shared/iso-time.js';
import { MAX_COOKIE_MAX_AGE_SECONDS, MAX_MESSAGE_LENGTH, MAX_SCHEDULE_SECONDS, MIN_COOKIE_MAX_AGE_SECONDS } from '../shared/limits.js';

/**
 * The serialisable part of the options: what a JSON config file, the environment or code may set.
 * Functions (`allow.bypass`, a teaser resolver, `logger`, `now`) are checked separately in config.ts.
 * `config/intermission.schema.json` is generated from this schema (`npm run schema`).
 */

const isoDateTime = z.string().refine((text) => parseIsoDateTime(text) !== undefined, { error: 'expected an ISO 8601 date-time with a time zone, like 2026-12-24T18:00:00Z',
});

const seconds = z.number().int().min(1).max(MAX_SCHEDULE_SECONDS);

const teaserFields = {
  title: z.string().optional(),
  excerpt: z.string().optional(),
  image: z.string().optional(),
  imageAlt: z.string().optional(),
  url: z.string().optional(),
  author: z.string().optional(),
  publishedAt: z.string().optional(),
  wordCount: z.number().int().min(0).optional(),
  readingMinutes: z.number().int().min(1).optional(),
  /** The article itself: excerpt, title and reading time are computed from it; it is never served. */
  content: z.string().optional(),
  format: z.enum(['markdown', 'html', 'text']).optional(),
};

const teaserFile = z.strictObject({
  file: z.string().min(1),
  format: z.enum(['markdown', 'html', 'text']).optional(),
  words: z.number().int().min(1).max(1000).optional(),
});

const teaserObject = z.strictObject(teaserFields);

/** The teaser as written in a config file: the teaser itself, or a file to read it from. */
export const teaserSchema = z.union([teaserFile, teaserObject]);

/** Cookie names are RFC 6265 tokens; `__Host-` is added by Intermission on secure requests. */
const cookieName = z.string().regex(/^[A-Za-z0-9!#$&'*+.^_`|~-]{1,64}$/, { error: 'expected 1 to 64 letters, digits or !#$&\'*+.^_`|~- characters',
});

const previewPath = z.string().regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]{0,200}$/, { error: 'expected a path starting with / made of URL-safe characters, like /__intermission/preview',
}).refine((path) => !path.includes('//') && !/\/\.\.?(?:\/|$)/.test(path), { error: 'a preview path may not contain // or dot segments',
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  mode: z.enum(['off', 'maintenance', 'coming-soon']).optional().describe('Default mode. INTERMISSION_MODE and a state store override it.'),
  secret: z.union([z.string(), z.array(z.string()).min(1)]).optional().describe('Signs preview links and bypass cookies; at least 32 characters. A list rotates: the first signs, all verify. Prefer INTERMISSION_SECRET over committing it.'),
  allow: z
    .strictObject({
      ips: z.array(z.string()).optional(),
      paths: z.array(z.string()).optional(),
      defaultPaths: z.boolean().optional(),
    })
    .optional(),
  retryAfter: seconds.optional().describe('Seconds for Retry-After when no end time is known. Default 3600.'),
  until: isoDateTime.optional().describe('When maintenance ends (ISO 8601 with a zone). The site opens by itself then.'),
  launchAt: isoDateTime.optional().describe('When the coming-soon site launches (ISO 8601 with a zone). The site opens by itself then.'),
  teaser: teaserSchema.optional().describe('The article teaser on the coming-soon page: the fields themselves, or { file } to read a Markdown/HTML/text article once at start-up.'),
  fallbackTeaser: teaserSchema.optional().describe('Teaser used when a teaser resolver returns nothing, throws or is too slow.'),
  teaserTimeout: z.number().int().min(1).max(10_000).optional().describe('Milliseconds a teaser resolver may take. Default 250.'),
  page: z
    .strictObject({
      title: z.string().max(300).optional(),
      heading: z.string().max(300).optional(),
      message: z.string().max(MAX_MESSAGE_LENGTH).optional(),
      views: z.string().min(1).optional(),
      locals: z.record(z.string(), z.unknown()).optional(),
      lang: z.string().regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, { error: 'expected a BCP 47 language tag like en or pt-BR' }).optional(),
      timeZone: z.string().refine(isTimeZone, { error: 'expected an IANA time zone like UTC or Europe/Paris' }).optional(),
      imageOrigins: z.array(z.url({ protocol: /^https?$/ })).optional(),
    })
    .optional(),
  statusCode: z.number().int().min(200).max(599).optional().describe('Status of the coming-soon page for GET and HEAD. Default 200.'),
  noindex: z.boolean().optional().describe('Ask search engines not to index the gate pages. Default false.'),
  previewPath: previewPath.optional().describe('Where preview links land. Default /__intermission/preview.'),
  cookie: z
    .strictObject({
      name: cookieName.optional(),
      maxAge: z.number().int().min(MIN_COOKIE_MAX_AGE_SECONDS).max(MAX_COOKIE_MAX_AGE_SECONDS).optional(),
    })
    .optional(),
});

/** What a config file (or the serialisable part of the options) may hold. */
export type FileConfig = z.infer<typeof configSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
