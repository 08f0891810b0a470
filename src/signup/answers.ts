import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { messagesFor, problemTitleKey, type Messages } from '../i18n/index.js';
import { noticePage } from '../pages/fallback.js';
import { writeOwnHead } from '../pages/respond.js';
import { OUTCOME_MESSAGE, type SignupOutcome } from './form-types.js';

/** Answers are about one visitor's address: never cached, never sniffed, never indexed. */
const PRIVATE = ['Cache-Control', 'no-store', 'X-Content-Type-Options', 'nosniff', 'X-Robots-Tag', 'noindex'];

export interface Answerer {
  /** HTML for browsers that posted the form without JavaScript; JSON for fetch and API clients. */
  html: boolean;
  lang: string;
  messages: Messages;
  /** The page to send a form post back to. */
  back: string;
  /** Security headers of the gate's own pages, for the HTML notices. */
  pageHeaders: readonly string[];
}

/** HTML only when the client asks for it first-hand (a form post); `*\/*` and JSON get JSON. */
export function wantsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

export function answerer(req: IncomingMessage, lang: string, back: string, pageHeaders: readonly string[]): Answerer {
  return { html: wantsHtml(req), lang, messages: messagesFor(lang), back, pageHeaders };
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: readonly string[] = [],
  base: readonly string[] = PRIVATE,
): void {
  const bytes = Buffer.from(body, 'utf8');
  writeOwnHead(res, status, [...extra, ...base, 'Content-Type', type, 'Content-Length', String(bytes.length)]);
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** 201 or 200 with the same body: whether the address was new shows only in the status. */
export function answerSubscribed(req: IncomingMessage, res: ServerResponse, a: Answerer, status: 200 | 201): void {
  if (a.html) return redirect(res, a, 'thanks');
  send(
    req,
    res,
    status,
    'application/json; charset=utf-8',
    JSON.stringify({ status: 'subscribed', message: a.messages[OUTCOME_MESSAGE.thanks] }),
  );
}

/** A form post goes back to the page, to the fragment that shows the outcome: no resubmission on reload. */
export function redirect(res: ServerResponse, a: Answerer, outcome: SignupOutcome, extra: readonly string[] = []): void {
  writeOwnHead(res, 303, [...extra, 'Location', `${a.back}#signup-${outcome}`, ...PRIVATE, 'Content-Length', '0']);
  res.end();
}

/**
 * An RFC 9457 problem (JSON clients), or for a form post either the page with the outcome (an outcome
 * the visitor can act on) or a short notice page (a request no form of ours sends).
 */
export function answerProblem(
  req: IncomingMessage,
  res: ServerResponse,
  a: Answerer,
  status: number,
  detail: string,
  options: { outcome?: SignupOutcome; headers?: readonly string[]; field?: string; code?: string } = {},
): void {
  const headers = options.headers ?? [];
  if (a.html && options.outcome) return redirect(res, a, options.outcome, headers);
  const titleKey = problemTitleKey(status);
  const title = titleKey ? a.messages[titleKey] : (STATUS_CODES[status] ?? a.messages['problem.unavailable']);
  if (a.html) {
    // The gate's page headers hold no-store and nosniff already.
    send(req, res, status, 'text/html; charset=utf-8', noticePage({ lang: a.lang, title, message: detail }), headers, [
      ...a.pageHeaders,
      'X-Robots-Tag',
      'noindex',
    ]);
    return;
  }
  const document = {
    type: 'about:blank',
    title,
    status,
    detail,
    ...(options.field && { field: options.field }),
    ...(options.code && { code: options.code }),
  };
  send(req, res, status, 'application/problem+json; charset=utf-8', JSON.stringify(document), headers);
}
