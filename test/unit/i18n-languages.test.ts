import { describe, expect, it } from 'vitest';
import {
  canonicalLanguageTag,
  createLanguageMatcher,
  isSupportedLanguage,
  resolveLanguage,
  type SupportedLanguage,
} from '../../src/i18n/index.js';

describe('resolveLanguage', () => {
  describe('when the tag names a built-in language, maybe with a region or script', () => {
    it.each<[string, SupportedLanguage]>([
      ['en', 'en'],
      ['en-US', 'en'],
      ['en-GB', 'en'],
      ['EN-gb', 'en'],
      ['de', 'de'],
      ['de-AT', 'de'],
      ['de-CH', 'de'],
      ['de-DE-1996', 'de'],
      ['fr-CA', 'fr'],
      ['es-419', 'es'],
      ['es-MX', 'es'],
      ['it-CH', 'it'],
      ['pt-BR', 'pt'],
      ['pt-PT', 'pt'],
      ['nl-BE', 'nl'],
      ['pl-PL', 'pl'],
      ['ja-JP', 'ja'],
      ['ar-EG', 'ar'],
      ['ar-SA', 'ar'],
      ['he-IL', 'he'],
      ['en-US-u-ca-buddhist', 'en'],
      ['de-Latn-AT', 'de'],
    ])('%s → %s', (tag, lang) => {
      expect(resolveLanguage(tag)).toBe(lang);
    });
  });

  describe('when the tag is an alias or a Chinese variant', () => {
    it.each<[string, SupportedLanguage]>([
      ['iw', 'he'],
      ['iw-IL', 'he'],
      ['zh', 'zh-Hans'],
      ['zh-CN', 'zh-Hans'],
      ['zh-SG', 'zh-Hans'],
      ['zh-MY', 'zh-Hans'],
      ['zh-Hans', 'zh-Hans'],
      ['zh-hans', 'zh-Hans'],
      ['zh-Hans-CN', 'zh-Hans'],
      ['zh-Hans-HK', 'zh-Hans'],
      ['de_AT', 'de'],
      ['zh_CN', 'zh-Hans'],
    ])('%s → %s', (tag, lang) => {
      expect(resolveLanguage(tag)).toBe(lang);
    });
  });

  describe('when no built-in catalogue fits', () => {
    it.each([
      ['Traditional Chinese (Taiwan)', 'zh-TW'],
      ['Traditional Chinese (Hong Kong)', 'zh-HK'],
      ['Traditional Chinese', 'zh-Hant'],
      ['Traditional script in China', 'zh-Hant-CN'],
      ['English in another script', 'en-Dsrt'],
      ['Serbian', 'sr'],
      ['Swedish', 'sv'],
      ['an unknown language', 'xx'],
      ['the wildcard', '*'],
      ['empty', ''],
      ['private use only', 'x-klingon'],
      ['spaces', 'de AT'],
      ['a path', '../en'],
      ['too long', `en-${'a'.repeat(80)}`],
      ['a bare region', 'AT'],
    ])('%s (%s) → undefined', (_, tag) => {
      expect(resolveLanguage(tag)).toBeUndefined();
    });
  });
});

describe('isSupportedLanguage', () => {
  it.each(['en', 'de', 'zh-Hans', 'ar', 'he'])('%s is supported', (tag) => {
    expect(isSupportedLanguage(tag)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a region variant', 'de-AT'],
    ['another spelling', 'zh-hans'],
    ['an alias', 'iw'],
    ['upper case', 'EN'],
    ['empty', ''],
    ['a number', 1],
    ['null', null],
    ['an object', { toString: () => 'en' }],
    ['a prototype key', 'constructor'],
  ])('%s (%o) is not', (_, tag) => {
    expect(isSupportedLanguage(tag)).toBe(false);
  });
});

describe('canonicalLanguageTag', () => {
  it.each<[unknown, string | undefined]>([
    ['EN-us', 'en-US'],
    ['zh-hans-cn', 'zh-Hans-CN'],
    ['iw', 'he'],
    ['en-US-u-ca-buddhist', 'en-US'],
    ['de_DE', 'de-DE'],
    ['*', undefined],
    ['', undefined],
    [42, undefined],
    [undefined, undefined],
  ])('%o → %o', (tag, canonical) => {
    expect(canonicalLanguageTag(tag)).toBe(canonical);
  });
});

describe('createLanguageMatcher', () => {
  describe('when a site lists regional variants next to the language', () => {
    const match = createLanguageMatcher(['en', 'pt', 'pt-BR', 'de-CH', 'sr-Latn']);

    it.each<[string, string | undefined]>([
      ['pt-BR', 'pt-BR'],
      ['pt-br', 'pt-BR'],
      ['pt-PT', 'pt'],
      ['pt-AO', 'pt'],
      ['pt', 'pt'],
      ['de-CH', 'de-CH'],
      ['de', 'de-CH'],
      ['de-AT', 'de-CH'],
      ['sr-Latn-RS', 'sr-Latn'],
      ['sr', undefined],
      ['sr-Cyrl', undefined],
      ['en-AU', 'en'],
      ['fr', undefined],
    ])('%s → %o', (tag, found) => {
      expect(match(tag)).toBe(found);
    });
  });

  it('returns the entry as the site spelled it', () => {
    expect(createLanguageMatcher(['EN-gb'])('en-GB')).toBe('EN-gb');
  });

  it('ignores malformed entries in the list', () => {
    const match = createLanguageMatcher(['*', '', 'not a tag', 'de']);
    expect(match('de-AT')).toBe('de');
    expect(match('*')).toBeUndefined();
  });

  it('matches nothing from an empty list', () => {
    expect(createLanguageMatcher([])('en')).toBeUndefined();
  });
});
