import type { IncomingMessage, ServerResponse } from 'node:http';
import { canonicalLanguageTag } from '../i18n/index.js';
import type { Logger, Mode } from '../types.js';
import { answerer, answerProblem, answerSubscribed, type Answerer } from './answers.js';
import { bodyKind, MAX_SIGNUP_BODY_BYTES, parsedBody, parseFields, readBody, type FieldsResult, type SignupFields } from './body.js';
import { createFormTokens, type FormTokens } from './form-token.js';
import { runHook } from './hooks.js';
import type { ResolvedSignup } from './options.js';
import { openSubscriberStore } from './open-store.js';
import { clientKey, createTokenBuckets, SIGNUP_RATE_LIMIT, type TokenBucketOptions } from './rate-limit.js';
import { normalizeEmail, SubscriberStoreError, type SubscriberStore } from './subscriber.js';

/** `Retry-After` for a store that failed: long enough for a restart, short enough for a visitor. */
const STORE_RETRY_SECONDS = 30;

interface SignupRequest extends IncomingMessage {
  ip?: string;
  baseUrl?: string;
  body?: unknown;
}

export interface SignupEndpointDeps {
  signup: ResolvedSignup;
  secrets: readonly string[];
  /** The page's language when the form does not say. */
  lang: string;
  logger: Logger;
  /** The gate's page headers (CSP and the rest), for the HTML notices. */
  pageHeaders: readonly string[];
  rateLimit?: TokenBucketOptions;
}

export interface SignupEndpoint {
  readonly path: string;
  readonly tokens: FormTokens;
  /** `true` when `url` (as received, query included) targets the endpoint. */
  matches(url: string): boolean;
  /** Whether the page of `mode` shows the form. */
  shownIn(mode: Mode): boolean;
  handle(req: IncomingMessage, res: ServerResponse, mode: Mode, now: number): void;
  /** The store, opened on first use (the launch hook reads the list through it). */
  store(): SubscriberStore;
  close(): Promise<void>;
}

/**
 * `POST <signup.path>`: checks, in order from cheapest, the mode, method, origin, content type, size
 * and rate; then reads the body, verifies the form token, drops honeypot hits (answered like a
 * success), validates the address and consent, stores durably, and only then answers 201/200 and calls
 * `onSubscribe`. It answers every request itself: it never calls `next()`, so it cannot open the gate.
 */
