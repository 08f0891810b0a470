import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtInAssets } from '../../src/pages/assets.js';
import { fallbackPage, noticePage } from '../../src/pages/fallback.js';
import { countdownParts, formatDate } from '../../src/pages/format.js';
import type { PageLocals } from '../../src/pages/page-locals.js';
import { loadTemplates, type Templates } from '../../src/pages/templates.js';
import { describeWithChromium } from '../helpers/chromium.js';

const SHOTS = '/tmp/intermission-shots';
const DESKTOP = { width: 1280, height: 860 };
const MOBILE = { width: 375, height: 740 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const CSP = [
  "default-src 'none'",
  `style-src '${builtInAssets.styleHash}'`,
  `script-src '${builtInAssets.scriptHash}'`,
  "img-src 'self' data:",
].join('; ');

/** The teaser image, served same-origin (the CSP allows `'self'`). */
const TEASER_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 628">
<defs>
<linearGradient id="a" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#312e81"/><stop offset=".55" stop-color="#6366f1"/><stop offset="1" stop-color="#f472b6"/></linearGradient>
<radialGradient id="b" cx=".8" cy=".2" r=".6"><stop offset="0" stop-color="#fff" stop-opacity=".35"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient>
</defs>
<rect width="1200" height="628" fill="url(#a)"/><rect width="1200" height="628" fill="url(#b)"/>
<circle cx="230" cy="470" r="190" fill="#fff" fill-opacity=".08"/><circle cx="980" cy="120" r="120" fill="#fff" fill-opacity=".1"/>
<path d="M0 520 C 300 420 520 620 820 500 S 1100 420 1200 470 V628 H0Z" fill="#0f172a" fill-opacity=".25"/>
</svg>`;

function base(kind: PageLocals['kind']): PageLocals {
  return {
    kind,
    lang: 'en',
    title: kind === 'maintenance' ? 'Down for maintenance' : 'Coming soon',
    heading: kind === 'maintenance' ? 'We’ll be back soon' : 'Coming soon',
    message:
      kind === 'maintenance'
        ? 'We’re upgrading our servers to make things faster. Thanks for bearing with us — it won’t take long.'
        : 'We’re putting the finishing touches on something new. Here’s a first look.',
    statusCode: kind === 'maintenance' ? 503 : 200,
    noindex: false,
    nonce: 'test-nonce',
    inlineStyle: builtInAssets.inlineStyle,
    inlineScript: builtInAssets.inlineScript,
    custom: {},
  };
}

function launch(targetMs: number, nowMs = Date.now()): Pick<PageLocals, 'launchAt' | 'countdown'> {
  return {
    launchAt: { iso: new Date(targetMs).toISOString(), text: formatDate(new Date(targetMs), 'en', 'UTC') },
    countdown: countdownParts(targetMs, nowMs, 'en'),
  };
}

/** Pages by path, rendered per request so the countdown is correct at render time. */
function routes(templates: Templates): Record<string, () => string> {
  return {
    '/maintenance': () => {
      const until = new Date(Date.now() + 2 * HOUR + 30 * MINUTE);
      return templates.render('maintenance', {
        ...base('maintenance'),
        until: { iso: until.toISOString(), text: formatDate(until, 'en', 'UTC') },
      });
    },
    '/maintenance-shortly': () => templates.render('maintenance', base('maintenance')),
    '/coming-soon': () =>
      templates.render('coming-soon', {
        ...base('coming-soon'),
        heading: 'Something new is coming',
        ...launch(Date.now() + 3 * DAY + 4 * HOUR + 12 * MINUTE + 30_000),
        teaser: {
          title: 'Designing calm software: notes from a year of quiet launches',
          excerpt:
            'What we learned shipping without fanfare: smaller releases, kinder error pages, and why the best launch is the one nobody notices went wrong…',
          image: '/teaser.svg',
          imageAlt: 'Abstract indigo and pink waves',
          author: 'Ada Lovelace',
          publishedAt: '2030-06-03',
          wordCount: 1640,
          readingMinutes: 9,
        },
      }),
    '/coming-soon-plain': () => templates.render('coming-soon', { ...base('coming-soon'), ...launch(Date.now() + 5 * HOUR + 3 * MINUTE) }),
    // Rendered (say, cached) an hour ago for a launch a minute ago: the client is past launch.
    '/launched': () => {
      const now = Date.now();
      return templates.render('coming-soon', { ...base('coming-soon'), ...launch(now - MINUTE, now - HOUR) });
    },
    // Launches while the page is open.
    '/launching': () => templates.render('coming-soon', { ...base('coming-soon'), ...launch(Date.now() + 1_500) }),
    '/fallback': () =>
      fallbackPage({ kind: 'maintenance', lang: 'en', title: 'Down', heading: 'We’ll be back soon', message: 'Back soon.' }),
    '/notice': () => noticePage({ title: 'Preview link expired', message: 'This preview link has expired. Ask for a new one.' }),
  };
}

interface OpenOptions {
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  javaScriptEnabled?: boolean;
}

interface Opened {
  page: Page;
  context: BrowserContext;
  problems: string[];
  violations(): Promise<string[]>;
}

describeWithChromium('built-in pages in Chromium', (options: LaunchOptions) => {
  let browser: Browser | undefined;
  let server: Server | undefined;
  let origin = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const pages = routes(loadTemplates());
    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path === '/teaser.svg') {
        res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(TEASER_SVG);
        return;
      }
      const page = pages[path];
      if (!page) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res
        .writeHead(path.startsWith('/maintenance') ? 503 : 200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': CSP,
          'cache-control': 'no-store',
        })
        .end(page());
    });
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    browser = await chromium.launch(options);
  });

  afterAll(async () => {
    await browser?.close();
    const listening = server;
    if (listening) await new Promise<void>((resolve) => listening.close(() => resolve()));
  });

  async function open(path: string, options: OpenOptions = {}): Promise<Opened> {
    const { colorScheme = 'light', viewport = DESKTOP, javaScriptEnabled = true } = options;
    if (!browser) throw new Error('the browser did not start');
    const context = await browser.newContext({ viewport, colorScheme, javaScriptEnabled, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const problems: string[] = [];
    const url = origin + path;
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // Chromium logs any non-2xx document as an error: the maintenance page is a 503 on purpose.
      if (message.location().url === url && /status of 503\b/.test(message.text())) return;
      problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()}`));
    page.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) {
        problems.push(`external request: ${request.url()}`);
      }
    });
    await page.addInitScript({
      content:
        'window.__violations = [];' +
        "document.addEventListener('securitypolicyviolation', function (e) {" +
        "  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);" +
        '});',
    });
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.ok() || response?.status() === 503).toBe(true);
    return {
      page,
      context,
      problems,
      violations: () => page.evaluate<string[]>('window.__violations || []'),
    };
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true, animations: 'disabled' });
  }

  async function countdownText(page: Page): Promise<string> {
    return page.evaluate<string>("(document.querySelector('[data-countdown-root]') || document.body).textContent");
  }

  async function backgroundColor(page: Page): Promise<string> {
    return page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
  }

  async function horizontalOverflow(page: Page): Promise<number> {
    return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  }

  for (const path of ['/maintenance', '/maintenance-shortly', '/coming-soon', '/coming-soon-plain', '/launched', '/fallback', '/notice']) {
    it(`${path}: no console errors, CSP violations or external requests; basic structure`, async () => {
      const { page, context, problems, violations } = await open(path);
      try {
        await page.waitForTimeout(300);
        expect(problems).toEqual([]);
        expect(await violations()).toEqual([]);
        expect(await page.evaluate<string>('document.documentElement.lang')).toBe('en');
        expect(await page.locator('main').count()).toBe(1);
        expect(await page.locator('h1').count()).toBe(1);
        // The inline style applied (the hash matched): the card has a border radius.
        expect(await page.evaluate<string>("getComputedStyle(document.querySelector('.card')).borderTopLeftRadius")).not.toBe('0px');
      } finally {
        await context.close();
      }
    });
  }

  it('the teaser image loads under the CSP', async () => {
    const { page, context, problems } = await open('/coming-soon');
    try {
      const width = await page.evaluate<number>("document.querySelector('.teaser-image').naturalWidth");
      expect(width).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the countdown ticks every second on the client', async () => {
    const { page, context, problems, violations } = await open('/coming-soon');
    try {
      // The script shows the seconds cell, which the server leaves hidden.
      expect(await page.locator('[data-unit-cell="second"]').isVisible()).toBe(true);
      const first = await countdownText(page);
      expect(first).toMatch(/3\s*days/);
      let changed = first;
      const deadline = Date.now() + 2_500;
      while (changed === first && Date.now() < deadline) {
        await page.waitForTimeout(100);
        changed = await countdownText(page);
      }
      expect(changed).not.toBe(first);
      expect(changed).not.toMatch(/-\d|NaN/);
      expect(problems).toEqual([]);
      expect(await violations()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('after launch the client shows the live text, never negative numbers', async () => {
    const { page, context, problems } = await open('/launched');
    try {
      const text = await countdownText(page);
      expect(text).toMatch(/live/i);
      expect(text).toMatch(/reload/i);
      expect(text).not.toMatch(/-\d|NaN/);
      expect(await page.locator('[data-countdown]').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('switches to the live text when launch passes while the page is open', async () => {
    const { page, context, problems } = await open('/launching');
    try {
      let text = await countdownText(page);
      const deadline = Date.now() + 4_000;
      while (!/live/i.test(text) && Date.now() < deadline) {
        await page.waitForTimeout(100);
        text = await countdownText(page);
      }
      expect(text).toMatch(/live/i);
      expect(text).not.toMatch(/-\d|NaN/);
      await shot(page, 'coming-soon-live-light-desktop');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('with JavaScript off the server-rendered countdown is there', async () => {
    const { page, context } = await open('/coming-soon', { javaScriptEnabled: false });
    try {
      const text = await countdownText(page);
      expect(text).toMatch(/3\s*days/);
      expect(text).toMatch(/04\s*hours/);
      expect(await page.locator('[data-unit-cell="second"]').isVisible()).toBe(false);
      expect(await page.locator('time[data-countdown]').getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    } finally {
      await context.close();
    }
  });

  for (const path of ['/maintenance', '/coming-soon']) {
    const name = path.slice(1);

    it(`${path}: dark mode changes the background colour`, async () => {
      const light = await open(path, { colorScheme: 'light' });
      const dark = await open(path, { colorScheme: 'dark' });
      try {
        const lightBg = await backgroundColor(light.page);
        const darkBg = await backgroundColor(dark.page);
        expect(darkBg).not.toBe(lightBg);
        // And it can be toggled in place.
        await light.page.emulateMedia({ colorScheme: 'dark' });
        expect(await backgroundColor(light.page)).toBe(darkBg);
        await shot(light.page, `${name}-dark-desktop-toggled`);
        await dark.page.emulateMedia({ colorScheme: 'light' });
        expect(await backgroundColor(dark.page)).toBe(lightBg);
        expect(dark.problems).toEqual([]);
        expect(await dark.violations()).toEqual([]);
      } finally {
        await light.context.close();
        await dark.context.close();
      }
    });

    for (const colorScheme of ['light', 'dark'] as const) {
      for (const [device, viewport] of [
        ['desktop', DESKTOP],
        ['mobile', MOBILE],
      ] as const) {
        it(`${path}: ${colorScheme} ${device} (${viewport.width}px) has no horizontal scroll; screenshot`, async () => {
          const { page, context, problems } = await open(path, { colorScheme, viewport });
          try {
            expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
            await shot(page, `${name}-${colorScheme}-${device}`);
            expect(problems).toEqual([]);
          } finally {
            await context.close();
          }
        });
      }
    }
  }

  it('extra screenshots: minimal coming-soon, maintenance without a date, fallback and notice pages', async () => {
    for (const [path, name] of [
      ['/coming-soon-plain', 'coming-soon-plain'],
      ['/maintenance-shortly', 'maintenance-shortly'],
      ['/fallback', 'fallback'],
      ['/notice', 'notice'],
    ] as const) {
      for (const [device, viewport] of [
        ['desktop', DESKTOP],
        ['mobile', MOBILE],
      ] as const) {
        const { page, context, problems } = await open(path, { viewport });
        try {
          expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
          await shot(page, `${name}-light-${device}`);
          expect(problems).toEqual([]);
        } finally {
          await context.close();
        }
      }
    }
  }, 90_000);
});
