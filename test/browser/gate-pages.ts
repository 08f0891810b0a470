import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import type { BrowserContext, Page } from 'playwright-core';
import { intermission } from '../../src/index.js';
import type { IntermissionMiddleware, IntermissionOptions } from '../../src/index.js';

/**
 * The built-in pages as visitors get them: each one served by a real gate (real templates, CSP and
 * headers) with a fixed clock, so a browser whose clock is installed at `NOW` sees the same countdown.
 */

/** The instant every gate (and every browser clock) is at: launch is 3 d 4 h 12 min 30 s later. */
export const NOW = Date.parse('2030-06-03T08:47:30Z');
export const LAUNCH_AT = '2030-06-06T13:00:00Z';
export const BACK_AT = '2030-06-03T11:15:00Z';

export const DESKTOP = { width: 1280, height: 860 } as const;
export const PHONE = { width: 375, height: 740 } as const;
export const VIEWPORTS = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const;
export const COLOR_SCHEMES = ['light', 'dark'] as const;

export interface Language {
  /** `page.lang`. */
  lang: string;
  dir: 'ltr' | 'rtl';
}

/**
 * Every language the pages are checked in: one entry per language, each with its own catalogue's
 * text. German has the longest words (the countdown units), Arabic is right to left.
 */
export const LANGUAGES: readonly Language[] = [
  { lang: 'en', dir: 'ltr' },
  { lang: 'de', dir: 'ltr' },
  { lang: 'ar', dir: 'rtl' },
];

/** The teaser image, served same-origin (the CSP allows `'self'`). */
const TEASER_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 628">
<defs><linearGradient id="a" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#312e81"/><stop offset=".55" stop-color="#6366f1"/><stop offset="1" stop-color="#f472b6"/></linearGradient></defs>
<rect width="1200" height="628" fill="url(#a)"/><circle cx="230" cy="470" r="190" fill="#fff" fill-opacity=".08"/>
</svg>`;

const TEASER = {
  title: 'Designing calm software: notes from a year of quiet launches',
  excerpt:
    'What we learned shipping without fanfare: smaller releases, kinder error pages, and why the best launch is the one nobody notices went wrong…',
  image: '/assets/teaser.svg',
  imageAlt: 'Abstract indigo and pink waves',
  author: 'Ada Lovelace',
  publishedAt: '2030-05-28',
  readingMinutes: 9,
};

/**
 * Every variant of the two pages. Add one here (the signup form, once it exists) and every browser test
 * that loops over `VARIANTS` checks it.
 */
export const VARIANTS = {
  'maintenance-until': { mode: 'maintenance', until: BACK_AT },
  'maintenance-shortly': { mode: 'maintenance' },
  'coming-soon-plain': { mode: 'coming-soon' },
  'coming-soon-countdown': { mode: 'coming-soon', launchAt: LAUNCH_AT },
  'coming-soon-teaser': { mode: 'coming-soon', teaser: TEASER },
  'coming-soon-countdown-teaser': { mode: 'coming-soon', launchAt: LAUNCH_AT, teaser: TEASER },
  // The launch list's form with its consent checkbox (nothing is posted here: the file stays unwritten).
  'coming-soon-signup': {
    mode: 'coming-soon',
    launchAt: LAUNCH_AT,
    signup: { requireConsent: true, file: join(tmpdir(), 'intermission-browser-variants', 'subscribers.jsonl') },
  },
} as const satisfies Record<string, IntermissionOptions>;

export type Variant = keyof typeof VARIANTS;
export const VARIANT_NAMES = Object.keys(VARIANTS) as Variant[];

export interface PageServer {
  /** The URL of `variant` in `lang`. */
  url(variant: Variant, lang: string): string;
  origin: string;
  close(): Promise<void>;
}

/** Starts one loopback server; `/?variant=…&lang=…` is answered by a gate built (once) for that pair. */
export async function startPageServer(): Promise<PageServer> {
  const gates = new Map<string, IntermissionMiddleware>();
  const gateFor = (variant: Variant, lang: string): IntermissionMiddleware => {
    const key = `${variant}|${lang}`;
    let gate = gates.get(key);
    if (!gate) {
      gate = intermission({
        ...VARIANTS[variant],
        allow: { paths: ['/assets/*'] },
        page: { lang },
        now: () => NOW,
        configFile: false,
        env: {},
        logger: false,
      });
      gates.set(key, gate);
    }
    return gate;
  };

  const app = express();
  app.use((req, res, next) => {
    const query = new URL(req.url, 'http://localhost').searchParams;
    const variant = query.get('variant') ?? 'maintenance-until';
    if (!(variant in VARIANTS)) return void res.status(404).send('unknown variant');
    gateFor(variant as Variant, query.get('lang') ?? 'en')(req, res, next);
  });
  app.get('/assets/teaser.svg', (_req, res) => void res.type('image/svg+xml').send(TEASER_SVG));

  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (variant, lang) => `${origin}/?variant=${variant}&lang=${encodeURIComponent(lang)}`,
    async close() {
      await Promise.all([...gates.values()].map((gate) => gate.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Records what would make a page wrong whatever axe says: console errors, uncaught errors, failed
 * or external requests, CSP violations. Call before `goto`.
 */
export async function watchProblems(page: Page, origin: string): Promise<() => Promise<string[]>> {
  const problems: string[] = [];
  page.on('console', (message) => {
    // Chromium logs any non-2xx document as an error: the maintenance page is a 503 on purpose.
    if (message.type() !== 'error' || /status of 503\b/.test(message.text())) return;
    problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()}`));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:')) problems.push(`external request: ${url}`);
  });
  await page.addInitScript({
    content:
      'window.__cspViolations = [];' +
      "document.addEventListener('securitypolicyviolation', function (e) {" +
      "  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);" +
      '});',
  });
  return async () => [...problems, ...(await page.evaluate<string[]>('window.__cspViolations || []')).map((v) => `csp: ${v}`)];
}

/**
 * A new page in `context` whose `Date` reads `NOW` (timers still run): the countdown shows the same
 * numbers however slow the machine. (Axe needs running timers: it never finishes on a paused clock.)
 */
export async function fixedTimePage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.clock.setFixedTime(NOW);
  return page;
}

/** A new page in `context` with fake timers paused at `NOW`: time moves only by `page.clock.runFor()`. */
export async function pausedPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  // Installed a little earlier, so pausing at NOW is never "in the past" on a slow machine.
  await page.clock.install({ time: NOW - 30_000 });
  await page.clock.pauseAt(NOW);
  return page;
}