export function createSignupEndpoint(deps: SignupEndpointDeps): SignupEndpoint {
  const { signup, logger } = deps;
  const tokens = createFormTokens(deps.secrets);
  const buckets = createTokenBuckets(deps.rateLimit ?? SIGNUP_RATE_LIMIT);
  let opened: { store: SubscriberStore; owned: boolean } | undefined;
  const store = (): SubscriberStore => (opened ??= openSubscriberStore(signup.store)).store;
  const shownIn = (mode: Mode): boolean => mode === 'coming-soon' || (mode === 'maintenance' && signup.maintenance);

  function matches(url: string): boolean {
    if (!url.startsWith(signup.path)) return false;
    const next = url.charCodeAt(signup.path.length);
    return Number.isNaN(next) || next === 0x3f; /* ? */
  }

  function handle(request: IncomingMessage, res: ServerResponse, mode: Mode, now: number): void {
    const req = request as SignupRequest;
    const a = answerer(req, deps.lang, `${req.baseUrl ?? ''}/`, deps.pageHeaders);
    if (mode === 'off') return answerProblem(req, res, a, 410, a.messages['signup.closed']);
    if (!shownIn(mode)) return answerProblem(req, res, a, 404, 'There is no launch list on this page.');
    if (req.method !== 'POST') return answerProblem(req, res, a, 405, 'Send the form with POST.', { headers: ['Allow', 'POST'] });
    if (!sameOrigin(req)) return answerProblem(req, res, a, 403, 'This form can only be sent from this site.', { code: 'cross-origin' });
    const kind = bodyKind(req.headers['content-type']);
    if (!kind)
      return answerProblem(req, res, a, 415, 'Send application/x-www-form-urlencoded or application/json.', {
        headers: ['Accept-Post', 'application/x-www-form-urlencoded, application/json'],
      });
    const length = Number(req.headers['content-length']);
    if (length > MAX_SIGNUP_BODY_BYTES) return tooLarge(req, res, a);
    const wait = buckets.take(clientKey(req.ip ?? req.socket.remoteAddress), now);
    if (wait > 0) {
      const seconds = String(Math.ceil(wait / 1000));
      return answerProblem(req, res, a, 429, a.messages['signup.rateLimited'], {
        outcome: 'rate-limited',
        headers: ['Retry-After', seconds],
      });
    }
    const already = parsedBody(req);
    if (already) return void submit(req, res, a, already, now);
    readBody(req)
      .then((body) => {
        if ('status' in body) {
          if (body.status === 413) return tooLarge(req, res, a);
          return answerProblem(
            req,
            res,
            a,
            body.status,
            body.status === 408 ? 'The form took too long to arrive.' : 'The body is not valid UTF-8.',
          );
        }
        return submit(req, res, a, parseFields(kind, body.text), now);
      })
      .catch((error: unknown) => unexpected(req, res, a, error));
  }

  async function submit(req: SignupRequest, res: ServerResponse, base: Answerer, parsed: FieldsResult, now: number): Promise<void> {
    if ('problem' in parsed) return answerProblem(req, res, base, 400, `The form could not be read: ${parsed.problem}.`);
    const { fields } = parsed;
    const lang = languageOf(fields, deps.lang);
    const a = lang === base.lang ? base : answerer(req, lang, base.back, base.pageHeaders);
    const verdict = tokens.verify(fields.token, now);
    if (verdict !== 'ok') {
      logger.debug?.('Signup refused', { code: 'signup-refused', reason: `token-${verdict}` });
      return answerProblem(req, res, a, 403, a.messages['signup.expired'], { outcome: 'expired', code: `token-${verdict}` });
    }
    // A bot filled the hidden field: it gets the answer a person would, and nothing is stored.
    if (fields.honeypot) {
      logger.debug?.('Signup refused', { code: 'signup-refused', reason: 'honeypot' });
      return answerSubscribed(req, res, a, 201);
    }
    const normalized = normalizeEmail(fields.email);
    if ('error' in normalized) {
      const empty = normalized.error.code === 'empty' || normalized.error.code === 'not-a-string';
      const message = a.messages[empty ? 'signup.emailRequired' : 'signup.invalidEmail'];
      return answerProblem(req, res, a, 422, message, {
        outcome: empty ? 'required' : 'invalid',
        field: 'email',
        code: normalized.error.code,
      });
    }
    if (signup.requireConsent && !fields.consent) {
      return answerProblem(req, res, a, 422, a.messages['signup.consentRequired'], {
        outcome: 'consent',
        field: 'consent',
        code: 'consent-required',
      });
    }
    const subscriber = { email: normalized.email, subscribedAt: new Date(now).toISOString(), consent: fields.consent, lang };
    let result: 'added' | 'exists';
    try {
      result = await store().add(subscriber);
    } catch (error) {
      logger.error('The launch list could not store an address; the visitor was asked to try again', {
        code: error instanceof SubscriberStoreError ? error.code : 'ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE',
        error: error instanceof Error ? error.message : String(error),
      });
      const headers = ['Retry-After', String(STORE_RETRY_SECONDS)];
      return answerProblem(req, res, a, 503, a.messages['signup.tryAgainLater'], { outcome: 'unavailable', headers });
    }
    answerSubscribed(req, res, a, result === 'added' ? 201 : 200);
    if (result === 'added' && signup.onSubscribe) {
      const hook = signup.onSubscribe;
      void runHook('onSubscribe', () => hook(subscriber), logger);
    }
  }

  function tooLarge(req: IncomingMessage, res: ServerResponse, a: Answerer): void {
    // The rest of the body is not read: ask the client to close rather than send it.
    res.shouldKeepAlive = false;
    answerProblem(req, res, a, 413, `The form is over ${MAX_SIGNUP_BODY_BYTES} bytes.`, { headers: ['Connection', 'close'] });
  }

  function unexpected(req: IncomingMessage, res: ServerResponse, a: Answerer, error: unknown): void {
    logger.error('The signup endpoint failed', {
      code: 'ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE',
      error: error instanceof Error ? error.message : String(error),
    });
    if (!res.headersSent) answerProblem(req, res, a, 503, a.messages['signup.tryAgainLater'], { outcome: 'unavailable' });
    else res.destroy();
  }

  return {
    path: signup.path,
    tokens,
    matches,
    shownIn,
    handle,
    store,
    async close() {
      if (opened?.owned) await opened.store.close?.();
    },
  };
}

/** The form's `lang` when it is a real language tag, else the page's. Stored with the address. */
function languageOf(fields: SignupFields, fallback: string): string {
  if (fields.lang === undefined || fields.lang.length > 35) return fallback;
  return canonicalLanguageTag(fields.lang) ?? fallback;
}

/**
 * A browser says where a POST comes from: `Sec-Fetch-Site` (all current browsers) must be
 * `same-origin`, and `Origin`, when sent, must name this host. The gate's pages send
 * `Referrer-Policy: no-referrer`, under which a browser posts our own form with `Origin: null`: that
 * is accepted only with `Sec-Fetch-Site: same-origin`. Clients that send neither header (curl, an
 * old browser) pass here and still need a form token. Hosts are compared, not schemes: behind a TLS
 * proxy that Express does not trust, the request looks like http while the page is https.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return site === 'same-origin';
  const host = req.headers.host;
  if (host === undefined) return false;
  const at = origin.indexOf('://');
  if (at === -1) return false;
  const scheme = origin.slice(0, at).toLowerCase();
  return (scheme === 'http' || scheme === 'https') && origin.slice(at + 3).toLowerCase() === host.toLowerCase();
}
