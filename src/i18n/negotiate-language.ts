import Negotiator from 'negotiator';
import { createLanguageMatcher } from './language-tags.js';

/** Bounded: header values are attacker-chosen, so the cache is cleared rather than allowed to grow. */
const CACHE_LIMIT = 256;
/** Real browsers send a few dozen bytes; a longer header only makes parsing slow, so it counts as absent. */
const MAX_HEADER_LENGTH = 1024;

export interface LanguageNegotiator {
  /** The language to answer in: one of `supported`, the first of them when nothing else fits. */
  negotiate(acceptLanguage: string | undefined): string;
  /** Header values held now (tests check the bound). */
  readonly cacheSize: number;
  readonly cacheLimit: number;
}

/**
 * Picks from `supported` (the site's default first) by `Accept-Language`. `negotiator` parses the header
 * and orders the visitor's languages by q-value (ties keep the visitor's order; `q=0` drops one); each
 * is then matched as `createLanguageMatcher` does, so `de-AT` finds `de` and `zh-CN` finds `zh-Hans`,
 * which prefix matching alone would not. `*` takes the first supported language the header does not
 * refuse. A missing, empty, malformed or oversized header gets the default.
 *
 * Per request this costs one lookup in a cache of at most 256 header values; a miss parses once.
 */
export function createLanguageNegotiator(supported: readonly string[]): LanguageNegotiator {
  const available = [...supported];
  const fallback = available[0] ?? 'en';
  const match = createLanguageMatcher(available);
  const cache = new Map<string, string>();

  function choose(header: string): string {
    const negotiator = new Negotiator({ headers: { 'accept-language': header } });
    let preferred: string[];
    try {
      preferred = negotiator.languages();
    } catch {
      // The header is the visitor's to write; whatever the parser makes of it, the page still answers.
      return fallback;
    }
    for (const tag of preferred) {
      if (tag === '*') return negotiator.languages(available)[0] ?? fallback;
      const found = match(tag);
      if (found !== undefined) return found;
    }
    return fallback;
  }

  return {
    negotiate(acceptLanguage) {
      if (acceptLanguage === undefined || acceptLanguage.length === 0 || acceptLanguage.length > MAX_HEADER_LENGTH) return fallback;
      const cached = cache.get(acceptLanguage);
      if (cached !== undefined) return cached;
      const chosen = choose(acceptLanguage);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(acceptLanguage, chosen);
      return chosen;
    },
    get cacheSize() {
      return cache.size;
    },
    cacheLimit: CACHE_LIMIT,
  };
}

/** One negotiator per list, so callers that keep their list pay for the matcher once. */
const negotiators = new WeakMap<readonly string[], LanguageNegotiator>();

function negotiatorFor(supported: readonly string[]): LanguageNegotiator {
  let negotiator = negotiators.get(supported);
  if (!negotiator) negotiators.set(supported, (negotiator = createLanguageNegotiator(supported)));
  return negotiator;
}

/**
 * `createLanguageNegotiator(supported).negotiate(acceptLanguage)`, with the negotiator and its cache
 * kept per `supported` array: pass the same array every time (a new array starts a new cache).
 */
export function negotiateLanguage(acceptLanguage: string | undefined, supported: readonly string[]): string {
  return negotiatorFor(supported).negotiate(acceptLanguage);
}

/** How many header values the cache for `supported` holds, and its bound. */
export function languageCacheSize(supported: readonly string[]): { size: number; limit: number } {
  const negotiator = negotiatorFor(supported);
  return { size: negotiator.cacheSize, limit: negotiator.cacheLimit };
}
