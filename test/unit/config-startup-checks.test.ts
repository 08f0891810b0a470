// Values that used to pass the config and then fail, or silently do nothing, at run time: each is now
// refused at start-up with a coded issue naming the field and the fix (issue 12, item 3).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { IntermissionConfigError, intermission, type IntermissionOptions } from '../../src/index.js';
import { createPreviewToken } from '../../src/bypass/preview-token.js';

const SECRET = 's'.repeat(32);

function issuesOf(options: Record<string, unknown>, env: Record<string, unknown> = {}) {
  return resolveConfig({ configFile: false, env, ...options }).issues;
}

/** What `intermission()` throws for these options (it must throw the config error, nothing else). */
function startupError(options: Record<string, unknown>): IntermissionConfigError {
  try {
    intermission({ configFile: false, env: {}, logger: false, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(IntermissionConfigError);
    return error as IntermissionConfigError;
  }
  throw new Error('intermission() accepted the options');
}

type Case = [name: string, options: Record<string, unknown>, field: string, code: string, message: RegExp];

function refuses(cases: Case[]): void {
  it.each(cases)('refuses %s', (_name, options, field, code, message) => {
    const issues = issuesOf(options);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field, code });
    expect(issues[0]?.message).toMatch(message);
  });
}

describe('cookie.name', () => {
  refuses([
    [
      '__Host-',
      { cookie: { name: '__Host-bypass' } },
      'cookie.name',
      'ERR_INTERMISSION_INVALID_COOKIE',
      /__Host- or __Secure-.*adds the __Host- prefix itself/,
    ],
    ['__Secure-', { cookie: { name: '__Secure-bypass' } }, 'cookie.name', 'ERR_INTERMISSION_INVALID_COOKIE', /cookie prefix/],
    ['a prefix in another case', { cookie: { name: '__hOsT-bypass' } }, 'cookie.name', 'ERR_INTERMISSION_INVALID_COOKIE', /cookie prefix/],
    ['__SECURE- in capitals', { cookie: { name: '__SECURE-x' } }, 'cookie.name', 'ERR_INTERMISSION_INVALID_COOKIE', /cookie prefix/],
    ['a name with a space', { cookie: { name: 'a b' } }, 'cookie.name', 'ERR_INTERMISSION_INVALID_COOKIE', /1 to 64 letters/],
  ]);

  it('accepts names that only look like prefixes', () => {
    for (const name of ['__Host', '_Host-x', 'Host-x', '__Hostx', 'my__Host-x']) expect(issuesOf({ cookie: { name } }), name).toEqual([]);
  });

  it('fails at start-up, where a __Host- name used to turn every preview link into a 500', async () => {
    expect(startupError({ mode: 'maintenance', secret: SECRET, cookie: { name: '__Host-admin' } }).code).toBe(
      'ERR_INTERMISSION_INVALID_COOKIE',
    );
    // The plain name still works end to end: the link sets the cookie (prefixed on secure requests only).
    const app = express();
    app.use(intermission({ configFile: false, env: {}, logger: false, mode: 'maintenance', secret: SECRET, cookie: { name: 'admin' } }));
    const token = createPreviewToken(SECRET);
    const res = await request(app).get(`/__intermission/preview?token=${encodeURIComponent(token)}`);
    expect(res.status).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/^admin=/);
  });
});

