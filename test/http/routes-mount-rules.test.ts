import { describe, expect, it } from 'vitest';
import { bypassCookieNames, serializeBypassCookie } from '../../src/bypass/bypass-cookie.js';
import { isPreviewUrl, landingPath } from '../../src/bypass/preview-endpoint.js';
import { compileOnlyPaths } from '../../src/bypass/only-paths.js';

const PREVIEW = '/__intermission/preview';

describe('isPreviewUrl with a mount', () => {
  it.each([
    ['/blog/__intermission/preview?token=x', '/blog', true],
    ['/blog/__intermission/preview', '/blog', true],
    ['/__intermission/preview?token=x', '/blog', false],
    ['/blog/__intermission/previewx', '/blog', false],
    ['/blog/__intermission/preview/x', '/blog', false],
    ['/blogx/__intermission/preview', '/blog', false],
    ['/api/__intermission/preview', '/blog', false],
    ['/__intermission/preview?token=x', '', true],
    ['/blog/__intermission/preview', '', false],
  ])('%s under %j: %s', (url, mount, expected) => {
    expect(isPreviewUrl(url, PREVIEW, mount)).toBe(expected);
  });
});

describe('landingPath', () => {
  it.each([
    [undefined, '', '/'],
    ['/x?y=1', '', '/x?y=1'],
    [undefined, '/blog', '/blog/'],
    ['/', '/blog', '/blog/'],
    ['/blog', '/blog', '/blog'],
    ['/blog?x=1', '/blog', '/blog?x=1'],
    ['/blog/post', '/blog', '/blog/post'],
    ['/blogroll', '/blog', '/blog/'],
    ['/api', '/blog', '/blog/'],
    ['//evil.example', '/blog', '/blog/'],
    ['https://evil.example/blog', '/blog', '/blog/'],
    ['/blog/../api', '/blog', '/blog/'],
    // A mount path taken from the request (a path parameter) can never make the target leave the origin.
    [undefined, '/\\evil.example', '/'],
    [undefined, '/%5Cevil.example', '/'],
    [undefined, '/%2F%2Fevil.example', '/'],
    ['/\\evil.example/x', '/\\evil.example', '/'],
  ])('next %j under %j lands on %j', (next, mount, expected) => {
    expect(landingPath(next, mount)).toBe(expected);
  });
});

describe('the bypass cookie of a mounted gate', () => {
  it('is scoped to the mount and named __Secure- over HTTPS', () => {
    expect(serializeBypassCookie('blog_bypass', 'v.1.2.m', { maxAgeSeconds: 60, secure: true, nowMs: 0, path: '/blog' })).toMatch(
      /^__Secure-blog_bypass=v\.1\.2\.m; Path=\/blog; Max-Age=60; .*; HttpOnly; Secure; SameSite=Lax$/,
    );
    expect(serializeBypassCookie('blog_bypass', 'v.1.2.m', { maxAgeSeconds: 60, secure: false, nowMs: 0, path: '/blog' })).toMatch(
      /^blog_bypass=v\.1\.2\.m; Path=\/blog; /,
    );
    expect(bypassCookieNames('n', true)).toEqual({ plain: 'n', host: '__Secure-n' });
  });

  it.each(['/blog;x', '/blog x', '/blog\r\nX: y', 'blog', '', '/\u00e9'])('refuses the path %j', (path) => {
    expect(() => serializeBypassCookie('n', 'v', { maxAgeSeconds: 60, secure: false, nowMs: 0, path })).toThrow(TypeError);
  });
});

describe('compileOnlyPaths', () => {
  const { matcher } = compileOnlyPaths(['/blog/*', '/Shop']);
  it.each([
    ['/blog', true],
    ['/shop/', true],
    ['/SHOP', true],
    ['/shop/x', false],
    ['/blogx', false],
    ['/', false],
    ['', true],
    ['*', true],
    ['http://host/blog', true],
    [`/${'a'.repeat(5000)}`, true],
  ])('%j closes: %s', (url, closed) => {
    expect(matcher.closes(url)).toBe(closed);
  });

  it('closes everything with no rules (the option unused)', () => {
    expect(compileOnlyPaths([]).matcher.closes('/anything')).toBe(true);
  });

  it('never throws on a value that is not a string', () => {
    expect(matcher.closes(42 as unknown as string)).toBe(true);
  });
});
