import { describe, expect, it } from 'vitest';
import { canonicalPath, checkPathRule, compilePathRules, DEFAULT_OPEN_PATHS, dependsOnStrictRouting } from '../../src/bypass/path-rules.js';
import { ASSETS_TRAVERSALS } from '../helpers/traversals.js';

function matcherOf(rules: readonly string[]) {
  const { matcher, errors } = compilePathRules(rules);
  expect(errors).toEqual([]);
  return matcher;
}

describe('DEFAULT_OPEN_PATHS', () => {
  it('is the documented list, valid and frozen', () => {
    expect(DEFAULT_OPEN_PATHS).toEqual(['/healthz', '/readyz', '/livez', '/robots.txt', '/favicon.ico', '/.well-known/*']);
    expect(Object.isFrozen(DEFAULT_OPEN_PATHS)).toBe(true);
    expect(compilePathRules(DEFAULT_OPEN_PATHS).errors).toEqual([]);
  });

  const matcher = matcherOf(DEFAULT_OPEN_PATHS);
  it.each<[string, boolean]>([
    ['/healthz', true],
    ['/healthz/', true],
    ['/healthz?verbose=1', true],
    ['/readyz', true],
    ['/livez', true],
    ['/robots.txt', true],
    ['/favicon.ico', true],
    ['/.well-known/acme-challenge/abc', true],
    ['/.well-known/security.txt', true],
    ['/.well-known/', true],
    ['/.well-known', false],
    ['/', false],
    ['/healthz/x', false],
    ['/healthzz', false],
    ['/Healthz', false],
    ['/.well-known/../admin', false],
    ['/.well-known/%2e%2e/admin', false],
    ['/.well-knownx/y', false],
    ['/api/healthz', false],
  ])('%s → %s', (path, expected) => {
    expect(matcher.matches(path)).toBe(expected);
  });
});

describe('compilePathRules: valid rules', () => {
  it.each<[string, string[], string[]]>([
    // rule, paths it opens, paths it keeps closed
    [
      '/healthz',
      ['/healthz', '/healthz/', '/healthz?x=1', '/healthz/?x=1'],
      ['/healthz//', '/healthz/x', '/HEALTHZ', '/healthz.json', '/health'],
    ],
    ['/healthz/', ['/healthz', '/healthz/'], ['/healthz/x']],
    ['/', ['/', '/?x=1'], ['/x', '//']],
    [
      '/assets/*',
      ['/assets/', '/assets/x.css', '/assets/a/b/c.js', '/assets/x.css?v=3', '/assets/my%20file.css', '/assets/caf%C3%A9.png'],
      ['/assets', '/assets?x', '/assets-private/x', '/assetsx', '/assetsx/y', '/Assets/x.css', '/x/assets/y'],
    ],
    ['/static/v1/*', ['/static/v1/a.js', '/static/v1/'], ['/static/v1', '/static/v2/a.js', '/static/a.js', '/static/v10/a.js']],
    ['/hooks/stripe', ['/hooks/stripe'], ['/hooks/stripe/x', '/hooks/github']],
    ['  /padded  ', ['/padded'], ['/padded%20']], // surrounding whitespace (env lists) is trimmed
    ["/a.b/c-d_e~f/!$&'()+,=:@", ["/a.b/c-d_e~f/!$&'()+,=:@"], []],
  ])('%j', (rule, open, closed) => {
    const matcher = matcherOf([rule]);
    expect(matcher.size).toBe(1);
    expect(checkPathRule(rule)).toBeUndefined();
    for (const path of open) expect(matcher.matches(path), path).toBe(true);
    for (const path of closed) expect(matcher.matches(path), path).toBe(false);
  });

  it('several rules share the work', () => {
    const matcher = matcherOf(['/a/*', '/a/b/*', '/b/*', '/c', '/c/d', '/assets/*', '/assets/*']);
    expect(matcher.size).toBe(7);
    expect(matcher.matches('/a/x')).toBe(true);
    expect(matcher.matches('/a/b/x')).toBe(true);
    expect(matcher.matches('/b/x')).toBe(true);
    expect(matcher.matches('/c')).toBe(true);
    expect(matcher.matches('/c/d/')).toBe(true);
    expect(matcher.matches('/c/e')).toBe(false);
    expect(matcher.matches('/d/x')).toBe(false);
    expect(matcher.matches('/assets/x')).toBe(true);
  });

  it('many prefixes (grouped by first segment) answer the same as a few', () => {
    const rules = Array.from({ length: 40 }, (_, i) => `/p${i % 10}/s${i}/*`);
    const many = matcherOf(rules);
    expect(many.size).toBe(40);
    for (let i = 0; i < 40; i++) {
      const few = matcherOf([rules[i] ?? '']);
      for (const path of [
        `/p${i % 10}/s${i}/x`,
        `/p${i % 10}/s${i}/`,
        `/p${i % 10}/s${i}`,
        `/p${i % 10}/s${i}x/y`,
        `/p${(i + 1) % 10}/s${i}/x`,
      ]) {
        expect(many.matches(path), path).toBe(few.matches(path));
      }
    }
    expect(many.matches('/p3/s13/deep/file.txt')).toBe(true);
    expect(many.matches('/p3/s14/file.txt')).toBe(false);
    expect(many.matches('/p3')).toBe(false);
  });

  it('an empty list opens nothing', () => {
    const matcher = matcherOf([]);
    expect(matcher.size).toBe(0);
    for (const path of ['/', '/healthz', '/assets/x']) expect(matcher.matches(path)).toBe(false);
  });
});

