import { describe, expect, it } from 'vitest';
import {
  format,
  MESSAGE_KEYS,
  messageParts,
  messagesFor,
  placeholdersOf,
  problemTitleKey,
  SUPPORTED_LANGUAGES,
  validateMessageOverrides,
  type MessageOverrides,
} from '../../src/i18n/index.js';

const english = messagesFor('en');

function overrides(value: unknown): MessageOverrides {
  const { overrides: valid, problems } = validateMessageOverrides(value);
  expect(problems).toEqual([]);
  return valid;
}

describe('messagesFor', () => {
  describe.each(SUPPORTED_LANGUAGES)('for %s', (lang) => {
    it('returns every key with a non-empty string, frozen', () => {
      const messages = messagesFor(lang);
      expect(Object.keys(messages)).toEqual([...MESSAGE_KEYS]);
      for (const key of MESSAGE_KEYS) expect(messages[key].length, key).toBeGreaterThan(0);
      expect(Object.isFrozen(messages)).toBe(true);
    });
  });

  it('keeps the English page text as it is today', () => {
    expect(english['maintenance.title']).toBe('Down for maintenance');
    expect(english['maintenance.heading']).toBe('We’ll be back soon');
    expect(english['comingSoon.message']).toBe('We’re putting the finishing touches on something new.');
  });

  it('resolves regional tags and aliases to their catalogue', () => {
    expect(messagesFor('de-AT')).toBe(messagesFor('de'));
    expect(messagesFor('iw')).toBe(messagesFor('he'));
    expect(messagesFor('zh-CN')).toBe(messagesFor('zh-Hans'));
    expect(messagesFor('pt-BR')).toBe(messagesFor('pt'));
    expect(messagesFor('de')['maintenance.heading']).toBe('Wir sind bald wieder da');
  });

  it.each([['sv'], ['zh-TW'], ['xx'], [''], ['*'], ['not a tag']])('falls back to English for %o', (lang) => {
    expect(messagesFor(lang)).toEqual(english);
  });

  it('cannot be changed by the caller', () => {
    const messages = messagesFor('fr') as Record<string, string>;
    expect(() => {
      messages['maintenance.title'] = 'changed';
    }).toThrow(TypeError);
    expect(messagesFor('fr')['maintenance.title']).toBe('Maintenance en cours');
  });

  describe('with the site’s own strings', () => {
    it('uses them over the built-in ones and keeps the rest', () => {
      const messages = messagesFor('de', overrides({ de: { 'maintenance.heading': 'Gleich zurück' } }));
      expect(messages['maintenance.heading']).toBe('Gleich zurück');
      expect(messages['maintenance.title']).toBe('Wartungsarbeiten');
      expect(Object.isFrozen(messages)).toBe(true);
    });

    it('fills a language without a catalogue from English, never with a key name', () => {
      const messages = messagesFor('sv', overrides({ sv: { 'maintenance.heading': 'Vi är snart tillbaka' } }));
      expect(messages['maintenance.heading']).toBe('Vi är snart tillbaka');
      expect(messages['maintenance.title']).toBe('Down for maintenance');
      for (const key of MESSAGE_KEYS) expect(messages[key], key).not.toBe(key);
    });

    it('prefers the site’s English to the built-in English where a language has no text', () => {
      const site = overrides({ en: { 'maintenance.message': 'Database upgrade until 5 pm.' }, sv: {} });
      expect(messagesFor('sv', site)['maintenance.message']).toBe('Database upgrade until 5 pm.');
    });

    it('keeps the built-in translation over the site’s English', () => {
      const site = overrides({ en: { 'maintenance.message': 'Database upgrade until 5 pm.' } });
      expect(messagesFor('de', site)['maintenance.message']).toBe(messagesFor('de')['maintenance.message']);
      expect(messagesFor('en', site)['maintenance.message']).toBe('Database upgrade until 5 pm.');
    });

    it('applies the most specific tag first, then its prefixes', () => {
      const site = overrides({
        pt: { 'comingSoon.heading': 'Já vem', 'comingSoon.badge': 'Logo' },
        'pt-BR': { 'comingSoon.heading': 'Tá chegando' },
      });
      const br = messagesFor('pt-BR', site);
      expect(br['comingSoon.heading']).toBe('Tá chegando');
      expect(br['comingSoon.badge']).toBe('Logo');
      expect(br['comingSoon.title']).toBe('Em breve');
      expect(messagesFor('pt-PT', site)['comingSoon.heading']).toBe('Já vem');
    });

    it('applies strings given for a built-in language to its aliases and variants', () => {
      const site = overrides({ he: { 'signup.button': 'הרשמה' }, 'zh-Hans': { 'signup.button': '订阅' } });
      expect(messagesFor('iw', site)['signup.button']).toBe('הרשמה');
      expect(messagesFor('zh-CN', site)['signup.button']).toBe('订阅');
    });

    it('matches the site’s tags whatever their case', () => {
      const site = overrides({ 'PT-br': { 'signup.button': 'Quero!' } });
      expect(messagesFor('pt-BR', site)['signup.button']).toBe('Quero!');
    });

    it('treats empty overrides like none', () => {
      expect(messagesFor('it', overrides({}))).toBe(messagesFor('it'));
    });
  });
});