describe('static teaser images and page.imageOrigins', () => {
  refuses([
    [
      'an image host with ;',
      { teaser: { image: 'https://cdn;script-src.example.com/a.png' } },
      'teaser.image',
      'ERR_INTERMISSION_INVALID_URL',
      /Content-Security-Policy/,
    ],
    [
      'an image host with ,',
      { fallbackTeaser: { image: 'https://a,b.example.com/a.png' } },
      'fallbackTeaser.image',
      'ERR_INTERMISSION_INVALID_URL',
      /"a,b\.example\.com"/,
    ],
    [
      'an image host with _',
      { teaser: { title: 'T', image: 'https://my_cdn.example.com/a.png' } },
      'teaser.image',
      'ERR_INTERMISSION_INVALID_URL',
      /"_"/,
    ],
    [
      'an image on an IPv6 literal',
      { teaser: { image: 'http://[::1]:8080/a.png' } },
      'teaser.image',
      'ERR_INTERMISSION_INVALID_URL',
      /IPv6/,
    ],
    [
      'an image with whitespace',
      { teaser: { image: 'https://cdn.example.com/a b.png' } },
      'teaser.image',
      'ERR_INTERMISSION_INVALID_URL',
      /would drop it/,
    ],
    [
      'a javascript: image',
      { teaser: { image: 'javascript:alert(1)' } },
      'teaser.image',
      'ERR_INTERMISSION_INVALID_URL',
      /http\(s\) URL nor a path/,
    ],
    [
      'a protocol-relative image',
      { teaser: { image: '//cdn.example.com/a.png' } },
      'teaser.image',
      'ERR_INTERMISSION_INVALID_URL',
      /would drop it/,
    ],
    ['a mailto: teaser link', { teaser: { url: 'mailto:a@example.com' } }, 'teaser.url', 'ERR_INTERMISSION_INVALID_URL', /would drop it/],
    [
      'an imageOrigins host with ;',
      { page: { imageOrigins: ['https://a;b.example.com'] } },
      'page.imageOrigins[0]',
      'ERR_INTERMISSION_INVALID_URL',
      /"a;b\.example\.com"/,
    ],
    [
      'an imageOrigins host with ,',
      { page: { imageOrigins: ['https://x.example.com', 'https://a,b.example.com'] } },
      'page.imageOrigins[1]',
      'ERR_INTERMISSION_INVALID_URL',
      /Content-Security-Policy/,
    ],
    [
      'an imageOrigins entry that is not http(s)',
      { page: { imageOrigins: ['ftp://x.example.com'] } },
      'page.imageOrigins[0]',
      'ERR_INTERMISSION_INVALID_URL',
      /absolute http\(s\) URL/,
    ],
    [
      'an imageOrigins entry that is not a URL',
      { page: { imageOrigins: ['images.example.com'] } },
      'page.imageOrigins[0]',
      'ERR_INTERMISSION_INVALID_URL',
      /absolute http\(s\) URL/,
    ],
  ]);

  it('accepts paths, plain hosts, IDNs, ports, IPv4 and wildcard origins, and puts them in img-src', async () => {
    const options = {
      mode: 'coming-soon',
      teaser: { title: 'Launch', image: 'https://bücher.example:8443/a;b,c.png', url: '/blog/launch' },
      fallbackTeaser: { image: '/images/a.png' },
      page: { imageOrigins: ['https://*.cdn.example.com', 'http://192.0.2.1:8080/path'] },
    };
    expect(issuesOf(options)).toEqual([]);
    const app = express();
    app.use(intermission({ configFile: false, env: {}, logger: false, ...options } as IntermissionOptions));
    const res = await request(app).get('/').set('Accept', 'text/html');
    expect(res.status).toBe(200);
    const imgSrc = /img-src ([^;]*)/.exec(String(res.headers['content-security-policy']))?.[1];
    expect(imgSrc?.split(' ')).toEqual([
      "'self'",
      'data:',
      'https://*.cdn.example.com',
      'http://192.0.2.1:8080',
      'https://xn--bcher-kva.example:8443',
    ]);
  });

  it('fails at start-up where helmet used to throw while building the headers', () => {
    const error = startupError({
      mode: 'coming-soon',
      teaser: { image: 'https://a;b.example.com/x.png' },
      page: { imageOrigins: ['https://c,d.example.com'] },
    });
    expect(error.issues.map((issue) => issue.field)).toEqual(['teaser.image', 'page.imageOrigins[0]']);
  });

  it('refuses at start-up an image host named in a teaser file, which only the gate reads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'intermission-startup-'));
    const file = join(dir, 'launch.md');
    writeFileSync(file, '---\ntitle: Launch\nimage: https://cdn;script-src.example.com/a.png\n---\nHello world.\n');
    const error = startupError({ mode: 'coming-soon', teaser: { file } });
    expect(error.issues).toEqual([expect.objectContaining({ field: 'teaser.file', code: 'ERR_INTERMISSION_INVALID_URL' })]);
    expect(error.issues[0]?.message).toMatch(/Content-Security-Policy/);
    // A usable host in the same file starts fine.
    writeFileSync(file, '---\ntitle: Launch\nimage: https://cdn.example.com/a.png\n---\nHello world.\n');
    expect(() => intermission({ configFile: false, env: {}, logger: false, mode: 'coming-soon', teaser: { file } })).not.toThrow();
  });

  it('names the teaser field inside a config file, not "Invalid input"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'intermission-startup-'));
    const file = join(dir, 'intermission.json');
    writeFileSync(file, JSON.stringify({ teaser: { title: 5, image: 'https://a;b.example.com/x.png' } }));
    const { issues } = resolveConfig({ configFile: file, env: {} });
    expect(issues.map((issue) => [issue.field, issue.code])).toEqual([
      [`${file} › teaser.title`, 'ERR_INTERMISSION_INVALID_OPTION'],
      [`${file} › teaser.image`, 'ERR_INTERMISSION_INVALID_URL'],
    ]);
  });
});

