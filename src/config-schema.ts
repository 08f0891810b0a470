import * as z from 'zod';

/**
 * The serialisable part of the options: what a JSON config file, the environment or code may set.
 * Functions (`allow.bypass`, a teaser resolver, `logger`, `now`) are checked separately in config.ts.
 * `config/intermission.schema.json` is generated from this schema (`npm run schema`).
 */

const MAX_SECONDS = 366 * 24 * 60 * 60;

/** ISO 8601 date-time with an explicit zone: `2026-12-24T18:00:00Z` or `…+01:00`. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export function parseIsoDateTime(text: string): number | undefined {
  if (!ISO_DATE_TIME.test(text)) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse rolls 2026-02-30 over into March; a date that does not exist is a typo, not a wish.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const probe = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 0));
  if (probe.getUTCMonth() + 1 !== month || probe.getUTCDate() !== day) return undefined;
  return ms;
}

const isoDateTime = z.string().refine((text) => parseIsoDateTime(text) !== undefined, {
  message: 'expected an ISO 8601 date-time with a time zone, like 2026-12-24T18:00:00Z',
});

const seconds = z.number().int().min(1).max(MAX_SECONDS);

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
const cookieName = z.string().regex(/^[A-Za-z0-9!#$&'*+.^_`|~-]{1,64}$/, {
  message: 'expected 1 to 64 letters, digits or !#$&\'*+.^_`|~- characters',
});

const previewPath = z.string().regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]{0,200}$/, {
  message: 'expected a path starting with / made of URL-safe characters, like /__intermission/preview',
}).refine((path) => !path.includes('//') && !/\/\.\.?(?:\/|$)/.test(path), {
  message: 'a preview path may not contain // or dot segments',
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  mode: z.enum(['off', 'maintenance', 'coming-soon']).optional(),
  secret: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  allow: z
    .strictObject({
      ips: z.array(z.string()).optional(),
      paths: z.array(z.string()).optional(),
      defaultPaths: z.boolean().optional(),
    })
    .optional(),
  retryAfter: seconds.optional(),
  until: isoDateTime.optional(),
  launchAt: isoDateTime.optional(),
  teaser: teaserSchema.optional(),
  fallbackTeaser: teaserSchema.optional(),
  teaserTimeout: z.number().int().min(1).max(10_000).optional(),
  page: z
    .strictObject({
      title: z.string().max(300).optional(),
      heading: z.string().max(300).optional(),
      message: z.string().max(2000).optional(),
      views: z.string().min(1).optional(),
      locals: z.record(z.string(), z.unknown()).optional(),
      lang: z.string().regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, { message: 'expected a BCP 47 language tag like en or pt-BR' }).optional(),
      timeZone: z.string().refine(isTimeZone, { message: 'expected an IANA time zone like UTC or Europe/Paris' }).optional(),
      imageOrigins: z.array(z.url({ protocol: /^https?$/ })).optional(),
    })
    .optional(),
  statusCode: z.number().int().min(200).max(599).optional(),
  noindex: z.boolean().optional(),
  previewPath: previewPath.optional(),
  cookie: z
    .strictObject({
      name: cookieName.optional(),
      maxAge: z.number().int().min(60).max(30 * 24 * 60 * 60).optional(),
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
