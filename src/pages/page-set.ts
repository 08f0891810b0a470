import { STATUS_CODES } from 'node:http';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Format } from './negotiate.js';
import { builtInAssets } from './assets.js';
import { fallbackPage } from './fallback.js';
import { countdownParts, formatDate } from './format.js';
import type { PageKind, PageLocals } from './page-locals.js';
import type { Templates } from './templates.js';
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
  timeZone: string;
  custom: Record<string, unknown>;
  now: number;
}

/** One representation of the page, encoded three ways once, so a request only picks one. */
export interface Body {
  contentType: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
  /**
   * Set when a user template printed the CSP nonce: the body is split around the placeholder and
   * joined with a fresh nonce per response (such bodies are not compressed).
   */
  nonceParts: string[] | undefined;
}

export interface PageSet {
  kind: PageKind;
  html: Body;
  json: Body;
  text: Body;
  /** `application/problem+json` carries the response status, so it is built per status. */
  problem(status: number): Body;
}

export const DEFAULT_TEXT: Record<PageKind, { title: string; heading: string; message: string }> = {
  maintenance: {
    title: 'Down for maintenance',
    heading: 'We’ll be back soon',
    message: 'We’re doing some planned work on the site. Thanks for your patience.',
  },
  'coming-soon': {
    title: 'Coming soon',
    heading: 'Coming soon',
    message: 'We’re putting the finishing touches on something new.',
  },
};

export function makeBody(contentType: string, text: string, nonce: string | undefined): Body {
  const identity = Buffer.from(text);
  const nonceParts = nonce && text.includes(nonce) ? text.split(nonce) : undefined;
  return {
    contentType,
    identity,
    gzip: nonceParts ? identity : gzipSync(identity, { level: 9 }),
    br: nonceParts
      ? identity
      : brotliCompressSync(identity, {
          params: { [zlib.BROTLI_PARAM_QUALITY]: 10, [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length },
        }),
    nonceParts,
  };
}

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
  const launch = content.kind === 'coming-soon' ? (content.launchAt ?? content.until) : undefined;
  return {
    kind: content.kind,
    lang: content.lang,
    title: content.title,
    heading: content.heading,
    message: content.message,
    statusCode: content.statusCode,
    until: content.kind === 'maintenance' ? date(content.until) : undefined,
    launchAt: date(launch),
    countdown: launch === undefined ? undefined : countdownParts(launch, content.now, content.lang),
    teaser: content.kind === 'coming-soon' ? content.teaser : undefined,
    noindex: content.noindex,
    nonce,
    inlineStyle: builtInAssets.inlineStyle,
    inlineScript: builtInAssets.inlineScript,
    custom: content.custom,
  };
}

function textBody(content: PageContent): string {
  const lines = [content.heading, '', content.message];
  const until = content.kind === 'maintenance' ? content.until : (content.launchAt ?? content.until);
  if (until !== undefined) lines.push('', `${content.kind === 'maintenance' ? 'Back' : 'Launching'}: ${new Date(until).toISOString()}`);
  if (content.kind === 'coming-soon' && content.teaser?.title) {
    lines.push('', content.teaser.title);
    if (content.teaser.excerpt) lines.push(content.teaser.excerpt);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Renders every representation of a page once. A template that throws falls back to the built-in
 * minimal page (`onTemplateError` is told, so it can log once); this function itself never throws.
 */
export function buildPageSet(
  content: PageContent,
  templates: Templates,
  nonce: string,
  onTemplateError: (error: unknown) => void,
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
  return {
    kind: content.kind,
    html: makeBody('text/html; charset=utf-8', html, nonce),
    json: makeBody('application/json; charset=utf-8', JSON.stringify({ status: content.kind, ...shared }), undefined),
    text: makeBody('text/plain; charset=utf-8', textBody(content), undefined),
    problem(status) {
      let body = problems.get(status);
      if (!body) {
        const document = { type: 'about:blank', title: STATUS_CODES[status] ?? 'Unavailable', status, detail: content.message, mode: content.kind, ...shared };
        body = makeBody('application/problem+json; charset=utf-8', JSON.stringify(document), undefined);
        problems.set(status, body);
      }
      return body;
    },
  };
}

export function bodyFor(set: PageSet, format: Format, status: number): Body {
  return format === 'problem' ? set.problem(status) : set[format];
}
