import * as z from 'zod';
import { parseIsoDateTime } from '../shared/iso-time.js';
import { MAX_COOKIE_MAX_AGE_SECONDS, MAX_MESSAGE_LENGTH, MAX_SCHEDULE_SECONDS, MIN_COOKIE_MAX_AGE_SECONDS } from '../shared/limits.js';
import { MESSAGE_KEYS, type MessageKey } from '../i18n/catalogues.js';
import { DEFAULT_SIGNUP_PATH, MAX_CONSENT_LENGTH } from '../signup/options.js';
import { normalizeTeaser } from '../teaser/normalize.js';
import { imageOriginProblem, teaserUrlProblem } from './urls.js';

/**
 * The serialisable part of the options: what a JSON config file, the environment or code may set.
 * Functions and host objects (`allow.bypass`, a teaser resolver, `logger`, `now`, `store`) are checked
 * in code-options.ts. `config/intermission.schema.json` is generated from this schema (`npm run schema`).
 * Every value that passes here must work at run time: what the page, the CSP or the cookie code
 * would refuse or silently drop is refused here, at start-up.
 */

const isoDateTime = z.string().refine((text) => parseIsoDateTime(text) !== undefined, {
  error: 'expected an ISO 8601 date-time with a time zone, like 2026-12-24T18:00:00Z',
});

const seconds = z.number().int().min(1).max(MAX_SCHEDULE_SECONDS);

/** A refinement from a function that names the problem, or returns `undefined` when there is none. */
function problem<T>(check: (value: T) => string | undefined) {
  return (value: T, ctx: z.core.$RefinementCtx<T>): void => {
    const message = check(value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: value });
  };
}

/** C0 and C1 controls and DEL, but those in `allowed`: they fake lines in the text page and logs. */
function hasControlCharacters(text: string, allowed = ''): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if ((code < 0x20 || (code >= 0x7f && code <= 0x9f)) && !allowed.includes(char)) return true;
  }
  return false;
}

/** Text shown on the page: `multiline` keeps line feeds and tabs. */
function pageText(max: number, multiline = false) {
  return z
    .string()
    .max(max)
    .refine((text) => !hasControlCharacters(text, multiline ? '\n\t' : ''), {
      error: multiline
        ? 'contains control characters other than line feeds and tabs; remove them'
        : 'contains control characters (line breaks included); remove them',
    });
}

const teaserFields = {
  title: z.string().optional(),
  excerpt: z.string().optional(),
  image: z
    .string()
    .superRefine(problem((url: string) => teaserUrlProblem(url, 'image')))
    .optional(),
  imageAlt: z.string().optional(),
  url: z
    .string()
    .superRefine(problem((url: string) => teaserUrlProblem(url, 'url')))
    .optional(),
  author: z.string().optional(),
  publishedAt: z
    .string()
    .refine((date) => normalizeTeaser({ publishedAt: date })?.publishedAt !== undefined, {
      error: 'is not a date the page can show',
    })
    .optional(),
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
const cookieName = z
  .string()
  .regex(/^[A-Za-z0-9!#$&'*+.^_`|~-]{1,64}$/, { error: "expected 1 to 64 letters, digits or !#$&'*+.^_`|~- characters" })
  // Browsers treat these prefixes case-insensitively, and the cookie code refuses them at run time.
  .refine((name) => !/^__(?:host|secure)-/i.test(name), { error: 'starts with a cookie prefix (__Host- or __Secure-)' });

/** A path of the package's own (the preview link, the signup endpoint). */
const endpointPath = (example: string) =>
  z
    .string()
    .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]{0,200}$/, {
      error: `expected a path starting with / made of URL-safe characters, like ${example}`,
    })
    .refine((path) => !path.includes('//') && !/\/\.\.?(?:\/|$)/.test(path), { error: 'may not contain // or dot segments' })
    .refine((path) => path !== '/', {
      error: `may not be / (the home page would become the endpoint); use a path of its own, like ${example}`,
    });

/** `signup: true`, or the launch list's settings (its store and hooks are code-only, see code-options.ts). */
const signup = z.union([
  z.boolean(),
  z.strictObject({
    path: endpointPath(DEFAULT_SIGNUP_PATH).optional(),
    consent: pageText(MAX_CONSENT_LENGTH).min(1).optional(),
    requireConsent: z.boolean().optional(),
    maintenance: z.boolean().optional(),
    file: z.string().min(1).optional(),
  }),
]);

const previewPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]{0,200}$/, {
    error: 'expected a path starting with / made of URL-safe characters, like /__intermission/preview',
  })
  .refine((path) => !path.includes('//') && !/\/\.\.?(?:\/|$)/.test(path), { error: 'a preview path may not contain // or dot segments' })
  .refine((path) => path !== '/', {
    error: 'may not be / (the home page would become the preview endpoint); use a path of its own, like /__intermission/preview',
  });

