import { chromium, type Browser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium } from '../helpers/chromium.js';
import { DESKTOP, LAUNCH_AT, NOW, pausedPage, startPageServer, watchProblems, type PageServer } from './gate-pages.js';

const MINUTE = 60_000;
const TIMEOUT = 60_000;

interface Change {
  /** `live`: the text of the page's live region; `visible`: the text of the ticking numbers. */
  kind: 'live' | 'visible';
  /** The page's (fake) clock when the change happened. */
  at: number;
  text: string;
}

/**
 * Test-only: records every change of the live region's text and of the visible numbers, with the page's
 * clock. Playwright's clock runs each timer in its own task, so observer callbacks see each tick's time.
 */
const RECORDER = `
window.__changes = [];
(function () {
  var last = {};
  function note(kind, el) {
    if (!el || last[kind] === el.textContent) return;
    last[kind] = el.textContent;
    window.__changes.push({ kind: kind, at: Date.now(), text: el.textContent });
  }
  new MutationObserver(function () {
    note('live', document.querySelector('[aria-live]'));
    note('visible', document.querySelector('.countdown-grid'));
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();`;

describeWithChromium('the countdown in Chromium: quiet for screen readers, still for reduced motion', (options: LaunchOptions) => {
  let browser: Browser | undefined;
  let server: PageServer | undefined;

  beforeAll(async () => {
    server = await startPageServer();
    browser = await chromium.launch(options);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** The countdown page at `NOW` on a paused clock, with changes recorded from after the load. */
  async function open(
    reducedMotion: 'reduce' | 'no-preference',
  ): Promise<{ page: Page; context: BrowserContext; problems: () => Promise<string[]> }> {
    if (!browser || !server) throw new Error('the browser or the page server did not start');
    const context = await browser.newContext({ viewport: DESKTOP, reducedMotion });
    const page = await pausedPage(context);
    const problems = await watchProblems(page, server.origin);
    await page.addInitScript({ content: RECORDER });
    await page.goto(server.url('coming-soon-countdown', 'en'), { waitUntil: 'load' });
    await page.evaluate('window.__changes = []');
    return { page, context, problems };
  }

  async function changes(page: Page, kind: Change['kind']): Promise<Change[]> {
    return (await page.evaluate<Change[]>('window.__changes')).filter((change) => change.kind === kind);
  }

  async function numbers(page: Page): Promise<Record<string, string>> {
    return page.evaluate<Record<string, string>>(
      "Object.fromEntries([...document.querySelectorAll('[data-unit]')].map((el) => [el.dataset.unit, el.textContent]))",
    );
  }

  function liveText(page: Page): Promise<string> {
    return page.evaluate<string>("document.querySelector('[aria-live]').textContent");
  }

  it(
    'the ticking numbers are hidden from screen readers; one polite, visually hidden live region, silent at load',
    async () => {
      const { page, context, problems } = await open('no-preference');
      try {
        expect(await numbers(page)).toEqual({ day: '3', hour: '04', minute: '12', second: '30' });
        const live = page.locator('[aria-live]');
        expect(await live.count()).toBe(1);
        expect(await live.getAttribute('aria-live')).toBe('polite');
        expect(await live.getAttribute('aria-atomic')).toBe('true');
        expect(await liveText(page)).toBe('');
        expect((await live.boundingBox())?.width).toBeLessThanOrEqual(1);
        // No live region, status or timer role around the numbers; they are not in the accessibility tree.
        const around = await page.evaluate<string | null>(
          "(function (el) { var hit = el.closest('[aria-live],[role=status],[role=timer],[role=log],[role=alert],[role=marquee]'); return hit && hit.outerHTML.slice(0, 80); })(document.querySelector('[data-unit=second]'))",
        );
        expect(around).toBeNull();
        expect(await page.locator('[data-unit=second]').evaluate((el) => el.closest('[aria-hidden=true]') !== null)).toBe(true);
        // Screen readers read the label and the time left to the minute, once, as part of the page.
        const tree = await page.locator('[data-countdown-root]').ariaSnapshot();
        expect(tree).toContain('Launching in');
        expect(tree).toContain('3 days, 4 hours, 13 minutes');
        expect(tree).not.toMatch(/\b30\b|second/);
        expect(await problems()).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  it(
    'numbers tick every second while the live region stays silent; it then speaks once a minute, in words',
    async () => {
      const { page, context, problems } = await open('no-preference');
      try {
        await page.clock.runFor(5_000);
        expect((await changes(page, 'visible')).length).toBe(5);
        expect(await numbers(page)).toMatchObject({ minute: '12', second: '25' });
        expect(await changes(page, 'live')).toEqual([]);

        await page.clock.runFor(3 * MINUTE);
        // 185 s of ticking: ~185 visible changes, 3 spoken ones, a minute apart, each true when said.
        expect((await changes(page, 'visible')).length).toBeGreaterThanOrEqual(180);
        const spoken = await changes(page, 'live');
        expect(spoken.map((change) => [change.at - NOW, change.text])).toEqual([
          [MINUTE, 'Launching in 3 days, 4 hours, 12 minutes'],
          [2 * MINUTE, 'Launching in 3 days, 4 hours, 11 minutes'],
          [3 * MINUTE, 'Launching in 3 days, 4 hours, 10 minutes'],
        ]);
        expect(await problems()).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  it(
    'announces the launch once, in the same live region, when it passes while the page is open',
    async () => {
      const { page, context, problems } = await open('no-preference');
      try {
        const launch = Date.parse(LAUNCH_AT);
        // Straight to 90 s before launch (one tick fires at the end), then every timer for 2 minutes.
        await page.clock.fastForward(launch - 90_000 - NOW);
        await page.clock.runFor(2 * MINUTE);
        const spoken = await changes(page, 'live');
        expect(spoken.at(-1)?.text).toBe('We’re live — reload the page');
        for (let i = 1; i < spoken.length; i++) expect(spoken[i]!.at - spoken[i - 1]!.at).toBeGreaterThanOrEqual(MINUTE);
        expect(await page.locator('[data-countdown]').count()).toBe(0);
        expect(await page.locator('.countdown-live a').textContent()).toBe('reload the page');
        expect(await page.locator('[aria-live]').count()).toBe(1);
        expect(await problems()).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  it(
    'prefers-reduced-motion: no seconds, the numbers change once a minute, the live region the same',
    async () => {
      const { page, context, problems } = await open('reduce');
      try {
        expect(await page.locator('[data-unit-cell="second"]').isVisible()).toBe(false);
        // Rounded up to the minute, as the server rendered it: nothing moves at load.
        expect(await numbers(page)).toMatchObject({ day: '3', hour: '04', minute: '13' });
        await page.clock.runFor(5_000);
        expect(await changes(page, 'visible')).toEqual([]);

        await page.clock.runFor(3 * MINUTE);
        const visible = await changes(page, 'visible');
        // Minute boundaries at 30, 90 and 150 s after load (the script wakes 20 ms past each).
        expect(visible.map((change) => change.at - NOW)).toEqual([30_020, 90_020, 150_020]);
        expect(await numbers(page)).toMatchObject({ minute: '10' });
        expect((await changes(page, 'live')).map((change) => change.at - NOW)).toEqual([MINUTE, 2 * MINUTE, 3 * MINUTE]);
        expect(await problems()).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  it(
    'switching to reduced motion while the page is open stops the seconds at once',
    async () => {
      const { page, context } = await open('no-preference');
      try {
        await page.clock.runFor(2_000);
        expect(await page.locator('[data-unit-cell="second"]').isVisible()).toBe(true);
        await page.emulateMedia({ reducedMotion: 'reduce' });
        await expect.poll(() => page.locator('[data-unit-cell="second"]').isVisible()).toBe(false);
        await page.evaluate('window.__changes = []');
        await page.clock.runFor(5_000);
        expect(await changes(page, 'visible')).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );
});