describe('every other option that could fail at run time', () => {
  refuses([
    ['a page.lang that Intl rejects', { page: { lang: 'en-US-US' } }, 'page.lang', 'ERR_INTERMISSION_INVALID_LANGUAGE', /BCP 47/],
    ['a page.lang with a repeated variant', { page: { lang: 'en-1996-1996' } }, 'page.lang', 'ERR_INTERMISSION_INVALID_LANGUAGE', /BCP 47/],
    ['a page.lang that is not a tag', { page: { lang: 'english!' } }, 'page.lang', 'ERR_INTERMISSION_INVALID_LANGUAGE', /BCP 47/],
    ['a page.lang of no known language', { page: { lang: 'xx' } }, 'page.lang', 'ERR_INTERMISSION_INVALID_LANGUAGE', /no known language/],
    ['a page.lang that is not a string', { page: { lang: 7 } }, 'page.lang', 'ERR_INTERMISSION_INVALID_OPTION', /string/],
    [
      'page.messages that is not an object',
      { page: { messages: 'de' } },
      'page.messages',
      'ERR_INTERMISSION_INVALID_MESSAGES',
      /keyed by language tag/,
    ],
    [
      'a page.messages tag of no known language',
      { page: { messages: { qq: {} } } },
      'page.messages.qq',
      'ERR_INTERMISSION_INVALID_LANGUAGE',
      /no known language/,
    ],
    [
      'a page.messages key no page uses',
      { page: { messages: { de: { 'maintenance.titel': 'x' } } } },
      'page.messages.de["maintenance.titel"]',
      'ERR_INTERMISSION_UNKNOWN_MESSAGE',
      /did you mean "maintenance.title"/,
    ],
    [
      'a page.messages text that is not a string',
      { page: { messages: { de: { 'maintenance.title': 3 } } } },
      'page.messages.de["maintenance.title"]',
      'ERR_INTERMISSION_INVALID_MESSAGE',
      /expected a string/,
    ],
    [
      'a page.messages placeholder the key lacks',
      { page: { messages: { de: { 'maintenance.backOn': 'am {datum}' } } } },
      'page.messages.de["maintenance.backOn"]',
      'ERR_INTERMISSION_INVALID_MESSAGE',
      /\{datum\}/,
    ],
    [
      'a per-mode page text with a line break',
      { page: { maintenance: { title: 'a\nb' } } },
      'page.maintenance.title',
      'ERR_INTERMISSION_INVALID_OPTION',
      /control characters/,
    ],
    [
      'an unknown per-mode page text',
      { page: { 'coming-soon': { headline: 'x' } } },
      'page.coming-soon.headline',
      'ERR_INTERMISSION_UNKNOWN_OPTION',
      /did you mean "heading"/,
    ],
    [
      'a page.title with a line break',
      { page: { title: 'Down\nX-Fake: header' } },
      'page.title',
      'ERR_INTERMISSION_INVALID_OPTION',
      /control characters/,
    ],
    [
      'a page.heading with an escape sequence',
      { page: { heading: 'Back \u001b[2Jsoon' } },
      'page.heading',
      'ERR_INTERMISSION_INVALID_OPTION',
      /control characters/,
    ],
    [
      'a page.message with a carriage return',
      { page: { message: 'Back soon\rStatus: open' } },
      'page.message',
      'ERR_INTERMISSION_INVALID_OPTION',
      /other than line feeds and tabs/,
    ],
    [
      'a page.message with a C1 control',
      { page: { message: 'a\u0085b' } },
      'page.message',
      'ERR_INTERMISSION_INVALID_OPTION',
      /control characters/,
    ],
    ['a page.title over 300 characters', { page: { title: 't'.repeat(301) } }, 'page.title', 'ERR_INTERMISSION_INVALID_OPTION', /300/],
    [
      'previewPath /',
      { previewPath: '/' },
      'previewPath',
      'ERR_INTERMISSION_INVALID_OPTION',
      /home page would become the preview endpoint/,
    ],
    [
      'a previewPath that is a default open path',
      { previewPath: '/healthz' },
      'previewPath',
      'ERR_INTERMISSION_INVALID_PATH',
      /default open path/,
    ],
    [
      'a previewPath that is an allowed path',
      { previewPath: '/status/', allow: { paths: ['/status'] } },
      'previewPath',
      'ERR_INTERMISSION_INVALID_PATH',
      /"\/status" in allow\.paths/,
    ],
    ['statusCode 204', { statusCode: 204 }, 'statusCode', 'ERR_INTERMISSION_INVALID_NUMBER', /cannot carry the page/],
    ['statusCode 205', { statusCode: 205 }, 'statusCode', 'ERR_INTERMISSION_INVALID_NUMBER', /cannot carry the page/],
    ['statusCode 206', { statusCode: 206 }, 'statusCode', 'ERR_INTERMISSION_INVALID_NUMBER', /cannot carry the page/],
    ['statusCode 302', { statusCode: 302 }, 'statusCode', 'ERR_INTERMISSION_INVALID_NUMBER', /redirects/],
    ['statusCode 304', { statusCode: 304 }, 'statusCode', 'ERR_INTERMISSION_INVALID_NUMBER', /cannot carry the page/],
    ['statusCode 401', { statusCode: 401 }, 'statusCode', 'ERR_INTERMISSION_INVALID_NUMBER', /needs a header/],
    ['statusCode 405', { statusCode: 405 }, 'statusCode', 'ERR_INTERMISSION_INVALID_NUMBER', /needs a header/],
    ['statusCode 199', { statusCode: 199 }, 'statusCode', 'ERR_INTERMISSION_INVALID_NUMBER', /use 200 \(the default\), 503/],
    ['statusCode 600', { statusCode: 600 }, 'statusCode', 'ERR_INTERMISSION_INVALID_NUMBER', /use 200 \(the default\), 503/],
    [
      'a teaser publishedAt the page would drop',
      { teaser: { publishedAt: 'last Tuesday' } },
      'teaser.publishedAt',
      'ERR_INTERMISSION_INVALID_DATE',
      /2026-12-24/,
    ],
    [
      'a logger whose debug is not a function',
      { logger: { warn() {}, error() {}, debug: true } },
      'logger',
      'ERR_INTERMISSION_INVALID_OPTION',
      /logger\.debug to be a function.*boolean true/,
    ],
    [
      'a logger whose info is not a function',
      { logger: { warn() {}, error() {}, info: 'verbose' } },
      'logger',
      'ERR_INTERMISSION_INVALID_OPTION',
      /logger\.info/,
    ],
    ['a clock that returns a string', { now: () => '2026-01-01' }, 'now', 'ERR_INTERMISSION_INVALID_OPTION', /returned string/],
    ['a clock that returns NaN', { now: () => Number.NaN }, 'now', 'ERR_INTERMISSION_INVALID_OPTION', /returned number NaN/],
    ['a clock that returns an invalid Date', { now: () => new Date('nope') }, 'now', 'ERR_INTERMISSION_INVALID_OPTION', /invalid Date/],
    [
      'a clock that throws',
      {
        now: () => {
          throw new Error('no clock');
        },
      },
      'now',
      'ERR_INTERMISSION_INVALID_OPTION',
      /threw \(no clock\)/,
    ],
  ]);

  it('accepts the statuses that carry a page, tags Intl knows and multi-line messages', () => {
    for (const statusCode of [200, 202, 203, 404, 410, 418, 451, 500, 503, 599])
      expect(issuesOf({ statusCode }), String(statusCode)).toEqual([]);
    for (const lang of ['en', 'pt-BR', 'zh-Hant-TW', 'de-1996', 'sr-Latn']) expect(issuesOf({ page: { lang } }), lang).toEqual([]);
    expect(issuesOf({ page: { message: 'Back soon.\n\n\tThe team' } })).toEqual([]);
    expect(issuesOf({ previewPath: '/healthz/preview', allow: { paths: ['/assets/*'] } })).toEqual([]);
    expect(issuesOf({ previewPath: '/healthz', allow: { defaultPaths: false } })).toEqual([]);
    expect(issuesOf({ now: () => new Date(0), logger: { warn() {}, error() {}, debug() {} } })).toEqual([]);
  });

  it('serves a status it accepts', async () => {
    const app = express();
    app.use(intermission({ configFile: false, env: {}, logger: false, mode: 'coming-soon', statusCode: 451 }));
    const res = await request(app).get('/').set('Accept', 'text/html');
    expect(res.status).toBe(451);
    expect(res.text).toContain('<html');
  });

  describe('the environment', () => {
    it('refuses env values that are not strings instead of crashing on them', () => {
      const issues = issuesOf({}, { INTERMISSION_MODE: 1, INTERMISSION_REDIS_URL: true, INTERMISSION_SECRET: SECRET });
      expect(issues.map((issue) => [issue.field, issue.code])).toEqual([
        ['INTERMISSION_MODE', 'ERR_INTERMISSION_INVALID_OPTION'],
        ['INTERMISSION_REDIS_URL', 'ERR_INTERMISSION_INVALID_OPTION'],
      ]);
      expect(issues[0]?.message).toMatch(/is number 1; environment variables are strings/);
    });

    it.each(['redis://[oops', 'rediss://', 'redis:// host', 'http://localhost:6379'])(
      'refuses INTERMISSION_REDIS_URL=%s, which redisStore() would throw on',
      (url) => {
        expect(issuesOf({}, { INTERMISSION_REDIS_URL: url })).toEqual([
          expect.objectContaining({
            field: 'INTERMISSION_REDIS_URL',
            code: 'ERR_INTERMISSION_STORE',
            message: expect.stringMatching(/with a host/),
          }),
        ]);
      },
    );

    it('accepts the Redis URLs redisStore() takes', () => {
      for (const url of ['redis://localhost:6379', 'rediss://user:pw@redis.example.com:6380/2', 'redis://[::1]:6379']) {
        expect(resolveConfig({ configFile: false, env: { INTERMISSION_REDIS_URL: url } }).config?.store, url).toEqual({
          kind: 'redis',
          url,
          key: undefined,
        });
      }
    });
  });
});
