import { builtInMessages, englishMessages, MESSAGE_KEYS, type MessageKey, type Messages, type SupportedLanguage } from './catalogues.js';
import { canonicalLanguageTag, resolveLanguage } from './language-tags.js';

/**
 * A site's own strings (`page.messages`), per language tag, as `validateMessageOverrides` returns them:
 * tags in canonical spelling, only known keys, only strings.
 */
export type MessageOverrides = Readonly<Record<string, Readonly<Partial<Record<MessageKey, string>>>>>;

type Layer = Readonly<Partial<Record<MessageKey, string>>>;

/**
 * `zh-Hans-CN` → [`zh-Hans-CN`, `zh-Hans`, `zh`]: the tag, then each shorter prefix (RFC 4647 lookup).
 * `tag` is a canonical base name, so it holds no extension or private-use subtags.
 */
function lookupChain(tag: string): string[] {
  const chain = [tag];
  for (let cut = tag.lastIndexOf('-'); cut > 0; cut = tag.lastIndexOf('-', cut - 1)) chain.push(tag.slice(0, cut));
  return chain;
}

/** The layers for `lang`, most specific first; English (the site's, then the built-in) always last. */
function layersFor(lang: string, overrides: MessageOverrides | undefined): Layer[] {
  const tag = canonicalLanguageTag(lang) ?? 'en';
  const builtIn: SupportedLanguage = resolveLanguage(tag) ?? 'en';
  const layers: Layer[] = [];
  const used = new Set<string>();
  const addOverride = (key: string): void => {
    const layer = overrides !== undefined && Object.hasOwn(overrides, key) ? overrides[key] : undefined;
    if (layer !== undefined && !used.has(key)) layers.push(layer);
    used.add(key);
  };
  for (const key of lookupChain(tag)) addOverride(key);
  // `iw` or `zh-CN` asked for: a site's `he` or `zh-Hans` strings apply, as the built-in ones do.
  addOverride(builtIn);
  layers.push(builtInMessages(builtIn));
  addOverride('en');
  layers.push(englishMessages());
  return layers;
}

function assemble(layers: readonly Layer[]): Messages {
  const out = {} as Record<MessageKey, string>;
  for (const key of MESSAGE_KEYS) {
    let value: string | undefined;
    for (const layer of layers) {
      value = layer[key];
      if (value !== undefined) break;
    }
    // English is complete by construction, so this never falls through to the key's name.
    out[key] = value ?? englishMessages()[key];
  }
  return Object.freeze(out);
}

/** Assembled built-in catalogues, one per built-in language: at most twelve. */
const builtInCache = new Map<SupportedLanguage, Messages>();

/**
 * The complete, frozen catalogue for `lang` (any BCP 47 tag). Each key comes from the first of: the
 * site's strings for the tag or a shorter prefix of it (`pt-BR`, then `pt`), the site's strings for the
 * built-in language the tag resolves to, the built-in catalogue, the site's English, built-in English.
 * A missing translation therefore shows English, never a key name. An unknown or malformed tag gets
 * English. Without overrides the result is cached; with them, cache it yourself (once per language).
 */
export function messagesFor(lang: string, overrides?: MessageOverrides): Messages {
  if (overrides === undefined || Object.keys(overrides).length === 0) {
    const builtIn = resolveLanguage(canonicalLanguageTag(lang) ?? 'en') ?? 'en';
    let cached = builtInCache.get(builtIn);
    if (!cached) builtInCache.set(builtIn, (cached = assemble(layersFor(builtIn, undefined))));
    return cached;
  }
  return assemble(layersFor(lang, overrides));
}

/** `{name}`: a letter, then letters, digits or `_`. Anything else in braces is plain text. */
const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;

/** The placeholder names in `message`, in order of first appearance, each once. */
export function placeholdersOf(message: string): string[] {
  const names: string[] = [];
  for (const found of message.matchAll(PLACEHOLDER)) {
    const name = found[1];
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}

export type MessageParams = Readonly<Record<string, string | number>>;

/**
 * Fills `{name}` placeholders from `params`. Escapes nothing: the templates escape what they output.
 * A placeholder without a value is left as written, so a mistake shows rather than vanishing.
 */
export function format(message: string, params: MessageParams): string {
  return message.replace(PLACEHOLDER, (whole, name: string) => {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    return value === undefined ? whole : String(value);
  });
}

/** A piece of a message: text, or the name of a placeholder to put there. */
export type MessagePart = string | { readonly placeholder: string };

/**
 * `message` split at its placeholders, for templates that wrap a value in markup
 * (`Launches {date}` → `['Launches ', { placeholder: 'date' }]`, the date inside `<time>`). Empty text
 * pieces are left out.
 */
export function messageParts(message: string): MessagePart[] {
  const parts: MessagePart[] = [];
  let last = 0;
  for (const found of message.matchAll(PLACEHOLDER)) {
    if (found.index > last) parts.push(message.slice(last, found.index));
    parts.push({ placeholder: found[1] ?? '' });
    last = found.index + found[0].length;
  }
  if (last < message.length) parts.push(message.slice(last));
  return parts;
}

const PROBLEM_TITLES: Readonly<Partial<Record<number, MessageKey>>> = {
  400: 'problem.badRequest',
  403: 'problem.forbidden',
  404: 'problem.notFound',
  405: 'problem.methodNotAllowed',
  410: 'problem.gone',
  413: 'problem.contentTooLarge',
  415: 'problem.unsupportedMediaType',
  422: 'problem.unprocessableContent',
  429: 'problem.tooManyRequests',
  503: 'problem.serviceUnavailable',
};

/**
 * The key of a problem document's `title` for `status` (RFC 9457 lets it follow the visitor's
 * language), or `undefined` for a status without one: use the HTTP reason phrase there, or
 * `problem.unavailable` when there is none.
 */
export function problemTitleKey(status: number): MessageKey | undefined {
  return PROBLEM_TITLES[status];
}
