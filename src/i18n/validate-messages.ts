import { closest, describeValue } from '../shared/messages.js';
import { englishMessages, isMessageKey, MESSAGE_KEYS, SUPPORTED_LANGUAGES, type MessageKey } from './catalogues.js';
import { parseLanguageTag } from './language-tags.js';
import { placeholdersOf, type MessageOverrides } from './messages.js';

/**
 * Checks a site's own strings (`page.messages`) and language options. Returns problems instead of
 * throwing, so the config layer can list them all in one `IntermissionConfigError`.
 */

export type MessageProblemCode =
  /** `page.messages` or one language's entry is not a plain object. */
  | 'ERR_INTERMISSION_INVALID_MESSAGES'
  /** A language tag is malformed, names no known language, or repeats another one. */
  | 'ERR_INTERMISSION_INVALID_LANGUAGE'
  /** A message key that no page uses. */
  | 'ERR_INTERMISSION_UNKNOWN_MESSAGE'
  /** A message that is not a string, is too long, or uses a placeholder its key does not have. */
  | 'ERR_INTERMISSION_INVALID_MESSAGE';

export interface MessageProblem {
  /** Where, as an option path: `page.messages.de["maintenance.title"]`. */
  path: string;
  code: MessageProblemCode;
  /** What is wrong. */
  message: string;
  /** How to fix it. */
  fix: string;
}

export interface ValidatedMessages {
  /** The valid part, tags in canonical spelling (`pt-br` → `pt-BR`); frozen. */
  overrides: MessageOverrides;
  problems: MessageProblem[];
}

/** Page text, not documents: a bound that catches a pasted file without cramping a consent notice. */
export const MAX_MESSAGE_LENGTH = 4000;

const TAG_EXAMPLES = '"de", "pt-BR" or "zh-Hans"';
const NAMES = {
  language: new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }),
  script: new Intl.DisplayNames(['en'], { type: 'script', fallback: 'none' }),
  region: new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' }),
};

/** `true` when ICU has a name for the subtag; `und` and private-use codes have none (and may throw). */
function isKnown(type: keyof typeof NAMES, code: string | undefined): boolean {
  if (code === undefined) return true;
  try {
    return NAMES[type].of(code) !== undefined;
  } catch {
    return false;
  }
}

/** `.name` when `name` is an identifier, else `["name"]`. */
function member(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** "did you mean …?" for a near built-in tag; too short a typo matches anything, so it gets the examples. */
function tagFix(tag: string, otherwise: string): string {
  const near = tag.length >= 2 ? closest(tag, SUPPORTED_LANGUAGES) : undefined;
  return near !== undefined && near !== tag ? `did you mean ${JSON.stringify(near)}?` : otherwise;
}

/** Why `tag` cannot name a language, or its canonical spelling when it can. */
function languageTagProblem(tag: unknown): { message: string; fix: string } | { canonical: string } {
  if (typeof tag !== 'string')
    return { message: `expected a language tag, got ${describeValue(tag)}`, fix: `use a BCP 47 tag like ${TAG_EXAMPLES}` };
  const locale = parseLanguageTag(tag);
  if (!locale)
    return { message: `${JSON.stringify(tag)} is not a BCP 47 language tag`, fix: tagFix(tag, `use a tag like ${TAG_EXAMPLES}`) };
  // `und` parses with no language at all (Node 20 gives `undefined`, whatever the typings say).
  const language: string | undefined = locale.language;
  if (!isKnown('language', language || 'und')) {
    return {
      message: `${JSON.stringify(tag)} names no known language`,
      fix: tagFix(tag, `use an ISO 639 language code, as in ${TAG_EXAMPLES}`),
    };
  }
  if (!isKnown('script', locale.script)) {
    return {
      message: `${JSON.stringify(tag)} names no known script`,
      fix: tagFix(tag, 'use an ISO 15924 script code such as Latn, Hans or Arab, or leave the script out'),
    };
  }
  if (!isKnown('region', locale.region)) {
    return {
      message: `${JSON.stringify(tag)} names no known region`,
      fix: tagFix(tag, 'use an ISO 3166 country code such as DE or BR, or leave the region out'),
    };
  }
  return { canonical: locale.baseName };
}

/**
 * Checks a language option such as `page.lang`: a well-formed tag of a known language, or `'auto'`
 * when `allowAuto`. A language without a built-in catalogue is accepted (its strings fall back to
 * English unless the site supplies them).
 */
export function validateLanguageOption(value: unknown, path: string, allowAuto: boolean): MessageProblem[] {
  if (allowAuto && value === 'auto') return [];
  const checked = languageTagProblem(value);
  if ('canonical' in checked) return [];
  const fix = allowAuto ? `${checked.fix} (or "auto" to follow each visitor's Accept-Language)` : checked.fix;
  return [{ path, code: 'ERR_INTERMISSION_INVALID_LANGUAGE', message: checked.message, fix }];
}

function checkMessage(key: MessageKey, value: unknown, path: string, problems: MessageProblem[]): value is string {
  if (typeof value !== 'string') {
    problems.push({
      path,
      code: 'ERR_INTERMISSION_INVALID_MESSAGE',
      message: `expected a string, got ${describeValue(value)}`,
      fix: 'write the text as a string, or remove the key to keep the built-in text',
    });
    return false;
  }
  if (value.length > MAX_MESSAGE_LENGTH) {
    problems.push({
      path,
      code: 'ERR_INTERMISSION_INVALID_MESSAGE',
      message: `is ${value.length} characters long, over the ${MAX_MESSAGE_LENGTH} allowed`,
      fix: 'shorten it; messages are page text',
    });
    return false;
  }
  const allowed = placeholdersOf(englishMessages()[key]);
  const unknown = placeholdersOf(value).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    const names = unknown.map((name) => `{${name}}`).join(', ');
    problems.push({
      path,
      code: 'ERR_INTERMISSION_INVALID_MESSAGE',
      message: `uses ${names}, which this message does not provide`,
      fix:
        allowed.length > 0
          ? `use ${allowed.map((name) => `{${name}}`).join(', ')} or plain text`
          : 'this message takes no placeholders; write plain text',
    });
    return false;
  }
  return true;
}

