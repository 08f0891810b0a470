import { STATUS_CODES } from 'node:http';
import type { Format } from './negotiate.js';
import { builtInAssets } from './assets.js';
import { makeBody, type Body, type Compression } from './body.js';
import { fallbackPage } from './fallback.js';
import { countdownParts, formatDate } from './format.js';
import { backInText, format, messagesFor, problemTitleKey, type Messages } from '../i18n/index.js';
import type { PageKind, PageLocals } from './page-locals.js';
import type { Templates } from './templates.js';
import type { SignupFormLocals } from '../signup/form-types.js';
import type { Teaser } from '../types.js';

/** Everything a page says, with times as epoch ms. One clock (`now`) for all of it. */
export interface PageContent {
  kind: PageKind;
  title: string;
  heading: string;
  message: string;
  until: number | undefined;
  launchAt: number | undefined;
  /** Seconds a client should wait, for the JSON bodies. */
  retryAfterSeconds: number;
  teaser: Teaser | undefined;
  statusCode: number;
  noindex: boolean;
  lang: string;
  dir: 'ltr' | 'rtl';
  /** The catalogue in `lang`: every built-in string the page and its JSON and text answers show. */
  messages: Messages;
  timeZone: string;
  custom: Record<string, unknown>;
  now: number;
  /** The launch list's form, when shown on this page. */
  signup?: SignupFormLocals | undefined;
}

export interface PageSet {
  kind: PageKind;
  html: Body;
  json: Body;
  text: Body;
  /** `application/problem+json` carries the response status, so it is built per status. */
  problem(status: number): Body;
  /** The most this set can ever hold in memory, whichever formats, encodings and statuses are asked for. */
  maxBytes: number;
}

/** Problem bodies kept per set: the gate answers with two statuses at most (the page's and 503). */
const PROBLEM_STATUSES_KEPT = 4;
/** What a problem document adds to the JSON body's fields: type, title, status, mode and a second copy of the message. */
const PROBLEM_EXTRA_BYTES = 256;

/** The built-in texts in `messages`' language, for a page whose site set none of its own. */
export function defaultText(kind: PageKind, messages: Messages): { title: string; heading: string; message: string } {
  return kind === 'maintenance'
    ? { title: messages['maintenance.title'], heading: messages['maintenance.heading'], message: messages['maintenance.message'] }
    : { title: messages['comingSoon.title'], heading: messages['comingSoon.heading'], message: messages['comingSoon.message'] };
}

/** The built-in English texts. */
export const DEFAULT_TEXT: Record<PageKind, { title: string; heading: string; message: string }> = {
  maintenance: defaultText('maintenance', messagesFor('en')),
  'coming-soon': defaultText('coming-soon', messagesFor('en')),
};

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** The machine-readable fields, shared by the JSON and problem bodies. */
function facts(content: PageContent): Record<string, unknown> {
  return {
    message: content.message,
    retryAfter: content.retryAfterSeconds,
    until: content.kind === 'maintenance' ? iso(content.until) : undefined,
    launchAt: content.kind === 'coming-soon' ? iso(content.launchAt ?? content.until) : undefined,
    teaser: content.kind === 'coming-soon' ? content.teaser : undefined,
  };
}

export function localsFor(content: PageContent, nonce: string): PageLocals {
  const date = (ms: number | undefined) =>
    ms === undefined ? undefined : { iso: new Date(ms).toISOString(), text: formatDate(new Date(ms), content.lang, content.timeZone) };
  const until = content.kind === 'maintenance' ? date(content.until) : undefined;
  const relative =
    until && content.until !== undefined ? backInText(content.messages, content.until, content.now, content.lang) : undefined;
  const launch = content.kind === 'coming-soon' ? (content.launchAt ?? content.until) : undefined;
  return {
    kind: content.kind,
    lang: content.lang,
    dir: content.dir,
    t: content.messages,
    title: content.title,
    heading: content.heading,
    message: content.message,
    statusCode: content.statusCode,
    until: until && relative !== undefined ? { ...until, relative } : until,
    launchAt: date(launch),
    countdown: launch === undefined ? undefined : countdownParts(launch, content.now, content.lang),
    teaser: content.kind === 'coming-soon' ? content.teaser : undefined,
    noindex: content.noindex,
    nonce,
    inlineStyle: builtInAssets.inlineStyle,
    inlineScript: builtInAssets.inlineScript,
    custom: content.custom,
    ...(content.signup && { signup: content.signup }),
  };
}

function textBody(content: PageContent): string {
  const lines = [content.heading, '', content.message];
  const until = content.kind === 'maintenance' ? content.until : (content.launchAt ?? content.until);
  if (until !== undefined) {
    const label = content.messages[content.kind === 'maintenance' ? 'text.back' : 'text.launching'];
    lines.push('', format(label, { date: new Date(until).toISOString() }));
  }
  if (content.kind === 'coming-soon' && content.teaser?.title) {
    lines.push('', content.teaser.title);
    if (content.teaser.excerpt) lines.push(content.teaser.excerpt);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Renders every representation of a page once; each is compressed on first use, at `compression`. A
 * template that throws falls back to the built-in minimal page (`onTemplateError` is told, so it can log
 * once); this function itself never throws.
 */
export function buildPageSet(
  content: PageContent,
  templates: Templates,
  nonce: string,
  onTemplateError: (error: unknown) => void,
  compression: Compression,
): PageSet {
  let html: string;
  try {
    html = templates.render(content.kind, localsFor(content, nonce));
  } catch (error) {
    onTemplateError(error);
    html = fallbackPage(content);
  }
  const shared = facts(content);
  const problems = new Map<number, Body>();
  const json = makeBody('application/json; charset=utf-8', JSON.stringify({ status: content.kind, ...shared }), undefined, compression);
  const htmlBody = makeBody('text/html; charset=utf-8', html, nonce, compression);
  const text = makeBody('text/plain; charset=utf-8', textBody(content), undefined, compression);
  // A problem document holds the JSON body's fields (the message, escaped, twice) and a few short ones.
  const problemIdentityMax = 2 * json.identity.length + PROBLEM_EXTRA_BYTES;
  const problemMax = problemIdentityMax + 2 * (problemIdentityMax + (problemIdentityMax >> 10) + 64);
  return {
    kind: content.kind,
    html: htmlBody,
    json,
    text,
    problem(status) {
      let body = problems.get(status);
      if (!body) {
        const document = {
          type: 'about:blank',
          title: problemTitle(content.messages, status),
          status,
          detail: content.message,
          mode: content.kind,
          ...shared,
        };
        body = makeBody('application/problem+json; charset=utf-8', JSON.stringify(document), undefined, compression);
        if (problems.size < PROBLEM_STATUSES_KEPT) problems.set(status, body);
      }
      return body;
    },
    maxBytes: htmlBody.maxBytes + json.maxBytes + text.maxBytes + PROBLEM_STATUSES_KEPT * problemMax,
  };
}

/** RFC 9457 lets a problem's `title` follow the visitor's language: the catalogue's, else the reason phrase. */
function problemTitle(messages: Messages, status: number): string {
  const key = problemTitleKey(status);
  return key !== undefined ? messages[key] : (STATUS_CODES[status] ?? messages['problem.unavailable']);
}

export function bodyFor(set: PageSet, format: Format, status: number): Body {
  return format === 'problem' ? set.problem(status) : set[format];
}