describe('compilePathRules: invalid rules', () => {
  it.each<[unknown, RegExp]>([
    ['', /empty rule/],
    ['   ', /empty rule/],
    ['healthz', /must start with '\/'; write \/healthz/],
    ['assets/*', /must start with '\/'; write \/assets\/\*/],
    ['*', /must start with '\/', e\.g\. \/healthz/],
    ['http://example.com/healthz', /only the path.*not a full URL/],
    ['/a*', /'\*' is only allowed as a final '\/\*'/],
    ['/assets*', /only allowed as a final '\/\*'.*\/assets\/\*/],
    ['/a/*/b', /only allowed as a final/],
    ['/a/**', /only allowed as a final/],
    ['/*', /would open every path/],
    ['/healthz?x=1', /query string.*write \/healthz/],
    ['/page#top', /fragment.*write \/page/],
    ['/a%20b', /percent-escapes are not allowed/],
    ['/%2e%2e/x', /percent-escapes/],
    ['/a\\b', /backslash/],
    ['/a b', /whitespace or a control character/],
    ['/a\tb', /whitespace/],
    ['/a\0b', /control character/],
    ['/a\u007fb', /control character/],
    ['/café', /U\+00E9.*visible ASCII only/],
    ['/x\u200b', /U\+200B/],
    ['/x\u00a0y', /whitespace/],
    ['/a;b', /';' is not allowed/],
    ['/a/../b', /'\.' and '\.\.' segments/],
    ['/a/./b', /segments/],
    ['/a/..', /segments/],
    ['/..', /segments/],
    ['/a/.../*', /segments/],
    ['//a', /empty segment.*write \/a/],
    ['/a//b', /empty segment.*write \/a\/b/],
    ['/a//*', /empty segment/],
    ['/' + 'a'.repeat(5000), /longer than/],
    [42, /must be a string, got number 42/],
    [null, /must be a string, got null/],
    [['/healthz'], /must be a string, got an array/],
  ])('rejects %j', (rule, reason) => {
    const { matcher, errors } = compilePathRules(['/ok', rule as string]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ index: 1, code: 'ERR_INTERMISSION_INVALID_PATH' });
    expect(errors[0]?.reason).toMatch(reason);
    expect(typeof errors[0]?.rule).toBe('string');
    expect(matcher.size).toBe(1);
    expect(checkPathRule(rule)).toEqual({ code: 'ERR_INTERMISSION_INVALID_PATH', reason: errors[0]?.reason });
  });

  it('survives a list that is not an array', () => {
    const inputs: unknown[] = [undefined, null, '/healthz', 42, {}];
    for (const rules of inputs) {
      const { matcher, errors } = compilePathRules(rules as string[]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ index: -1, code: 'ERR_INTERMISSION_INVALID_PATH' });
      expect(matcher.matches('/healthz')).toBe(false);
    }
  });
});

