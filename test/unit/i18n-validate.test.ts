import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH, validateLanguageOption, validateMessageOverrides, type MessageProblemCode } from '../../src/i18n/index.js';

interface Expected {
  path: string;
  code: MessageProblemCode;
  message?: RegExp;
  fix?: RegExp;
}

function expectProblems(value: unknown, expected: Expected[]): void {
  const { problems } = validateMessageOverrides(value);
  expect(problems.map(({ path, code }) => ({ path, code }))).toEqual(expected.map(({ path, code }) => ({ path, code })));
  expected.forEach((want, i) => {
    const got = problems[i]!;
    if (want.message) expect(got.message).toMatch(want.message);
    if (want.fix) expect(got.fix).toMatch(want.fix);
    expect(got.fix.length).toBeGreaterThan(0);
  });
}

describe('validateMessageOverrides', () => {
  describe('when the value is valid', () => {
    it('keeps every string under its canonical tag', () => {
      const { overrides, problems } = validateMessageOverrides({
        de: { 'maintenance.heading': 'Gleich zurück' },
        'pt-br': { 'signup.button': 'Quero!' },
        sv: { 'maintenance.backOn': 'Tillbaka {date}', 'signup.consent': '' },
      });
      expect(problems).toEqual([]);
      expect(overrides).toEqual({
        de: { 'maintenance.heading': 'Gleich zurück' },
        'pt-BR': { 'signup.button': 'Quero!' },
        sv: { 'maintenance.backOn': 'Tillbaka {date}', 'signup.consent': '' },
      });
      expect(Object.isFrozen(overrides)).toBe(true);
      expect(Object.isFrozen(overrides.de)).toBe(true);
    });

    it.each([[undefined], [{}], [{ de: {} }], [Object.create(null)]])('accepts %o with no problems', (value) => {
      expect(validateMessageOverrides(value).problems).toEqual([]);
    });

    it('allows a message to leave its placeholder out', () => {
      expect(validateMessageOverrides({ en: { 'maintenance.backOn': 'Back later today' } }).problems).toEqual([]);
    });

    it('names problems under the path it is given', () => {
      const { problems } = validateMessageOverrides({ de: 1 }, 'messages');
      expect(problems[0]?.path).toBe('messages.de');
    });
  });

  describe('when the value is not an object of languages', () => {
    it.each<[string, unknown]>([
      ['null', null],
      ['a string', 'de'],
      ['a number', 1],
      ['an array', [{ 'maintenance.title': 'x' }]],
      ['a Map', new Map([['de', {}]])],
      ['a date', new Date()],
      ['a function', () => ({})],
    ])('%s is one problem at page.messages', (_, value) => {
      expectProblems(value, [
        { path: 'page.messages', code: 'ERR_INTERMISSION_INVALID_MESSAGES', message: /expected an object keyed by language tag/ },
      ]);
    });
  });

  describe('when a language tag is wrong', () => {
    it.each<[string, string, RegExp, RegExp]>([
      ['malformed', 'de DE', /not a BCP 47 language tag/, /e\.g\.|like|did you mean/],
      ['empty', '', /not a BCP 47 language tag/, /"de", "pt-BR" or "zh-Hans"/],
      ['the wildcard', '*', /not a BCP 47 language tag/, /./],
      ['a language name', 'german', /names no known language/, /ISO 639/],
      ['an unknown code', 'xx', /names no known language/, /./],
      ['undetermined', 'und', /names no known language/, /./],
      ['an unknown script', 'zh-Hanz', /names no known script/, /did you mean "zh-Hans"\?/],
      ['a private-use script', 'en-Qaaa', /names no known script/, /ISO 15924/],
      ['an unknown region', 'de-AA', /names no known region/, /./],
      ['a private-use region', 'fr-QQ', /names no known region/, /./],
      ['a prototype key', '__proto__', /not a BCP 47 language tag/, /./],
    ])('%s (%o) is a language problem', (_, tag, message, fix) => {
      const value = JSON.parse(`{${JSON.stringify(tag)}: {"maintenance.title": "x"}}`) as unknown;
      const { problems, overrides } = validateMessageOverrides(value);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ code: 'ERR_INTERMISSION_INVALID_LANGUAGE' });
      expect(problems[0]!.message).toMatch(message);
      expect(problems[0]!.fix).toMatch(fix);
      expect(Object.keys(overrides)).toEqual([]);
    });

    it('uses bracket paths for tags that are not identifiers', () => {
      expectProblems({ 'de DE': {} }, [{ path: 'page.messages["de DE"]', code: 'ERR_INTERMISSION_INVALID_LANGUAGE' }]);
    });

    it.each([
      [{ de: {}, DE: {} }, 'page.messages.DE', /"DE" is the same language as "de"/],
      [{ iw: {}, he: {} }, 'page.messages.he', /"he" is the same language as "iw"/],
      [{ 'pt-BR': {}, pt_BR: {} }, 'page.messages.pt_BR', /same language as "pt-BR"/],
    ])('reports a repeated language: %o', (value, path, message) => {
      expectProblems(value, [{ path, code: 'ERR_INTERMISSION_INVALID_LANGUAGE', message, fix: /merge/ }]);
    });
  });

  describe('when a language entry is not an object', () => {
    it.each<[string, unknown]>([
      ['a string', 'Wartung'],
      ['null', null],
      ['an array', ['x']],
      ['a number', 3],
    ])('%s is a problem at that language', (_, entry) => {
      expectProblems({ de: entry }, [
        { path: 'page.messages.de', code: 'ERR_INTERMISSION_INVALID_MESSAGES', message: /expected an object of messages/ },
      ]);
    });
  });

  describe('when a key is unknown', () => {
    it.each<[string, string, RegExp]>([
      ['maintenance.titel', 'page.messages.de["maintenance.titel"]', /did you mean "maintenance.title"\?/],
      ['Maintenance.Title', 'page.messages.de["Maintenance.Title"]', /did you mean "maintenance.title"\?/],
      ['signup.buton', 'page.messages.de["signup.buton"]', /did you mean "signup.button"\?/],
      ['title', 'page.messages.de.title', /README/],
      ['maintenance', 'page.messages.de.maintenance', /README/],
      ['__proto__', 'page.messages.de.__proto__', /README/],
      ['constructor', 'page.messages.de.constructor', /README/],
      ['', 'page.messages.de[""]', /README/],
    ])('%o is reported at %s with a fix', (key, path, fix) => {
      const value = JSON.parse(`{"de": {${JSON.stringify(key)}: "x"}}`) as unknown;
      expectProblems(value, [{ path, code: 'ERR_INTERMISSION_UNKNOWN_MESSAGE', message: /is not a message key/, fix }]);
    });
  });

  describe('when a message is not a usable string', () => {
    it.each<[string, unknown, RegExp]>([
      ['a number', 42, /got number 42/],
      ['a boolean', true, /got boolean true/],
      ['null', null, /got null/],
      ['an object', { text: 'x' }, /got an object/],
      ['an array', ['x'], /got an array/],
    ])('%s is not a string', (_, message, described) => {
      expectProblems({ fr: { 'signup.button': message } }, [
        { path: 'page.messages.fr["signup.button"]', code: 'ERR_INTERMISSION_INVALID_MESSAGE', message: described, fix: /string/ },
      ]);
    });

    it('refuses a message over the length limit', () => {
      expectProblems({ fr: { 'signup.consent': 'x'.repeat(MAX_MESSAGE_LENGTH + 1) } }, [
        { path: 'page.messages.fr["signup.consent"]', code: 'ERR_INTERMISSION_INVALID_MESSAGE', message: /over the 4000 allowed/ },
      ]);
      expect(validateMessageOverrides({ fr: { 'signup.consent': 'x'.repeat(MAX_MESSAGE_LENGTH) } }).problems).toEqual([]);
    });

    it.each<[string, string, RegExp]>([
      ['maintenance.backOn', 'Zurück am {datum}', /use \{date\} or plain text/],
      ['maintenance.backIn', 'Zurück {date}', /use \{relative\}/],
      ['maintenance.title', 'Wartung bis {date}', /takes no placeholders/],
    ])('%s: a placeholder the message does not provide (%o)', (key, message, fix) => {
      expectProblems({ de: { [key]: message } }, [
        {
          path: `page.messages.de[${JSON.stringify(key)}]`,
          code: 'ERR_INTERMISSION_INVALID_MESSAGE',
          message: /which this message does not provide/,
          fix,
        },
      ]);
    });
  });

  it('reports every problem at once and keeps the valid strings', () => {
    const { problems, overrides } = validateMessageOverrides({
      de: { 'maintenance.heading': 'Gleich zurück', 'maintenance.titel': 'x', 'signup.button': 3 },
      xx: {},
      fr: 'oops',
    });
    expect(problems.map((problem) => problem.path)).toEqual([
      'page.messages.de["maintenance.titel"]',
      'page.messages.de["signup.button"]',
      'page.messages.xx',
      'page.messages.fr',
    ]);
    expect(overrides.de).toEqual({ 'maintenance.heading': 'Gleich zurück' });
    expect(Object.keys(overrides)).toEqual(['de', 'fr']);
  });

  it('never throws, whatever it is given', () => {
    const hostile = new Proxy(
      {},
      { ownKeys: () => ['de'], getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true, value: {} }) },
    );
    for (const value of [Symbol('x'), 10n, hostile, Object.create({ de: {} }), { de: Object.create({ 'maintenance.title': 'x' }) }]) {
      expect(() => validateMessageOverrides(value)).not.toThrow();
    }
  });
});

describe('validateLanguageOption', () => {
  it.each([['en'], ['de-AT'], ['zh-Hans'], ['sv'], ['iw']])('accepts %o', (value) => {
    expect(validateLanguageOption(value, 'page.lang', false)).toEqual([]);
  });

  it('accepts "auto" only where it is allowed', () => {
    expect(validateLanguageOption('auto', 'page.lang', true)).toEqual([]);
    expect(validateLanguageOption('auto', 'page.lang', false)).toMatchObject([
      { path: 'page.lang', code: 'ERR_INTERMISSION_INVALID_LANGUAGE' },
    ]);
  });

  it.each<[unknown, RegExp]>([
    ['english', /names no known language/],
    ['xx', /names no known language/],
    ['de DE', /not a BCP 47 language tag/],
    ['', /not a BCP 47 language tag/],
    ['und', /names no known language/],
    ['zh-Hanz', /names no known script/],
    [42, /expected a language tag, got number 42/],
    [null, /got null/],
    [['en'], /got an array/],
  ])('refuses %o', (value, message) => {
    const problems = validateLanguageOption(value, 'page.lang', true);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'page.lang', code: 'ERR_INTERMISSION_INVALID_LANGUAGE' });
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!.fix).toMatch(/"auto"/);
  });
});