/**
 * `page.lang` and `page.messages` are only typed here: they are checked by config/page-language.ts,
 * whose problems carry codes of their own (ERR_INTERMISSION_INVALID_LANGUAGE …).
 */
const lang = z.string().meta({
  description:
    'Language of the pages: a BCP 47 tag like "de", "pt-BR" or "zh-Hans", or "auto" to follow each visitor\'s Accept-Language. Default "en".',
  examples: ['en', 'de', 'zh-Hans', 'auto'],
});

// Typed as what it holds, checked by page-language.ts (so a bad key or text gets its own code rather
// than zod's generic one): `z.unknown()` lets every value through to that check.
type MessagesInput = Record<string, Partial<Record<MessageKey, string>>>;
const messages = (z.unknown() as unknown as z.ZodType<MessagesInput, MessagesInput>).meta({
  type: 'object',
  description:
    'Your own strings, per language tag and message key; they win over the built-in catalogues (keys: src/i18n/messages/en.json).',
  additionalProperties: { type: 'object', propertyNames: { enum: [...MESSAGE_KEYS] }, additionalProperties: { type: 'string' } },
});

/** The texts of one mode's page; they win over the mode-less `page.title`, `page.heading` and `page.message`. */
const modeTexts = z.strictObject({
  title: pageText(300).optional(),
  heading: pageText(300).optional(),
  message: pageText(MAX_MESSAGE_LENGTH, true).optional(),
});

/** Statuses that cannot carry the page: no body allowed, or a header Intermission does not send is required. */
const PAGELESS_STATUSES = new Set([204, 205, 206, 401, 405, 407, 416, 426]);

const statusCode = z
  .number()
  .int()
  .min(200)
  .max(599)
  .refine((status) => !PAGELESS_STATUSES.has(status) && !(status >= 300 && status < 400), {
    error: 'cannot carry the page (it forbids a body, redirects, or needs a header Intermission does not send)',
  });

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  mode: z.enum(['off', 'maintenance', 'coming-soon']).optional().describe('Default mode. INTERMISSION_MODE and a state store override it.'),
  secret: z
    .union([z.string(), z.array(z.string()).min(1)])
    .optional()
    .describe(
      'Signs preview links and bypass cookies; at least 32 characters. A list rotates: the first signs, all verify. Prefer INTERMISSION_SECRET over committing it.',
    ),
  allow: z
    .strictObject({
      ips: z.array(z.string()).optional(),
      paths: z.array(z.string()).optional(),
      defaultPaths: z.boolean().optional(),
    })
    .optional(),
  only: z
    .array(z.string())
    .optional()
    .describe('Close only these paths (exact /shop or prefix /blog/*) and let every other request through untouched. Default: every path.'),
  retryAfter: seconds.optional().describe('Seconds for Retry-After when no end time is known. Default 3600.'),
  until: isoDateTime.optional().describe('When maintenance ends (ISO 8601 with a zone). The site opens by itself then.'),
  launchAt: isoDateTime.optional().describe('When the coming-soon site launches (ISO 8601 with a zone). The site opens by itself then.'),
  teaser: teaserSchema
    .optional()
    .describe(
      'The article teaser on the coming-soon page: the fields themselves, or { file } to read a Markdown/HTML/text article once at start-up.',
    ),
  fallbackTeaser: teaserSchema.optional().describe('Teaser used when a teaser resolver returns nothing, throws or is too slow.'),
  teaserTimeout: z.number().int().min(1).max(10_000).optional().describe('Milliseconds a teaser resolver may take. Default 250.'),
  page: z
    .strictObject({
      title: pageText(300).optional(),
      heading: pageText(300).optional(),
      message: pageText(MAX_MESSAGE_LENGTH, true).optional(),
      views: z.string().min(1).optional(),
      locals: z.record(z.string(), z.unknown()).optional(),
      lang: lang.optional(),
      messages: messages.optional(),
      maintenance: modeTexts.optional().describe('Title, heading and message of the maintenance page only.'),
      'coming-soon': modeTexts.optional().describe('Title, heading and message of the coming-soon page only.'),
      timeZone: z.string().refine(isTimeZone, { error: 'expected an IANA time zone like UTC or Europe/Paris' }).optional(),
      imageOrigins: z
        .array(
          z
            .url({ protocol: /^https?$/, error: 'is not an absolute http(s) URL; write one like https://images.example.com', abort: true })
            .superRefine(problem(imageOriginProblem)),
        )
        .optional(),
    })
    .optional(),
  statusCode: statusCode.optional().describe('Status of the coming-soon page for GET and HEAD. Default 200.'),
  noindex: z.boolean().optional().describe('Ask search engines not to index the gate pages. Default false.'),
  previewPath: previewPath.optional().describe('Where preview links land. Default /__intermission/preview.'),
  signup: signup
    .optional()
    .describe(
      'The launch list: an email form on the coming-soon page and its endpoint. Off by default; true or { path, consent, requireConsent, maintenance, file }.',
    ),
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
