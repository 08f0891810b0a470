import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { BypassRules } from './bypass/match.js';
import type { ResolvedConfig } from './config/resolve.js';
import { IntermissionConfigError, type ConfigIssue, type WarningCode } from './errors.js';
import { compileIpRules } from './bypass/ip-rules.js';
import type { Compression } from './pages/body.js';
import { createPageCache, type PageCache, type PageCacheLimits } from './pages/page-cache.js';
import { buildPageSet, defaultText, type PageSet } from './pages/page-set.js';
import { createPageLanguages, type PageLanguage } from './pages/page-language.js';
import { compilePathRules } from './bypass/path-rules.js';
import { builtInAssets } from './pages/assets.js';
import { loadTemplates, type Templates } from './pages/templates.js';
import type { GateHeaders } from './pages/respond.js';
import { endOf, phaseAt, retryAfterSeconds, retryAfterValue } from './state/schedule.js';
import { gateSecurityHeaders } from './pages/security-headers.js';
import { bypassCookieNames, createCookieVerifier } from './bypass/bypass-cookie.js';
import { createKeyRing, type KeyRing } from './bypass/keys.js';
import { loadTeaserFile, resolveTeaser } from './teaser/source.js';
import { imageOriginProblem } from './config/urls.js';
import { normalizeTeaser } from './teaser/normalize.js';
import type { GateState } from './state/stored-state.js';
import { createSignupEndpoint } from './signup/endpoint.js';
import { FORM_TOKEN_RENDER_INTERVAL_MS } from './signup/form-token.js';
import { signupAssets, signupFormLocals } from './signup/form-locals.js';
import type { Logger, Mode, Teaser, TeaserFile, TeaserResolver } from './types.js';

/** The state resolved at one instant, cached until the next instant at which it can change. */
export interface Snapshot {
  mode: Mode;
  /** Epoch ms after which this snapshot must be recomputed. */
  validUntil: number;
  validAfter: number;
  /** `Retry-After` for this snapshot's 503s. */
  retryAfter: string;
  /** Pages for the static teaser, rendered on the first gated request. */
  pages: PageSet | undefined;
  /** Pages for resolver teasers, by language and teaser; dropped with the snapshot. */
  teaserPages: PageCache<PageSet>;
  /**
   * With `page.lang: 'auto'`: pages for the static teaser in the other languages, rendered on first use.
   * Keyed by the prepared language, so it is bounded by the candidate languages (the built-in ones and
   * those `page.messages` adds), never by what headers say; a plain map keeps the look-up at one hash.
   */
  languagePages: Map<PageLanguage, PageSet>;
}

/**
 * Resolver teasers are request-dependent: their pages are kept within these bounds (a set is charged
 * the most it can ever hold, ~66 KB for the built-in page), and compressed lazily at the fast level.
 */
export const TEASER_PAGE_LIMITS: PageCacheLimits = { entries: 100, bytes: 8 * 1024 * 1024 };
const MINUTE = 60_000;

/** Warnings are for operators, not for every request: each code is logged once per gate. */
export function createWarnOnce(logger: Logger): (code: WarningCode, message: string, details?: Record<string, unknown>) => void {
  const seen = new Set<WarningCode>();
  return (code, message, details) => {
    if (seen.has(code)) return;
    seen.add(code);
    logger.warn(message, { code, ...details });
  };
}

function loadTeaser(spec: Teaser | TeaserFile | undefined, field: string, issues: ConfigIssue[]): Teaser | undefined {
  if (spec === undefined) return undefined;
  let teaser: Teaser | undefined;
  if ('file' in spec && typeof spec.file === 'string') {
    try {
      teaser = loadTeaserFile(spec);
    } catch (error) {
      issues.push({ field: `${field}.file`, code: 'ERR_INTERMISSION_TEASER_FILE', message: (error as Error).message });
      return undefined;
    }
  } else {
    teaser = normalizeTeaser(spec);
  }
  // An image named in the file's front matter (or found in `content`) goes into the CSP too: a host
  // helmet cannot put in img-src must fail the start-up, not the first request.
  const problem = teaser?.image !== undefined && /^https?:\/\//i.test(teaser.image) ? imageOriginProblem(teaser.image) : undefined;
  if (problem !== undefined) {
    const where = 'file' in spec ? `${field}.file` : `${field}.image`;
    issues.push({
      field: where,
      code: 'ERR_INTERMISSION_INVALID_URL',
      message: `the teaser image ${JSON.stringify(teaser?.image)} ${problem}`,
    });
    return undefined;
  }
  return teaser;
}

