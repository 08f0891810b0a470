import { describe, expect, it } from 'vitest';
import { createLanguageNegotiator, languageCacheSize, negotiateLanguage, SUPPORTED_LANGUAGES } from '../../src/i18n/index.js';

const ALL = SUPPORTED_LANGUAGES;
const CHROME_DE = 'de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7';
/** Longer than any real browser sends: negotiation is skipped for it. */
const HUGE = (head: string): string => `${head}, ${'x-padding;q=0.1, '.repeat(80)}`;

describe('negotiateLanguage', () => {
  describe('when the header names a supported language', () => {
    it.each<[string, string]>([
      ['de', 'de'],
      ['fr-CA', 'fr'],
      ['pt-BR,pt;q=0.9', 'pt'],
      ['zh-CN,zh;q=0.9', 'zh-Hans'],
      ['zh-SG', 'zh-Hans'],
      ['iw', 'he'],
      ['ar-EG,ar;q=0.9,en;q=0.8', 'ar'],
      ['ja-JP', 'ja'],
      [CHROME_DE, 'de'],
      ['DE-at', 'de'],
    ])('%s → %s', (header, lang) => {
      expect(negotiateLanguage(header, ALL)).toBe(lang);
    });
  });

  describe('when q-values rank them', () => {
    it.each<[string, string]>([
      ['fr;q=0.5, de', 'de'],
      ['fr;q=0.5, de;q=0.6', 'de'],
      ['ja;q=0.1, pl;q=0.2', 'pl'],
      ['nl;q=1, it;q=1', 'nl'],
      ['it, nl', 'it'],
      ['de;q=0, fr', 'fr'],
      ['de;q=0.001, fr;q=0.0001', 'de'],
      ['es;q=0.8, es-MX;q=0.9', 'es'],
    ])('%s → %s', (header, lang) => {
      expect(negotiateLanguage(header, ALL)).toBe(lang);
    });
  });

  describe('when unsupported languages come first', () => {
    it.each<[string, string]>([
      ['sv, de;q=0.5', 'de'],
      ['zh-TW, zh;q=0.9, en;q=0.8', 'zh-Hans'],
      ['zh-TW, en;q=0.8', 'en'],
      ['zh-Hant, ja;q=0.5', 'ja'],
      ['ko, ru, uk, he;q=0.1', 'he'],
    ])('%s → %s (the visitor’s next choice)', (header, lang) => {
      expect(negotiateLanguage(header, ALL)).toBe(lang);
    });
  });

  describe('when a wildcard is used', () => {
    it.each<[string, readonly string[], string]>([
      ['*', ALL, 'en'],
      ['sv, *;q=0.5', ALL, 'en'],
      ['en;q=0, *', ALL, 'de'],
      ['en;q=0, de;q=0, *', ALL, 'fr'],
      ['*', ['de', 'en'], 'de'],
      ['ja, *;q=0.1', ['de', 'en'], 'de'],
      ['*;q=0, fr', ALL, 'fr'],
    ])('%s over %j → %s', (header, supported, lang) => {
      expect(negotiateLanguage(header, supported)).toBe(lang);
    });
  });

  describe('when the header is missing, empty, refuses everything or is malformed', () => {
    it.each<[string, string | undefined]>([
      ['missing', undefined],
      ['empty', ''],
      ['only unsupported', 'sv, ko'],
      ['all refused', '*;q=0'],
      ['the only one refused', 'de;q=0'],
      ['separators only', ';;;,,,'],
      ['a q that is not a number', 'de;q=abc'],
      ['a negative q', 'de;q=-1'],
      ['a stray quote', '"'],
      ['control characters', 'de\u0000\u0001'],
      ['symbols only', '@@@, ???'],
      ['spaces', '   '],
      ['a private-use tag', 'x-pig-latin'],
      ['a prototype key', '__proto__'],
      ['a very long tag', `de-${'a'.repeat(200)}`],
    ])('%s → the default', (_, header) => {
      expect(negotiateLanguage(header, ALL)).toBe('en');
    });

    it('takes the site’s first language as the default', () => {
      expect(negotiateLanguage('sv', ['fr', 'en'])).toBe('fr');
      expect(negotiateLanguage(undefined, ['ja', 'en'])).toBe('ja');
    });

    it('answers English when the list is empty', () => {
      expect(negotiateLanguage('de', [])).toBe('en');
    });
  });

  describe('when the header is over 1 KiB', () => {
    it('treats it as absent, even when it names a supported language first', () => {
      const header = HUGE('de');
      expect(header.length).toBeGreaterThan(1024);
      expect(negotiateLanguage(header, ALL)).toBe('en');
    });

    it('still negotiates a header of exactly 1 KiB', () => {
      const header = `de, ${'x'.repeat(1020)}`.slice(0, 1024);
      expect(header.length).toBe(1024);
      expect(negotiateLanguage(header, ALL)).toBe('de');
    });
  });

  describe('when the site adds its own languages', () => {
    const supported = ['en', 'de', 'sv', 'pt-BR', 'pt'];

    it.each<[string, string]>([
      ['sv-FI', 'sv'],
      ['pt-BR', 'pt-BR'],
      ['pt-PT', 'pt'],
      ['de-AT', 'de'],
    ])('%s → %s', (header, lang) => {
      expect(negotiateLanguage(header, supported)).toBe(lang);
    });
  });
});

describe('the negotiation cache', () => {
  it('holds at most 256 header values, however many distinct ones arrive', () => {
    const negotiator = createLanguageNegotiator(ALL);
    for (let i = 0; i < 1000; i++) {
      negotiator.negotiate(`de;q=0.${String(i).padStart(3, '0')}, fr;q=0.001`);
      expect(negotiator.cacheSize).toBeLessThanOrEqual(256);
    }
    expect(negotiator.cacheLimit).toBe(256);
    expect(negotiator.cacheSize).toBeGreaterThan(0);
  });

  it('gives the same answer from the cache as on first use', () => {
    const negotiator = createLanguageNegotiator(ALL);
    const first = negotiator.negotiate(CHROME_DE);
    const size = negotiator.cacheSize;
    expect(negotiator.negotiate(CHROME_DE)).toBe(first);
    expect(negotiator.cacheSize).toBe(size);
  });

  it('does not keep missing, empty or oversized headers', () => {
    const negotiator = createLanguageNegotiator(ALL);
    negotiator.negotiate(undefined);
    negotiator.negotiate('');
    negotiator.negotiate(HUGE('fr'));
    expect(negotiator.cacheSize).toBe(0);
  });

  it('keeps one cache per list, so the same header can answer differently per site', () => {
    const a = ['en', 'de'];
    const b = ['fr', 'en'];
    expect(negotiateLanguage('ja', a)).toBe('en');
    expect(negotiateLanguage('ja', b)).toBe('fr');
    expect(languageCacheSize(a)).toEqual({ size: 1, limit: 256 });
    expect(languageCacheSize(b)).toEqual({ size: 1, limit: 256 });
  });

  it('reads the list once: changing the array later changes nothing', () => {
    const list = ['en', 'de'];
    const negotiator = createLanguageNegotiator(list);
    list.push('fr');
    expect(negotiator.negotiate('fr')).toBe('en');
  });
});
