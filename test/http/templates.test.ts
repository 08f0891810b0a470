import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { IntermissionOptions } from '../../src/index.js';
import { createApp, expressVersions, manualClock, REAL_SITE, warningsWith, type ExpressFactory } from '../helpers/app.js';

const MINUTE = 60_000;

function viewsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'intermission-views-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const BRANDED = viewsDir({
  'coming-soon.ejs': [
    '<!doctype html>',
    '<html lang="<%= lang %>"><head><title><%= custom.brand %> — <%= title %></title>',
    '<style nonce="<%= nonce %>">.brand{color:teal}</style></head>',
    '<body><p class="brand"><%= custom.brand %></p><h1><%= heading %></h1>',
    '<script nonce="<%= nonce %>">document.body.dataset.ready = "1";</script>',
    '</body></html>',
  ].join('\n'),
});

/** Calls `custom.hit()` (so renders can be counted), then reads a property of undefined. */
const BROKEN = viewsDir({
  'coming-soon.ejs': '<% custom.hit() %><p><%= custom.missing.deep %></p>',
  'maintenance.ejs': '<% custom.hit() %><p><%= custom.missing.deep %></p>',
});

function nonceOf(header: string | undefined, directive: string): string | undefined {
  const sources = (header ?? '').split(';').find((part) => part.trim().startsWith(`${directive} `)) ?? '';
  return /'nonce-([^']+)'/.exec(sources)?.[1];
}

function templateApp(express: ExpressFactory, options: IntermissionOptions, setup?: Parameters<typeof createApp>[2]) {
  const clock = manualClock('2026-06-01T12:00:00Z');
  const built = createApp(express, { now: clock.now, ...options }, setup);
  return { ...built, clock };
}