function originOf(url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\//i.test(url)) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * Everything the request path needs, built once from the resolved config: compiled rules, keys,
 * templates, the static teaser and the security headers. Throws one `IntermissionConfigError` with
 * every problem that start-up I/O (teaser file, templates) adds to the config's own.
 */
export function createGate(config: ResolvedConfig) {
  const issues: ConfigIssue[] = [];
  const teaser = typeof config.teaser === 'function' ? undefined : loadTeaser(config.teaser, 'teaser', issues);
  const fallbackTeaser = loadTeaser(config.fallbackTeaser, 'fallbackTeaser', issues);
  const resolver: TeaserResolver | undefined = typeof config.teaser === 'function' ? config.teaser : undefined;
  let templates: Templates | undefined;
  try {
    templates = loadTemplates(config.page.views);
  } catch (error) {
    issues.push({ field: 'page.views', code: 'ERR_INTERMISSION_TEMPLATE', message: (error as Error).message });
  }
  if (issues.length > 0 || !templates) throw new IntermissionConfigError(issues);
  const loadedTemplates = templates;

  const ring: KeyRing | undefined = config.secrets.length > 0 ? createKeyRing(config.secrets) : undefined;
  const cookieMaxAgeMs = config.cookie.maxAge * 1000;
  const rules: BypassRules = {
    paths: compilePathRules(config.paths).matcher,
    ips: compileIpRules(config.ips).matcher,
    cookies: ring ? createCookieVerifier(ring, cookieMaxAgeMs) : undefined,
    cookieNames: bypassCookieNames(config.cookie.name),
  };

  // A random placeholder stands in for the per-response nonce; only user templates ever print it.
  const noncePlaceholder = `intermission-nonce-${randomBytes(12).toString('hex')}`;
  const imageOrigins = [...new Set([...config.page.imageOrigins, originOf(teaser?.image), originOf(fallbackTeaser?.image)])].filter(
    (origin): origin is string => origin !== undefined,
  );
  const languages = createPageLanguages(config.page.lang, config.page.messages);
  const common = [
    'Cache-Control',
    'no-store',
    'Vary',
    languages.auto ? 'Accept, Accept-Encoding, Accept-Language' : 'Accept, Accept-Encoding',
  ];
  if (config.noindex) common.push('X-Robots-Tag', 'noindex');
  const form = config.signup;
  const hashes = {
    styleHashes: form ? [builtInAssets.styleHash, signupAssets.styleHash] : [builtInAssets.styleHash],
    scriptHashes: form ? [builtInAssets.scriptHash, signupAssets.scriptHash] : [builtInAssets.scriptHash],
    imageOrigins,
    // The form's script posts with fetch: same origin only.
    ...(form && { connectSrc: ["'self'"] }),
  };
  const headers: GateHeaders = {
    base: [...gateSecurityHeaders(hashes).flat(), ...common],
    withNonce: (() => {
      const template = [...gateSecurityHeaders({ ...hashes, nonce: noncePlaceholder }).flat(), ...common];
      return (nonce: string) => template.map((value) => value.replaceAll(noncePlaceholder, nonce));
    })(),
  };

  const warnOnce = createWarnOnce(config.logger);
  const signup = form
    ? createSignupEndpoint({
        signup: form,
        secrets: config.secrets,
        lang: config.page.lang,
        logger: config.logger,
        pageHeaders: headers.base,
      })
    : undefined;
  let state: GateState = {
    mode: config.mode,
    until: config.until,
    launchAt: config.launchAt,
    retryAfter: config.retryAfter,
  };
  let snapshot: Snapshot | undefined;

  function computeSnapshot(now: number): Snapshot {
    const phase = phaseAt(state, now);
    const mode = phase.mode;
    const end = mode === 'off' ? undefined : endOf(state, mode);
    // Pages show a countdown and "back at" text: re-render at the next minute so it stays true.
    let validUntil = phase.changesAt ?? Number.POSITIVE_INFINITY;
    if (mode !== 'off' && end !== undefined) validUntil = Math.min(validUntil, (Math.floor(now / MINUTE) + 1) * MINUTE);
    // The form token in the page must stay fresh: render again before it gets old (see form-token.ts).
    if (signup?.shownIn(mode)) validUntil = Math.min(validUntil, now + FORM_TOKEN_RENDER_INTERVAL_MS);
    return {
      mode,
      validUntil,
      validAfter: state.previewsValidAfter ?? 0,
      retryAfter: retryAfterValue(end, state.retryAfter ?? config.retryAfter, now),
      pages: undefined,
      teaserPages: createPageCache<PageSet>(TEASER_PAGE_LIMITS),
      languagePages: new Map<PageLanguage, PageSet>(),
    };
  }

  function renderPages(
    mode: Exclude<Mode, 'off'>,
    pageTeaser: Teaser | undefined,
    now: number,
    compression: Compression,
    language: PageLanguage,
  ): PageSet {
    // The site's own texts (per mode, else mode-less) win in every language; the rest is the catalogue's.
    const own = config.page.texts[mode];
    const text = defaultText(mode, language.messages);
    const end = endOf(state, mode);
    return buildPageSet(
      {
        kind: mode,
        title: own.title ?? (mode === 'coming-soon' && pageTeaser?.title ? `${text.title}: ${pageTeaser.title}` : text.title),
        heading: own.heading ?? text.heading,
        message: state.message ?? own.message ?? text.message,
        until: mode === 'maintenance' ? end : state.until,
        launchAt: mode === 'coming-soon' ? end : undefined,
        retryAfterSeconds: retryAfterSeconds(end, state.retryAfter ?? config.retryAfter, now),
        teaser: pageTeaser,
        statusCode: mode === 'coming-soon' ? config.statusCode : 503,
        noindex: config.noindex,
        lang: language.lang,
        dir: language.dir,
        messages: language.messages,
        timeZone: config.page.timeZone,
        custom: config.page.locals,
        now,
        signup:
          form && signup?.shownIn(mode) ? signupFormLocals(form, language.lang, language.messages, signup.tokens.issue(now)) : undefined,
      },
      loadedTemplates,
      noncePlaceholder,
      (error) =>
        warnOnce('WRN_INTERMISSION_TEMPLATE_FAILED', 'A page template failed to render; serving the built-in minimal page', {
          error: error instanceof Error ? error.message : String(error),
        }),
      compression,
    );
  }

  function currentSnapshot(now: number): Snapshot {
    if (!snapshot || now >= snapshot.validUntil) snapshot = computeSnapshot(now);
    return snapshot;
  }

  /** The language of a request: the fixed one, or (with 'auto') one cached negotiation of its header. */
  function languageOf(req: IncomingMessage | undefined): PageLanguage {
    return req === undefined || !languages.auto ? languages.fallback : languages.pick(req.headers['accept-language']);
  }

  /**
   * Pages for the static teaser, in the request's language. The default language's set lives on the
   * snapshot (a fixed language never looks further); other languages are rendered on first use.
   */
  function staticPages(current: Snapshot, now: number, req?: IncomingMessage): PageSet {
    if (current.mode === 'off') throw new Error('no pages while the gate is open');
    const language = languageOf(req);
    if (language === languages.fallback) {
      current.pages ??= renderPages(current.mode, teaser ?? fallbackTeaser, now, 'best', language);
      return current.pages;
    }
    let set = current.languagePages.get(language);
    if (!set) current.languagePages.set(language, (set = renderPages(current.mode, teaser ?? fallbackTeaser, now, 'best', language)));
    return set;
  }

  return {
    config,
    rules,
    ring,
    headers,
    warnOnce,
    cookieMaxAgeMs,
    /** The launch list's endpoint, when `signup` is on. */
    signup,
    hasResolver: resolver !== undefined,

    /** The snapshot in force at `now`, recomputed only when a scheduled instant has passed. */
    snapshot: currentSnapshot,

    /** Replaces the runtime state (a store pushed a change). The next request sees it. */
    setState(next: GateState): void {
      state = next;
      snapshot = undefined;
      // Render now, off the request path, so the first visitor after a toggle gets a ready page.
      const now = config.now();
      const current = currentSnapshot(now);
      if (current.mode !== 'off') {
        // Compression is lazy; do the HTML's here too, as it is the costly one at the best level.
        const { html } = staticPages(current, now);
        html.bytes('br');
        html.bytes('gzip');
      }
    },

    state(): GateState {
      return state;
    },

    /** Pages for the static (or fallback) teaser, rendered once per snapshot (and language). */
    pages: staticPages,

    /** The language, direction and catalogue a request is answered in (notice pages use it too). */
    language: languageOf,

    /** Pages for the teaser a resolver returns for this request; falls back to the static pages. */
    async pagesForRequest(current: Snapshot, req: IncomingMessage, now: number): Promise<PageSet> {
      if (!resolver || current.mode !== 'coming-soon') return staticPages(current, now, req);
      const resolved = await resolveTeaser(resolver, req, config.teaserTimeout, (kind, detail) =>
        warnOnce('WRN_INTERMISSION_TEASER_FAILED', `The teaser resolver failed (${kind}); serving the fallback teaser`, {
          detail: detail instanceof Error ? detail.message : detail,
        }),
      );
      if (!resolved) return staticPages(current, now, req);
      const language = languageOf(req);
      const teaserKey = JSON.stringify(resolved);
      const key = languages.auto ? `${language.lang}\u0000${teaserKey}` : teaserKey;
      let set = current.teaserPages.get(key);
      if (!set) {
        // Per request: the fast level, and only the encodings asked for, so a flood of distinct teasers
        // costs a render and a cheap compression each, never brotli at its best.
        set = renderPages(current.mode, resolved, now, 'fast', language);
        current.teaserPages.set(key, set, set.maxBytes);
      }
      return set;
    },
  };
}

export type Gate = ReturnType<typeof createGate>;
