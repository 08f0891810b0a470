import {
  canonicalLanguageTag,
  createLanguageNegotiator,
  direction,
  messagesFor,
  SUPPORTED_LANGUAGES,
  type MessageOverrides,
  type Messages,
} from '../i18n/index.js';

/** One language a page is rendered in: its tag, its direction and its complete catalogue. */
export interface PageLanguage {
  lang: string;
  dir: 'ltr' | 'rtl';
  messages: Messages;
}

export interface PageLanguages {
  /** `true` with `page.lang: 'auto'`: gate responses depend on `Accept-Language`. */
  auto: boolean;
  /** The fixed language, or with `'auto'` the one for visitors whose header names none we have. */
  fallback: PageLanguage;
  /** The language for a request: the fixed one as is, or one cached negotiation of the header. */
  pick(acceptLanguage: string | undefined): PageLanguage;
}

/** The language to serve when `'auto'` finds nothing better: English, the complete catalogue. */
const AUTO_DEFAULT = 'en';

function prepare(lang: string, overrides: MessageOverrides): PageLanguage {
  return { lang, dir: direction(lang), messages: messagesFor(lang, overrides) };
}

/**
 * Built once per gate from `page.lang` and `page.messages`. A fixed language is assembled here and
 * `pick` returns it without looking at the header. With `'auto'` the candidates are the built-in
 * languages plus those the site's messages add (`pt-BR`, `sv`), English first as the default; each
 * candidate's catalogue is assembled on first use and kept, so the map is bounded by the candidates.
 */
export function createPageLanguages(lang: string, overrides: MessageOverrides): PageLanguages {
  if (lang !== 'auto') {
    const fixed = prepare(canonicalLanguageTag(lang) ?? AUTO_DEFAULT, overrides);
    return { auto: false, fallback: fixed, pick: () => fixed };
  }
  const candidates = [...new Set<string>([AUTO_DEFAULT, ...SUPPORTED_LANGUAGES, ...Object.keys(overrides)])];
  const negotiator = createLanguageNegotiator(candidates);
  const prepared = new Map<string, PageLanguage>();
  const languageOf = (tag: string): PageLanguage => {
    let found = prepared.get(tag);
    if (!found) prepared.set(tag, (found = prepare(tag, overrides)));
    return found;
  };
  return {
    auto: true,
    fallback: languageOf(AUTO_DEFAULT),
    pick: (acceptLanguage) => languageOf(negotiator.negotiate(acceptLanguage)),
  };
}