describe.each(expressVersions)('%s', (_name, express) => {
  describe('page.views', () => {
    describe('when a custom coming-soon.ejs prints custom locals and the nonce', () => {
      it('shows the brand from page.locals', async () => {
        const { app } = templateApp(express, { mode: 'coming-soon', page: { views: BRANDED, locals: { brand: 'ACME Rockets' } } });
        const res = await request(app).get('/');
        expect(res.status).toBe(200);
        expect(res.text).toContain('<p class="brand">ACME Rockets</p>');
        expect(res.text).toContain('<title>ACME Rockets — Coming soon</title>');
      });

      it('allows the body’s nonce in the CSP, a fresh one per response', async () => {
        const { app } = templateApp(express, { mode: 'coming-soon', page: { views: BRANDED, locals: { brand: 'ACME' } } });
        const nonces = new Set<string>();
        for (const encoding of ['identity', 'gzip', 'br']) {
          const res = await request(app).get('/').set('Accept-Encoding', encoding);
          const csp = res.headers['content-security-policy'] as string;
          const scriptNonce = nonceOf(csp, 'script-src');
          expect(scriptNonce).toBeDefined();
          expect(nonceOf(csp, 'style-src')).toBe(scriptNonce);
          const inBody = [...res.text.matchAll(/nonce="([^"]+)"/g)].map((m) => m[1]);
          expect(inBody).toEqual([scriptNonce, scriptNonce]);
          expect(res.text).not.toContain('intermission-nonce-');
          expect(csp).not.toContain('intermission-nonce-');
          expect(csp).not.toContain('unsafe-inline');
          nonces.add(scriptNonce!);
        }
        expect(nonces.size).toBe(3);
      });

      it('HEAD sends the same length without a body', async () => {
        const { app } = templateApp(express, { mode: 'coming-soon', page: { views: BRANDED, locals: { brand: 'ACME' } } });
        const get = await request(app).get('/');
        const head = await request(app).head('/');
        expect(head.status).toBe(200);
        expect(head.headers['content-length']).toBe(get.headers['content-length']);
        expect(head.text).toBeFalsy();
      });

      it('keeps the built-in maintenance.ejs, with no nonce in its CSP', async () => {
        const { app } = templateApp(express, { mode: 'maintenance', page: { views: BRANDED, locals: { brand: 'ACME' } } });
        const res = await request(app).get('/');
        expect(res.status).toBe(503);
        expect(res.text).toContain('Scheduled maintenance');
        expect(res.text).not.toContain('ACME');
        expect(res.headers['content-security-policy']).not.toContain('nonce-');
      });
    });

    describe('when the template throws at render time', () => {
      it.each([
        ['coming-soon', 200],
        ['maintenance', 503],
      ] as const)(
        '%s: the built-in minimal page with status %i, one warning over several renders, no stack trace',
        async (mode, status) => {
          let renders = 0;
          const { app, clock, logger } = templateApp(express, {
            mode,
            // With an end time the page is re-rendered each minute, so each request below renders again.
            ...(mode === 'coming-soon' ? { launchAt: '2026-06-02T00:00:00Z' } : { until: '2026-06-02T00:00:00Z' }),
            page: {
              views: BROKEN,
              locals: {
                hit: () => {
                  renders++;
                },
              },
            },
          });
          for (let i = 0; i < 3; i++) {
            const res = await request(app).get('/');
            expect(res.status).toBe(status);
            expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
            expect(res.text).toMatch(/^<!doctype html>/);
            expect(res.text).toContain('<h1 id="heading">');
            expect(res.text).not.toMatch(/\n\s+at |Cannot read properties|TypeError|\.ejs|intermission-views-/);
            const style = /<style>([\s\S]*?)<\/style>/.exec(res.text)![1]!;
            const hash = `'sha256-${createHash('sha256').update(style).digest('base64')}'`;
            expect(res.headers['content-security-policy']).toContain(hash);
            clock.advance(2 * MINUTE);
          }
          expect(renders).toBe(3);
          const warnings = warningsWith(logger, 'WRN_INTERMISSION_TEMPLATE_FAILED');
          expect(warnings).toHaveLength(1);
        },
      );

      it('the JSON representation is unaffected', async () => {
        const { app } = templateApp(express, {
          mode: 'maintenance',
          page: { views: BROKEN, locals: { hit: () => undefined }, message: 'Upgrading.' },
        });
        const res = await request(app).get('/').set('Accept', 'application/json');
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({ status: 'maintenance', message: 'Upgrading.' });
      });
    });

    describe('when the host app renders its own ejs views', () => {
      it('its view settings are untouched and its views (and same-named partials) render as its own', async () => {
        const hostViews = viewsDir({
          'page.ejs': `<%- include('partials/head') %><p>${REAL_SITE} <%= name %></p>`,
          'partials/head.ejs': '<header>HOST HEADER</header>',
        });
        const { app, clock } = templateApp(
          express,
          { mode: 'coming-soon', launchAt: '2026-06-02T00:00:00Z', allow: { paths: ['/host'] } },
          (host) => {
            host.set('view engine', 'ejs');
            host.set('views', hostViews);
            host.set('view cache', true);
            host.get('/host', (_req, res) => {
              res.render('page', { name: 'rendered by the host' });
            });
          },
        );
        for (let i = 0; i < 3; i++) {
          const gate = await request(app).get('/');
          expect(gate.text).toContain('Coming soon');
          expect(gate.text).not.toContain('HOST HEADER');
          const host = await request(app).get('/host');
          expect(host.status).toBe(200);
          expect(host.text).toBe(`<header>HOST HEADER</header><p>${REAL_SITE} rendered by the host</p>`);
          clock.advance(2 * MINUTE);
        }
        expect(app.get('view engine')).toBe('ejs');
        expect(app.get('views')).toBe(hostViews);
        expect(app.get('view cache')).toBe(true);
      });

      it('an app with no view engine gets none from the gate', async () => {
        const { app } = templateApp(express, { mode: 'coming-soon', page: { views: BRANDED, locals: { brand: 'ACME' } } });
        const before = [app.get('view engine'), app.get('views')];
        await request(app).get('/');
        expect([app.get('view engine'), app.get('views')]).toEqual(before);
        expect(app.get('view engine')).toBeUndefined();
      });
    });
  });
});
