// The built-in catalogues. Imported as JSON so the bundler inlines them: nothing is read from disk at
// run time, and the package needs no extra files next to dist/.
import ar from './messages/ar.json' with { type: 'json' };
import de from './messages/de.json' with { type: 'json' };
import en from './messages/en.json' with { type: 'json' };
import es from './messages/es.json' with { type: 'json' };
import fr from './messages/fr.json' with { type: 'json' };
import he from './messages/he.json' with { type: 'json' };
import it from './messages/it.json' with { type: 'json' };
import ja from './messages/ja.json' with { type: 'json' };
import nl from './messages/nl.json' with { type: 'json' };
import pl from './messages/pl.json' with { type: 'json' };
import pt from './messages/pt.json' with { type: 'json' };
import zhHans from './messages/zh-Hans.json' with { type: 'json' };

/** The languages with a built-in catalogue; English first, as the default and the fallback. */
export const SUPPORTED_LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'pl', 'ja', 'zh-Hans', 'ar', 'he'] as const;
export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];

/**
 * Every message key, in catalogue order. Spelled out (rather than `keyof typeof en`) so the published
 * declarations do not point at a JSON file; the checks below keep it and en.json identical.
 */
export const MESSAGE_KEYS = [
  'maintenance.title',
  'maintenance.heading',
  'maintenance.message',
  'maintenance.badge',
  'maintenance.expectedBack',
  'maintenance.shortly',
  'maintenance.backOn',
  'maintenance.backIn',
  'maintenance.footer',
  'comingSoon.title',
  'comingSoon.heading',
  'comingSoon.message',
  'comingSoon.badge',
  'comingSoon.launches',
  'comingSoon.launchesIn',
  'comingSoon.footer',
  'countdown.label',
  'countdown.live',
  'countdown.reload',
  'teaser.label',
  'teaser.readingTime',
  'text.back',
  'text.launching',
  'notice.badge',
  'preview.title',
  'preview.disabled',
  'preview.expired',
  'preview.invalid',
  'fallback.title',
  'fallback.message',
  'problem.badRequest',
  'problem.forbidden',
  'problem.notFound',
  'problem.methodNotAllowed',
  'problem.gone',
  'problem.contentTooLarge',
  'problem.unsupportedMediaType',
  'problem.unprocessableContent',
  'problem.tooManyRequests',
  'problem.serviceUnavailable',
  'problem.unavailable',
  'signup.heading',
  'signup.emailLabel',
  'signup.emailPlaceholder',
  'signup.consent',
  'signup.consentLabel',
  'signup.button',
  'signup.sending',
  'signup.thanks',
  'signup.thanksNeutral',
  'signup.emailRequired',
  'signup.invalidEmail',
  'signup.consentRequired',
  'signup.expired',
  'signup.rateLimited',
  'signup.tryAgainLater',
  'signup.closed',
  'signup.honeypotLabel',
] as const;
export type MessageKey = (typeof MESSAGE_KEYS)[number];

/** A complete catalogue: every key has a string. */
export type Messages = Readonly<Record<MessageKey, string>>;

// A compile-time guard: en.json has every key (`Messages`) and no other (an extra key would have to
// hold `never`).
const english: Messages & { readonly [extra in Exclude<keyof typeof en, MessageKey>]: never } = en;

/**
 * The catalogues as shipped. Only English is typed complete; the others are checked by tests, and any
 * gap falls back to English when a catalogue is assembled.
 */
const BUILT_IN: Readonly<Record<SupportedLanguage, Readonly<Partial<Record<MessageKey, string>>>>> = {
  en: english,
  de,
  fr,
  es,
  it,
  pt,
  nl,
  pl,
  ja,
  'zh-Hans': zhHans,
  ar,
  he,
};

const KEY_SET: ReadonlySet<string> = new Set(MESSAGE_KEYS);

export function isMessageKey(key: string): key is MessageKey {
  return KEY_SET.has(key);
}

/** The English catalogue, complete by construction. */
export function englishMessages(): Messages {
  return english;
}

/** The shipped strings of one language, possibly incomplete. */
export function builtInMessages(lang: SupportedLanguage): Readonly<Partial<Record<MessageKey, string>>> {
  return BUILT_IN[lang];
}