describe('canonicalPath', () => {
  it.each<[string, string]>([
    ['/', '/'],
    ['/healthz', '/healthz'],
    ['/healthz/', '/healthz/'],
    ['/healthz?x=1', '/healthz'],
    ['/healthz?', '/healthz'],
    ['/healthz#frag', '/healthz'],
    ['/a?b#c', '/a'],
    ['/a#b?c', '/a'],
    ['/secret?/healthz', '/secret'],
    ['/a?x=%2f..%00', '/a'], // the query is not looked at
    ['/assets/x%20y.css', '/assets/x y.css'],
    ['/assets/caf%C3%A9', '/assets/café'],
    ['/heal%74hz', '/healthz'],
    ['/a/%3F', '/a/?'],
    ['/a/%23', '/a/#'],
    ['/a/...b', '/a/...b'],
    ['/a/.b', '/a/.b'],
    ['/a/b.', '/a/b.'],
  ])('%j → %j', (url, expected) => {
    expect(canonicalPath(url)).toBe(expected);
  });

  it.each<[string, string]>([
    ['', 'empty'],
    ['*', 'asterisk-form'],
    ['healthz', 'no leading slash'],
    ['http://example.com/healthz', 'absolute-form'],
    ['HTTP://example.com/healthz', 'absolute-form, upper case'],
    ['//example.com/healthz', 'scheme-relative / empty segment'],
    ['//healthz', 'double slash at the start'],
    ['/a//b', 'double slash inside'],
    ['/a/b//', 'double slash at the end'],
    ['/a\\b', 'raw backslash'],
    ['/a/..\\b', 'raw backslash after dots'],
    ['/a%5cb', 'encoded backslash'],
    ['/a%5Cb', 'encoded backslash, upper case'],
    ['/a%2fb', 'encoded slash'],
    ['/a%2Fb', 'encoded slash, upper case'],
    ['/a\0b', 'raw NUL'],
    ['/a%00b', 'encoded NUL'],
    ['/a\nb', 'raw newline'],
    ['/a%0ab', 'encoded newline'],
    ['/a%0Db', 'encoded carriage return'],
    ['/a%7fb', 'encoded DEL'],
    ['/a%C2%85b', 'encoded C1 control (NEL)'],
    ['/a\tb', 'raw tab'],
    ['/a%zz', 'invalid escape'],
    ['/a%', 'truncated escape'],
    ['/a%2', 'truncated escape'],
    ['/a%u002e', 'IIS %u escape'],
    ['/a%C0%AF', 'overlong UTF-8 for /'],
    ['/a%C0%AE%C0%AE/b', 'overlong UTF-8 for .'],
    ['/a%ED%A0%80', 'UTF-16 surrogate in UTF-8'],
    ['/a%FF', 'invalid UTF-8'],
    ['/a%252e%252e/b', 'double encoding'],
    ['/a%25', 'encoded percent'],
    ['/a;b', 'semicolon'],
    ['/a/..;/b', 'semicolon after dots'],
    ['/a%3bb', 'encoded semicolon'],
    ['/a/./b', 'dot segment'],
    ['/a/../b', 'dot-dot segment'],
    ['/a/.', 'trailing dot segment'],
    ['/a/..', 'trailing dot-dot segment'],
    ['/.', 'root dot'],
    ['/..', 'root dot-dot'],
    ['/a/%2e/b', 'encoded dot segment'],
    ['/a/%2e%2e/b', 'encoded dot-dot'],
    ['/a/%2E%2E/b', 'encoded dot-dot, upper case'],
    ['/a/.%2e/b', 'half-encoded dot-dot'],
    ['/a/%2e./b', 'half-encoded dot-dot'],
    ['/a/.../b', 'dot-only segment (Windows reduces it)'],
    ['/a/..%20/b', 'dots and a space (Windows strips it)'],
    ['/a/%20/b', 'space-only segment'],
  ])('%j (%s) is never exempt', (url) => {
    expect(canonicalPath(url)).toBeUndefined();
  });

  it('never throws and refuses absurd input', () => {
    expect(canonicalPath('/' + 'a'.repeat(5000))).toBeUndefined();
    expect(canonicalPath('/' + 'a'.repeat(4095))).toBe('/' + 'a'.repeat(4095));
    expect(canonicalPath('/' + 'a'.repeat(4096))).toBeUndefined();
    expect(canonicalPath(`/healthz?token=${'x'.repeat(10_000)}`)).toBe('/healthz');
    expect(canonicalPath('/a'.repeat(2048))).toBe('/a'.repeat(2048));
    expect(canonicalPath('/%'.repeat(100_000))).toBeUndefined();
    for (const value of [undefined, null, 0, {}, [], ['/healthz'], { toString: () => '/healthz' }, Symbol('x')]) {
      expect(canonicalPath(value as unknown as string)).toBeUndefined();
    }
  });

  it('returns the input itself when there is nothing to cut or decode', () => {
    const url = '/assets/app.1234.js';
    expect(canonicalPath(url)).toBe(url);
  });
});