function checkLanguage(entry: unknown, path: string, problems: MessageProblem[]): Partial<Record<MessageKey, string>> {
  const strings = Object.create(null) as Partial<Record<MessageKey, string>>;
  if (!isPlainObject(entry)) {
    problems.push({
      path,
      code: 'ERR_INTERMISSION_INVALID_MESSAGES',
      message: `expected an object of messages, got ${describeValue(entry)}`,
      fix: `write { ${JSON.stringify(MESSAGE_KEYS[0])}: "…" }, one key per message to replace`,
    });
    return strings;
  }
  for (const key of Object.keys(entry)) {
    const keyPath = member(path, key);
    if (!isMessageKey(key)) {
      const near = closest(key, MESSAGE_KEYS);
      problems.push({
        path: keyPath,
        code: 'ERR_INTERMISSION_UNKNOWN_MESSAGE',
        message: `${JSON.stringify(key)} is not a message key`,
        fix:
          near !== undefined
            ? `did you mean ${JSON.stringify(near)}?`
            : 'use one of the keys listed in the README’s message table, e.g. "maintenance.heading"',
      });
      continue;
    }
    const value = entry[key];
    if (checkMessage(key, value, keyPath, problems)) strings[key] = value;
  }
  return Object.freeze(strings);
}

/**
 * Checks `page.messages`: `{ [languageTag]: { [messageKey]: string } }`. Every problem is reported
 * (unknown keys with a "did you mean", non-strings, unknown placeholders, bad or repeated tags); the
 * valid entries are kept, so one typo does not hide the rest. `undefined` is no overrides.
 */
export function validateMessageOverrides(value: unknown, path = 'page.messages'): ValidatedMessages {
  const problems: MessageProblem[] = [];
  const overrides = Object.create(null) as Record<string, Readonly<Partial<Record<MessageKey, string>>>>;
  if (value === undefined) return { overrides: Object.freeze(overrides), problems };
  if (!isPlainObject(value)) {
    problems.push({
      path,
      code: 'ERR_INTERMISSION_INVALID_MESSAGES',
      message: `expected an object keyed by language tag, got ${describeValue(value)}`,
      fix: 'write { de: { "maintenance.heading": "…" } }',
    });
    return { overrides: Object.freeze(overrides), problems };
  }
  const seen = new Map<string, string>();
  for (const tag of Object.keys(value)) {
    const tagPath = member(path, tag);
    const checked = languageTagProblem(tag);
    if (!('canonical' in checked)) {
      problems.push({ path: tagPath, code: 'ERR_INTERMISSION_INVALID_LANGUAGE', ...checked });
      continue;
    }
    const earlier = seen.get(checked.canonical);
    if (earlier !== undefined) {
      problems.push({
        path: tagPath,
        code: 'ERR_INTERMISSION_INVALID_LANGUAGE',
        message: `${JSON.stringify(tag)} is the same language as ${JSON.stringify(earlier)}`,
        fix: 'merge the two into one entry',
      });
      continue;
    }
    seen.set(checked.canonical, tag);
    overrides[checked.canonical] = checkLanguage(value[tag], tagPath, problems);
  }
  return { overrides: Object.freeze(overrides), problems };
}
