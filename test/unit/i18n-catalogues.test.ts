import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { direction, MESSAGE_KEYS, placeholdersOf, SUPPORTED_LANGUAGES, type SupportedLanguage } from '../../src/i18n/index.js';

const DIR = join(import.meta.dirname, '../../src/i18n/messages');

function load(lang: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(DIR, `${lang}.json`), 'utf8')) as Record<string, unknown>;
}

const english = load('en') as Record<string, string>;
const others = SUPPORTED_LANGUAGES.filter((lang) => lang !== 'en');
const catalogues = new Map<SupportedLanguage, Record<string, unknown>>(SUPPORTED_LANGUAGES.map((lang) => [lang, load(lang)]));

/** A catalogue's strings (the tests above check that they are strings). */
function strings(lang: SupportedLanguage): [string, string][] {
  return Object.entries(catalogues.get(lang)!).map(([key, value]) => [key, String(value)]);
}

describe('the built-in catalogues', () => {
  it('are exactly one JSON file per supported language', () => {
    const files = readdirSync(DIR)
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.slice(0, -'.json'.length));
    expect(files.sort()).toEqual([...SUPPORTED_LANGUAGES].sort());
  });

  it('include at least the languages the issue asks for', () => {
    expect(SUPPORTED_LANGUAGES).toEqual(
      expect.arrayContaining(['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'pl', 'ja', 'zh-Hans', 'ar', 'he']),
    );
    expect(SUPPORTED_LANGUAGES[0]).toBe('en');
  });

  it('English holds MESSAGE_KEYS, in the same order', () => {
    expect(Object.keys(english)).toEqual([...MESSAGE_KEYS]);
  });

  describe.each(SUPPORTED_LANGUAGES)('%s', (lang) => {
    const catalogue = catalogues.get(lang)!;

    it('has exactly the English keys: none missing, none extra', () => {
      const keys = Object.keys(catalogue);
      expect(MESSAGE_KEYS.filter((key) => !keys.includes(key))).toEqual([]);
      expect(keys.filter((key) => !(MESSAGE_KEYS as readonly string[]).includes(key))).toEqual([]);
    });

    it('holds only non-empty strings without stray whitespace', () => {
      for (const [key, value] of Object.entries(catalogue)) {
        expect(typeof value, key).toBe('string');
        expect((value as string).trim(), key).not.toBe('');
        expect(value, key).toBe((value as string).trim());
        expect(value, key).not.toMatch(/ {2}|[\n\t]/);
      }
    });

    it('uses the same placeholders as English in every message', () => {
      for (const [key, value] of strings(lang)) {
        expect(placeholdersOf(value).sort(), key).toEqual(placeholdersOf(english[key]!).sort());
      }
    });

    it('uses typographic apostrophes and quotes, not ASCII ones', () => {
      for (const [key, value] of strings(lang)) expect(value, key).not.toMatch(/['"]/);
    });

    it('writes an ellipsis as one character', () => {
      for (const [key, value] of strings(lang)) expect(value, key).not.toContain('...');
    });
  });

  it.each(others)('%s is translated: no message is the English text', (lang) => {
    const same = strings(lang)
      .filter(([key, value]) => value === english[key])
      .map(([key]) => key);
    expect(same).toEqual([]);
  });

  describe('language-specific typography', () => {
    it('French puts a no-break space before : ! ? ; and none is a plain space', () => {
      for (const [key, value] of strings('fr')) {
        expect(value, key).not.toMatch(/ [:!?;]/);
        expect(value, key).not.toMatch(/[^\s\u00a0\u202f][!?;]/);
        // A colon after a word needs its space too; e-mail addresses have none.
        expect(value.replace(/\S+@\S+/g, ''), key).not.toMatch(/[^\s\u00a0\u202f]:/);
      }
    });

    it('Spanish opens exclamations with ¡', () => {
      for (const [key, value] of strings('es')) {
        const closes = (value.match(/!/g) ?? []).length;
        expect((value.match(/¡/g) ?? []).length, key).toBe(closes);
      }
    });

    it.each<SupportedLanguage>(['ja', 'zh-Hans'])('%s uses full-width punctuation', (lang) => {
      for (const [key, value] of strings(lang)) {
        // ASCII punctuation only inside the sample address.
        expect(value.replace(/name@example\.com/g, ''), key).not.toMatch(/[,.!?:;()]/);
      }
    });

    it('Simplified Chinese contains no Traditional-only characters', () => {
      const traditional = /[們這請與時網頁電郵於過開應務際從對點擊訊來後發現]/;
      for (const [key, value] of strings('zh-Hans')) expect(value, key).not.toMatch(traditional);
    });

    it.each<[SupportedLanguage, RegExp]>([
      ['ar', /[\u0600-\u06ff]/],
      ['he', /[\u0590-\u05ff]/],
      ['ja', /[\u3040-\u30ff\u4e00-\u9fff]/],
      ['zh-Hans', /[\u4e00-\u9fff]/],
    ])('%s writes every message in its own script', (lang, script) => {
      for (const [key, value] of strings(lang)) {
        if (key === 'signup.emailPlaceholder') continue;
        expect(value, key).toMatch(script);
      }
    });
  });

  describe('direction', () => {
    it('is rtl for exactly ar and he among the built-in languages', () => {
      expect(SUPPORTED_LANGUAGES.filter((lang) => direction(lang) === 'rtl')).toEqual(['ar', 'he']);
    });

    it.each([
      ['ar-EG', 'rtl'],
      ['he-IL', 'rtl'],
      ['iw', 'rtl'],
      ['fa', 'rtl'],
      ['ur', 'rtl'],
      ['yi', 'rtl'],
      ['dv', 'rtl'],
      ['ku-Arab', 'rtl'],
      ['az-Arab', 'rtl'],
      ['az', 'ltr'],
      ['pa-Arab', 'rtl'],
      ['pa', 'ltr'],
      ['en', 'ltr'],
      ['zh-Hans', 'ltr'],
      ['ja', 'ltr'],
      ['xx', 'ltr'],
      ['', 'ltr'],
      ['not a tag', 'ltr'],
    ] as const)('%s → %s', (lang, dir) => {
      expect(direction(lang)).toBe(dir);
    });
  });
});