describe('format', () => {
  it.each<[string, Record<string, string | number>, string]>([
    ['Back on {date}', { date: 'Tuesday' }, 'Back on Tuesday'],
    ['{a} and {a}', { a: 'x' }, 'x and x'],
    ['{n} min', { n: 5 }, '5 min'],
    ['{n}', { n: 0 }, '0'],
    ['no placeholders', { date: 'x' }, 'no placeholders'],
    ['Back on {date}', {}, 'Back on {date}'],
    ['{ date } {1x} {}', { date: 'x', '1x': 'y' }, '{ date } {1x} {}'],
    ['{date}', { date: '<b>&amp;</b>' }, '<b>&amp;</b>'],
    ['{date}', { date: '$& $1 $$' }, '$& $1 $$'],
    ['{toString} {__proto__} {constructor}', {}, '{toString} {__proto__} {constructor}'],
    ['{{date}}', { date: 'x' }, '{x}'],
  ])('%o with %o → %o', (message, params, out) => {
    expect(format(message, params)).toBe(out);
  });
});

describe('messageParts', () => {
  it.each<[string, unknown[]]>([
    ['Launches {date}', ['Launches ', { placeholder: 'date' }]],
    ['{date}に公開予定', [{ placeholder: 'date' }, 'に公開予定']],
    ['预计于{date}恢复', ['预计于', { placeholder: 'date' }, '恢复']],
    ['plain', ['plain']],
    ['', []],
    ['{a}{b}', [{ placeholder: 'a' }, { placeholder: 'b' }]],
  ])('%o', (message, parts) => {
    expect(messageParts(message)).toEqual(parts);
  });
});

describe('placeholdersOf', () => {
  it.each<[string, string[]]>([
    ['Back on {date}', ['date']],
    ['{a} {b} {a}', ['a', 'b']],
    ['{1} {a-b} { a }', []],
    ['none', []],
  ])('%o → %o', (message, names) => {
    expect(placeholdersOf(message)).toEqual(names);
  });
});

describe('problemTitleKey', () => {
  it.each([
    [400, 'Bad Request'],
    [403, 'Forbidden'],
    [404, 'Not Found'],
    [405, 'Method Not Allowed'],
    [410, 'Gone'],
    [413, 'Content Too Large'],
    [415, 'Unsupported Media Type'],
    [422, 'Unprocessable Content'],
    [429, 'Too Many Requests'],
    [503, 'Service Unavailable'],
  ])('%i → %s in English', (status, title) => {
    const key = problemTitleKey(status);
    expect(key).toBeDefined();
    expect(english[key!]).toBe(title);
    expect(messagesFor('de')[key!]).not.toBe(title);
  });

  it.each([200, 500, 502, 0, -1, Number.NaN])('%s has none', (status) => {
    expect(problemTitleKey(status)).toBeUndefined();
  });
});