describe('PathMatcher.matches: traversal and confusion variants stay closed', () => {
  const matcher = matcherOf([...DEFAULT_OPEN_PATHS, '/assets/*', '/webhooks/stripe']);
  it.each([
    ...ASSETS_TRAVERSALS,
    '/assets/%2e%2E/secret.html',
    '/assets/..%5Csecret.html',
    '/assets/%25252e%25252e/secret.html',
    '/assets/./x',
    '/assets/./x.css',
    '//assets/x',
    '//assets/x.css',
    '/assets//x',
    '/assets/x%00.css',
    '/assets/x\0.css',
    '/assets/%00/../secret.html',
    '/assets/%',
    '/assets/..%c0%afsecret.html',
    '/assets/%u002e%u002e/secret.html',
    '/assets;/../secret.html',
    '/assets/x.css;.html',
    '/assets/.../secret.html',
    '/assets/..%20/secret.html',
    '/assets/%2e%2e%2fsecret.html',
    '/ASSETS/x.css',
    '/Assets/x.css',
    '/assets-private/x',
    '/assetsx',
    '/assets',
    'http://localhost/assets/x.css',
    'https://localhost/healthz',
    '//localhost/healthz',
    '/healthz/../secret.html',
    '/healthz/%2e%2e/secret.html',
    '/robots.txt/..',
    '/webhooks/stripe/../../admin',
    '/webhooks/stripe%2f..%2f..%2fadmin',
    '/webhooks/Stripe',
    '/HEALTHZ',
    '/Healthz',
    '/healthz//',
    '/healthz%2f',
    '/secret?/healthz',
    '/secret#/healthz',
    '/secret.html?/assets/x.css',
    '',
    '*',
  ])('%j', (url) => {
    expect(matcher.matches(url)).toBe(false);
  });

  it('a very long path is refused', () => {
    expect(matcher.matches('/assets/' + 'a'.repeat(10_000))).toBe(false);
    expect(matcher.matches('/assets/' + '%2e'.repeat(10_000))).toBe(false);
  });

  it('non-strings at run time', () => {
    for (const value of [undefined, null, 42, {}, ['/healthz'], { toString: () => '/healthz' }]) {
      expect(matcher.matches(value as unknown as string)).toBe(false);
    }
  });

  it.each([
    '/assets/x.css',
    '/assets/x.css?v=1',
    '/assets/x.css?/../../secret.html',
    '/assets/x.css#/../secret.html',
    '/assets/%78.css',
    '/assets/sub/dir/y.js',
    '/assets/..x/y', // `..x` is a name, not a dot segment
    '/assets/x..',
    '/webhooks/stripe',
    '/webhooks/stripe/',
    '/healthz?probe=/../secret',
  ])('%j stays open', (url) => {
    expect(matcher.matches(url)).toBe(true);
  });
});

describe('PathMatcher.matches: the match is on the raw path, like Express routing', () => {
  const { matcher } = compilePathRules(['/healthz', '/assets/*', '/webhooks/stripe']);

  it.each(['/%68ealthz', '/heal%74hz', '/h%65althz/', '/%61ssets/x.css', '/webhooks/%73tripe'])(
    '%s is not exempt: no route for the rule would see it, a catch-all would',
    (url) => {
      expect(matcher.matches(url)).toBe(false);
    },
  );

  it('escapes below a prefix are fine: express.static decodes them under the prefix', () => {
    expect(matcher.matches('/assets/%78.css')).toBe(true);
    expect(matcher.matches('/assets/caf%C3%A9.png')).toBe(true);
  });

  it('a trailing slash reaches the exact rule only while strict routing is off', () => {
    expect(matcher.matches('/healthz/')).toBe(true);
    expect(matcher.matches('/healthz/', false)).toBe(true);
    expect(matcher.matches('/healthz/', true)).toBe(false);
    expect(matcher.matches('/healthz', true)).toBe(true);
  });

  // The middleware reads `strict routing` only where dependsOnStrictRouting says it matters.
  const urls = [
    '/',
    '/healthz',
    '/healthz/',
    '/healthz/?x=1',
    '/healthz?x=/',
    '/healthz#/',
    '/healthz//',
    '/assets/',
    '/assets/a/',
    '/assets',
    '/x/',
    '/%68ealthz/',
    '//',
    '/readyz/#a',
    '',
    'healthz/',
  ];
  it.each(urls)('strict routing changes the answer for %j only if dependsOnStrictRouting says so', (url) => {
    const differs = matcher.matches(url, true) !== matcher.matches(url, false);
    if (differs) expect(dependsOnStrictRouting(url)).toBe(true);
  });

  it('dependsOnStrictRouting: a trailing slash on the path, not in the query or fragment', () => {
    expect(urls.filter(dependsOnStrictRouting)).toEqual([
      '/healthz/',
      '/healthz/?x=1',
      '/healthz//',
      '/assets/',
      '/assets/a/',
      '/x/',
      '/%68ealthz/',
      '//',
      '/readyz/#a',
      'healthz/',
    ]);
    expect(urls.filter((url) => matcher.matches(url, true) !== matcher.matches(url, false))).toEqual(['/healthz/', '/healthz/?x=1']);
  });
});
