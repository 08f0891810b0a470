import type { IncomingMessage } from 'node:http';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import type { IntermissionOptions, Teaser, TeaserResolver } from '../../src/index.js';
import { createApp, expectNoLeak, expressVersions, warningsWith, type ExpressFactory } from '../helpers/app.js';

const FALLBACK = { title: 'Fallback Story', excerpt: 'What we show when the resolver cannot say.' };

function teaserApp(express: ExpressFactory, teaser: TeaserResolver, options: IntermissionOptions = {}) {
  return createApp(express, { mode: 'coming-soon', fallbackTeaser: FALLBACK, teaser, ...options });
}

const perUrl: TeaserResolver = (req: IncomingMessage) => ({ title: `Per ${req.url ?? ''}`, excerpt: `Excerpt for ${req.url ?? ''}.` });

describe.each(expressVersions)('%s', (_name, express) => {
  describe('teaser (resolver)', () => {
    describe('when the resolver answers per request', () => {
      it('each path shows its own title and excerpt', async () => {
        const { app } = teaserApp(express, perUrl);
        for (const path of ['/posts/a', '/posts/b', '/posts/a']) {
          const res = await request(app).get(path);
          expect(res.status).toBe(200);
          expect(res.text).toContain(`<title>Coming soon: Per ${path}</title>`);
          expect(res.text).toContain(`Per ${path}</h2>`);
          expect(res.text).toContain(`Excerpt for ${path}.`);
          expect(res.text).not.toContain(FALLBACK.title);
          expectNoLeak(res);
        }
      });

      it('the JSON carries the same per-request teaser', async () => {
        const { app } = teaserApp(express, perUrl);
        const res = await request(app).get('/posts/c').set('Accept', 'application/json');
        expect(res.body.teaser).toEqual({ title: 'Per /posts/c', excerpt: 'Excerpt for /posts/c.' });
      });

      it('an async resolver works the same', async () => {
        const { app } = teaserApp(express, async (req) => {
          await new Promise((resolve) => setTimeout(resolve, 10));
          return { title: `Async ${req.url ?? ''}` };
        });
        expect((await request(app).get('/x')).text).toContain('Async /x</h2>');
      });
    });

    describe('when the resolver fails', () => {
      it.each([
        [
          'throws',
          () => {
            throw new Error('cms down');
          },
        ],
        ['rejects', () => Promise.reject(new Error('cms down'))],
        ['returns something that is not a teaser', () => 42 as unknown as Teaser],
      ] as [string, TeaserResolver][])(
        '%s: the fallback teaser is shown and WRN_INTERMISSION_TEASER_FAILED logged once',
        async (_label, resolver) => {
          const { app, logger } = teaserApp(express, resolver);
          for (const path of ['/a', '/b', '/c']) {
            const res = await request(app).get(path);
            expect(res.status).toBe(200);
            expect(res.text).toContain('Fallback Story</h2>');
            expect(res.text).toContain(FALLBACK.excerpt);
            expect(res.text).not.toContain('cms down');
          }
          expect(warningsWith(logger, 'WRN_INTERMISSION_TEASER_FAILED')).toHaveLength(1);
        },
      );

      it('times out after teaserTimeout when it never settles: fallback teaser, one warning', async () => {
        const { app, logger } = teaserApp(express, () => new Promise<Teaser>(() => {}), { teaserTimeout: 50 });
        for (let i = 0; i < 3; i++) {
          const started = performance.now();
          const res = await request(app).get('/slow');
          const took = performance.now() - started;
          expect(res.status).toBe(200);
          expect(res.text).toContain('Fallback Story</h2>');
          expect(took).toBeGreaterThanOrEqual(45);
          expect(took).toBeLessThan(5000);
        }
        expect(warningsWith(logger, 'WRN_INTERMISSION_TEASER_FAILED')).toHaveLength(1);
      });

      it('without a fallback teaser the page still answers, without a teaser', async () => {
        const { app } = createApp(express, {
          mode: 'coming-soon',
          teaser: () => {
            throw new Error('cms down');
          },
        });
        const res = await request(app).get('/');
        expect(res.status).toBe(200);
        expect(res.text).toContain('<h1 id="heading">Coming soon</h1>');
        expect(res.text).not.toContain('class="card teaser"');
      });
    });

    describe('when the resolver returns nothing', () => {
      it('the fallback teaser is shown without a warning', async () => {
        const { app, logger } = teaserApp(express, () => undefined);
        const res = await request(app).get('/');
        expect(res.text).toContain('Fallback Story</h2>');
        expect(warningsWith(logger, 'WRN_INTERMISSION_TEASER_FAILED')).toHaveLength(0);
      });
    });

    describe('when the resolver returns markup or unsafe URLs', () => {
      it('a <script> in the title and excerpt is escaped in the HTML', async () => {
        const { app } = teaserApp(express, () => ({
          title: '<script>alert("t")</script>',
          excerpt: '"><img src=x onerror=alert(1)>',
          author: '</title><script>alert(2)</script>',
        }));
        const res = await request(app).get('/');
        expect(res.status).toBe(200);
        expect(res.text).not.toContain('<script>alert');
        expect(res.text).not.toContain('<img src=x');
        expect(res.text).not.toContain('</title><script>');
        expect(res.text).toContain('&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;');
        expect(res.text.match(/<title>/g)).toHaveLength(1);
        // Every script left on the page is the built-in one, allowed by its hash.
        expect(res.text.match(/<script\b/g)?.length ?? 0).toBeLessThanOrEqual(1);
      });

      it.each([
        'javascript:alert(1)',
        'JavaScript:alert(1)',
        ' javascript:alert(1)',
        'data:text/html,<script>alert(1)</script>',
        '//evil.example/x.png',
        '/\\evil.example/x.png',
        'vbscript:msgbox(1)',
      ])('image %j is dropped', async (image) => {
        const { app } = teaserApp(express, () => ({ title: 'Pictured', image }));
        const res = await request(app).get('/');
        expect(res.status).toBe(200);
        expect(res.text).toContain('Pictured</h2>');
        expect(res.text).not.toContain('<img');
        expect(res.text).not.toContain('og:image');
        expect(res.text.toLowerCase()).not.toMatch(/javascript:|vbscript:|evil\.example|data:text/);
        const json = await request(app).get('/').set('Accept', 'application/json');
        expect(json.body.teaser).toEqual({ title: 'Pictured' });
      });

      it('an https image from page.imageOrigins is shown and allowed by the CSP', async () => {
        const { app } = teaserApp(express, () => ({ title: 'Pictured', image: 'https://cdn.example.com/cover.png' }), {
          page: { imageOrigins: ['https://cdn.example.com'] },
        });
        const res = await request(app).get('/');
        expect(res.text).toContain('<img class="teaser-image" src="https://cdn.example.com/cover.png"');
        expect(res.headers['content-security-policy']).toMatch(/img-src [^;]*https:\/\/cdn\.example\.com/);
      });
    });

    describe('when the request is not a coming-soon GET or HEAD', () => {
      it('the resolver is not called for writes or in maintenance mode', async () => {
        const resolver = vi.fn(perUrl);
        const { app } = teaserApp(express, resolver);
        const res = await request(app).post('/webhook');
        expect(res.status).toBe(503);
        expect(res.text).not.toContain('Per /webhook');
        const { app: maintenance } = teaserApp(express, resolver, { mode: 'maintenance' });
        expect((await request(maintenance).get('/')).status).toBe(503);
        expect(resolver).not.toHaveBeenCalled();
      });

      it('the resolver is called for HEAD, which answers like GET', async () => {
        const resolver = vi.fn(perUrl);
        const { app } = teaserApp(express, resolver);
        const get = await request(app).get('/h').set('Accept-Encoding', 'identity');
        const head = await request(app).head('/h').set('Accept-Encoding', 'identity');
        expect(head.status).toBe(200);
        expect(head.headers['content-length']).toBe(get.headers['content-length']);
        expect(resolver).toHaveBeenCalledTimes(2);
      });
    });
  });
});
