import { describe, expect, it } from 'vitest';
import { MAX_EMAIL_LENGTH, normalizeEmail } from '../../src/signup/email.js';
import type { EmailProblemCode } from '../../src/signup/email.js';

const ok = (input: unknown): string => {
  const result = normalizeEmail(input);
  if ('error' in result) throw new Error(`expected ${JSON.stringify(input)} to be accepted, got ${result.error.code}`);
  return result.email;
};
const problem = (input: unknown): EmailProblemCode => {
  const result = normalizeEmail(input);
  if ('email' in result) throw new Error(`expected ${JSON.stringify(input)} to be refused, got ${result.email}`);
  return result.error.code;
};

describe('normalizeEmail', () => {
  describe('when the address is valid', () => {
    it.each([
      ['a@example.com', 'a@example.com'],
      ['  a@example.com\n', 'a@example.com'],
      ['\u00a0\ufeffa@example.com\u2003', 'a@example.com'],
      ['John.Doe@Example.COM', 'John.Doe@example.com'],
      ['USER+tag@SUB.Example.Co.UK', 'USER+tag@sub.example.co.uk'],
      ["o'brien!#$%&*/=?^_`{|}~-@example.com", "o'brien!#$%&*/=?^_`{|}~-@example.com"],
      ['a..b@example.com', 'a..b@example.com'],
      ['a@b.c', 'a@b.c'],
      ['1@2.xn--zckzah', '1@2.テスト'],
      ['a@xn--tda.com', 'a@ü.com'],
      ['a@Ü.COM', 'a@ü.com'],
      ['a@ＥＸＡＭＰＬＥ.com', 'a@example.com'],
      ['a@例え.テスト', 'a@例え.テスト'],
      ['δοκιμή@παράδειγμα.δοκιμή', 'δοκιμή@παράδειγμα.δοκιμή'],
      ['用户@例子.广告', '用户@例子.广告'],
      ['a@a。b.com', 'a@a.b.com'],
      ['a@1.2.3.com', 'a@1.2.3.com'],
      ['a@a-b.com', 'a@a-b.com'],
    ])('%j becomes %j', (input, expected) => {
      expect(ok(input)).toBe(expected);
    });

    it('keeps the case of the local part and lower-cases only the domain', () => {
      expect(ok('MiXeD@MiXeD.org')).toBe('MiXeD@mixed.org');
      expect(ok('MiXeD@MiXeD.org')).not.toBe(ok('mixed@mixed.org'));
    });

    it('gives one address for the Unicode and punycode spellings of a domain', () => {
      expect(ok('a@bücher.example')).toBe(ok('a@xn--bcher-kva.example'));
      expect(ok('a@BÜCHER.example')).toBe(ok('a@bücher.example'));
    });

    it('composes a decomposed local part (NFC), so one mailbox is one entry', () => {
      expect(ok('e\u0301@example.com')).toBe('\u00e9@example.com');
    });

    it('accepts exactly 64 octets before the @ and 254 characters in all', () => {
      expect(ok(`${'a'.repeat(64)}@example.com`)).toHaveLength(76);
      const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(61 - 2 - 2)}.io`;
      const address = `${'a'.repeat(254 - 1 - domain.length)}@${domain}`;
      expect(address).toHaveLength(MAX_EMAIL_LENGTH);
      expect(ok(address)).toBe(address);
    });
  });

  describe('when the address is refused', () => {
    it.each<[unknown, EmailProblemCode]>([
      [undefined, 'not-a-string'],
      [null, 'not-a-string'],
      [42, 'not-a-string'],
      [['a@example.com'], 'not-a-string'],
      [{ toString: () => 'a@example.com' }, 'not-a-string'],
      ['', 'empty'],
      ['   \t\n ', 'empty'],
      ['example.com', 'missing-at'],
      ['a@b@example.com', 'multiple-at'],
      ['"a@b"@example.com', 'multiple-at'],
      ['@example.com', 'empty-local'],
      ['a@', 'bad-domain'],
      ['a@localhost', 'bad-domain'],
      ['a@1.2.3.4', 'bad-domain'],
      ['a@[127.0.0.1]', 'bad-character'],
      ['a@-example.com', 'bad-domain'],
      ['a@example-.com', 'bad-domain'],
      ['a@exa_mple.com', 'bad-character'],
      ['a@xn--zz.com', 'bad-domain'],
      ['a@%41.com', 'bad-character'],
      ['a@ex%2ecom', 'bad-character'],
      ['.a@example.com', 'bad-dots'],
      ['a.@example.com', 'bad-dots'],
      ['a@.example.com', 'bad-dots'],
      ['a@example.com.', 'bad-dots'],
      ['a@example..com', 'bad-dots'],
      ['a@example。。com', 'bad-dots'],
      ['a b@example.com', 'bad-character'],
      ['a@exa mple.com', 'bad-character'],
      ['a\u00a0b@example.com', 'bad-character'],
      ['a\u3000b@example.com', 'bad-character'],
      ['a\u0000@example.com', 'bad-character'],
      ['a\r\nBcc: x@example.com', 'bad-character'],
      ['a\u0085@example.com', 'bad-character'],
      ['a\u007f@example.com', 'bad-character'],
      ['a\u200b@example.com', 'bad-character'],
      ['a@exa\u200bmple.com', 'bad-character'],
      ['a\u202e@example.com', 'bad-character'],
      ['a@ex\u00adample.com', 'bad-character'],
      ['\ud800@example.com', 'bad-character'],
      ['a@\udfffexample.com', 'bad-character'],
      ['a\ufffd@example.com', 'bad-character'],
      ['a\ue000@example.com', 'bad-character'],
      ['"quoted"@example.com', 'bad-character'],
      ['a(comment)@example.com', 'bad-character'],
      ['<a@example.com>', 'bad-character'],
      ['a,b@example.com', 'bad-character'],
      ['a;b@example.com', 'bad-character'],
      ['a\\b@example.com', 'bad-character'],
      [`${'a'.repeat(65)}@example.com`, 'local-too-long'],
      [`${'é'.repeat(33)}@example.com`, 'local-too-long'],
      [`a@${'b'.repeat(64)}.com`, 'bad-domain'],
      [`a@${'b.'.repeat(130)}com`, 'too-long'],
    ])('%j is refused as %s', (input, code) => {
      expect(problem(input)).toBe(code);
    });

    it('measures an internationalised domain by its ASCII form', () => {
      // 60 Unicode characters, far more in punycode: short as typed, too long on the wire.
      const label = 'ü'.repeat(60);
      expect(problem(`a@${label}.${label}.${label}.${label}.com`)).toBe('too-long');
      expect(problem(`a@${'ü'.repeat(60)}.com`)).toBe('bad-domain'); // one label over 63 once encoded
    });

    it('refuses 255 characters even when every part is valid', () => {
      const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(57)}.io`;
      expect(problem(`${'a'.repeat(255 - 1 - domain.length)}@${domain}`)).toBe('too-long');
    });

    it('gives a sentence for the visitor with every code', () => {
      const result = normalizeEmail('nope');
      expect(result).toEqual({ error: { code: 'missing-at', message: expect.stringMatching(/@/) as unknown } });
    });
  });

  describe('when the input is huge', () => {
    it.each([
      ['1 MB of letters', `${'a'.repeat(1 << 20)}@example.com`],
      ['1 MB of @', '@'.repeat(1 << 20)],
      ['1 MB of dots', `a@${'.'.repeat(1 << 20)}com`],
      ['1 MB of emoji', `${'😀'.repeat(1 << 19)}@example.com`],
      ['1 MB of spaces around nothing', ' '.repeat(1 << 20)],
      ['1 MB of alternating a. (regex bait)', `${'a.'.repeat(1 << 19)}@example.com`],
    ])('refuses %s quickly', (_name, input) => {
      const started = performance.now();
      const code = problem(input);
      const elapsed = performance.now() - started;
      expect(['too-long', 'empty']).toContain(code);
      expect(elapsed).toBeLessThan(250);
    });

    it('finds a valid address inside 2 MB of surrounding whitespace quickly', () => {
      const pad = ' '.repeat(1 << 20);
      const started = performance.now();
      expect(ok(`${pad}a@example.com${pad}`)).toBe('a@example.com');
      expect(performance.now() - started).toBeLessThan(250);
    });
  });
});
