import { SUPPORTED_LANGUAGES, type SupportedLanguage } from './catalogues.js';

/**
 * Matching BCP 47 tags against a list of available languages. Pure; built on `Intl.Locale`, which
 * canonicalises case and old aliases (`iw` → `he`, `in` → `id`) and knows each language's likely script
 * and region (`zh-CN` → `zh-Hans-CN`, `zh-TW` → `zh-Hant-TW`, `pt` → `pt-Latn-BR`).
 */

/** An available language, prepared once: how it is written in the list, and its likely subtags. */
interface Entry {
  tag: string;
  baseName: string;
  language: string;
  script: string | undefined;
  /** The region the entry names itself (`pt-BR`), not the likely one. */
  region: string | undefined;
}

/** Scripts written right to left (ISO 15924), for languages a site adds on top of the built-in ones. */
const RTL_SCRIPTS: ReadonlySet<string> = new Set([
  'Adlm',
  'Arab',
  'Aran',
  'Armi',
  'Avst',
  'Chrs',
  'Cprt',
  'Elym',
  'Hatr',
  'Hebr',
  'Hung',
  'Khar',
  'Lydi',
  'Mand',
  'Mani',
  'Mend',
  'Merc',
  'Mero',
  'Narb',
  'Nbat',
  'Nkoo',
  'Orkh',
  'Ougr',
  'Palm',
  'Phli',
  'Phlp',
  'Phnx',
  'Prti',
  'Rohg',
  'Samr',
  'Sarb',
  'Sogd',
  'Sogo',
  'Syrc',
  'Thaa',
  'Yezi',
]);

/** `tag` as an `Intl.Locale`, or `undefined` when it is not a well-formed language tag. */
export function parseLanguageTag(tag: unknown): Intl.Locale | undefined {
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > 64) return undefined;
  try {
    // Some clients (Java, old Android) write `de_DE`; nothing else uses `_`, so read it as `-`.
    return new Intl.Locale(tag.includes('_') ? tag.replaceAll('_', '-') : tag);
  } catch {
    return undefined;
  }
}

/** The canonical spelling of a tag without extensions (`EN-us-u-ca-buddhist` → `en-US`), or `undefined`. */
export function canonicalLanguageTag(tag: unknown): string | undefined {
  return parseLanguageTag(tag)?.baseName;
}

function entryOf(tag: string): Entry | undefined {
  const locale = parseLanguageTag(tag);
  if (!locale) return undefined;
  const likely = locale.maximize();
  return { tag, baseName: locale.baseName.toLowerCase(), language: likely.language, script: likely.script, region: locale.region };
}

/** Finds, for any tag, the best of a fixed list of languages. */
export type LanguageMatcher = (tag: string) => string | undefined;

/**
 * The shape of a language tag, checked before `Intl.Locale`, which takes microseconds (more to throw)
 * on the junk a header can hold. Private-use (`x-…`) and grandfathered (`i-…`) tags fail it: no
 * catalogue is written for them.
 */
const TAG_SHAPE = /^[a-z]{2,8}(?:[-_][a-z0-9]{1,8})*$/i;
/** Matches remembered per matcher; cleared when full, as tags in headers are the visitor's to choose. */
const MEMO_LIMIT = 256;

/**
 * A matcher over `available`: the entry spelled the same (ignoring case and extensions), else an entry
 * of the same language written in the same script, preferring the same region, then one that names no
 * region. So with `de`, `pt`, `zh-Hans`: `de-AT` → `de`, `pt-PT` → `pt`, `zh-CN`, `zh-SG` and
 * `zh-Hans-HK` → `zh-Hans`, and `zh-TW` or `zh-Hant` → nothing (Traditional is another script).
 * Malformed entries in `available` are ignored.
 */
export function createLanguageMatcher(available: readonly string[]): LanguageMatcher {
  const entries = available.map(entryOf).filter((entry): entry is Entry => entry !== undefined);
  const exact = new Map<string, string>();
  for (const entry of entries) if (!exact.has(entry.baseName)) exact.set(entry.baseName, entry.tag);
  const memo = new Map<string, string | null>();

  function bySubtags(tag: string): string | undefined {
    const locale = parseLanguageTag(tag);
    if (!locale) return undefined;
    const same = exact.get(locale.baseName.toLowerCase());
    if (same !== undefined) return same;
    const likely = locale.maximize();
    let best: Entry | undefined;
    let bestRank = 0;
    for (const entry of entries) {
      if (entry.language !== likely.language || entry.script !== likely.script) continue;
      const rank = entry.region !== undefined && entry.region === locale.region ? 3 : entry.region === undefined ? 2 : 1;
      if (rank > bestRank) {
        best = entry;
        bestRank = rank;
      }
    }
    return best?.tag;
  }

  return function matchLanguage(tag) {
    const same = exact.get(tag.toLowerCase());
    if (same !== undefined) return same;
    if (tag.length > 64 || !TAG_SHAPE.test(tag)) return undefined;
    const remembered = memo.get(tag);
    if (remembered !== undefined) return remembered ?? undefined;
    const found = bySubtags(tag);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(tag, found ?? null);
    return found;
  };
}

const matchBuiltIn = createLanguageMatcher(SUPPORTED_LANGUAGES);

/**
 * The built-in catalogue for a BCP 47 tag, or `undefined` when none fits: `de-AT` → `de`, `pt-BR` →
 * `pt`, `iw` → `he`, `zh`, `zh-CN`, `zh-SG`, `zh-Hans-*` → `zh-Hans`.
 *
 * `zh-TW`, `zh-HK` and `zh-Hant` get `undefined`, not `zh-Hans`: readers of Traditional Chinese can
 * usually read Simplified, but many would rather not be served it, and their browsers normally list a
 * bare `zh` (or English) next, which negotiation then honours. The visitor's own list decides.
 */
export function resolveLanguage(tag: string): SupportedLanguage | undefined {
  return matchBuiltIn(tag) as SupportedLanguage | undefined;
}

const SUPPORTED_SET: ReadonlySet<string> = new Set(SUPPORTED_LANGUAGES);

/** `true` when `tag` names a built-in catalogue exactly as listed in `SUPPORTED_LANGUAGES`. */
export function isSupportedLanguage(tag: unknown): tag is SupportedLanguage {
  return typeof tag === 'string' && SUPPORTED_SET.has(tag);
}

/** Text direction of a language, from its likely script: `rtl` for ar, he, fa, ur, yi, ..., else `ltr`. */
export function direction(lang: string): 'ltr' | 'rtl' {
  const script = parseLanguageTag(lang)?.maximize().script;
  return script !== undefined && RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr';
}
