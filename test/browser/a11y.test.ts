import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type LaunchOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium } from '../helpers/chromium.js';
import {
  COLOR_SCHEMES,
  LANGUAGES,
  NOW,
  fixedTimePage,
  startPageServer,
  VARIANT_NAMES,
  VIEWPORTS,
  watchProblems,
  type PageServer,
} from './gate-pages.js';

/** Every WCAG 2.0, 2.1 and 2.2 rule at levels A and AA, and axe's best practices. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** Four axe runs of 1–4 s each on a busy 2-core machine, plus the page load. */
const PAGE_TIMEOUT = 120_000;

type AxeResults = Awaited<ReturnType<AxeBuilder['analyze']>>;

/** One line per violation and one per node it found, so a failure says what to fix and where. */
function describeViolations(results: AxeResults): string[] {
  return results.violations.map((violation) =>
    [
      `${violation.id} (${violation.impact ?? 'no impact'}): ${violation.help}`,
      ...violation.nodes.map((node) => `    ${node.target.join(' ')}: ${node.failureSummary?.replace(/\s+/g, ' ') ?? ''}`),
    ].join('\n'),
  );
}

describeWithChromium('accessibility of the built-in pages (axe)', (options: LaunchOptions) => {
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

  /**
   * Axe on the page as it is now, in each colour scheme and viewport: one load per page, re-laid out in
   * place (`emulateMedia`, `setViewportSize`) rather than loaded 4 times.
   */
  async function checkAllLayouts(page: Page, label: string): Promise<string[]> {
    const failures: string[] = [];
    // The page as a visitor reads it: once its entrance animations (the card rising in from
    // transparent) have ended. Mid-fade the text sits over the body's gradient, which axe cannot measure.
    await page.evaluate(
      'Promise.all(document.getAnimations().filter((a) => a.effect?.getComputedTiming().endTime !== Infinity).map((a) => a.finished)).then(() => undefined)',
    );
    for (const colorScheme of COLOR_SCHEMES) {
      for (const [device, viewport] of VIEWPORTS) {
        await page.emulateMedia({ colorScheme });
        await page.setViewportSize(viewport);
        const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
        // Axe must have looked at something: a page it could not read would pass with 0 violations.
        expect(results.passes.length).toBeGreaterThan(10);
        // A contrast axe could not measure (text over a gradient or image) is a contrast nobody checked.
        const unchecked = results.incomplete.filter((result) => result.id === 'color-contrast');
        for (const text of [...describeViolations(results), ...describeViolations({ ...results, violations: unchecked })]) {
          failures.push(`${label}, ${colorScheme}, ${device}: ${text}`);
        }
      }
    }
    return failures;
  }

  for (const { lang, dir } of LANGUAGES) {
    for (const variant of VARIANT_NAMES) {
      it(
        `${variant} (${lang}): 0 violations, light and dark, 375 and 1280 px`,
        async () => {
          if (!browser || !server) throw new Error('the browser or the page server did not start');
          const context = await browser.newContext({ viewport: VIEWPORTS[0][1], deviceScaleFactor: 1 });
          try {
            const page = await fixedTimePage(context);
            const problems = await watchProblems(page, server.origin);
            await page.goto(server.url(variant, lang), { waitUntil: 'load' });
            expect(await page.evaluate<string>('document.documentElement.lang')).toBe(lang);
            expect(await page.evaluate<string>('getComputedStyle(document.documentElement).direction')).toBe(dir);
            const failures = await checkAllLayouts(page, `${variant} (${lang})`);
            expect(failures, failures.join('\n')).toEqual([]);
            expect(await problems()).toEqual([]);
          } finally {
            await context.close();
          }
        },
        PAGE_TIMEOUT,
      );
    }

    it(
      `coming-soon once launch has passed on the client (${lang}): 0 violations`,
      async () => {
        if (!browser || !server) throw new Error('the browser or the page server did not start');
        const context = await browser.newContext({ viewport: VIEWPORTS[0][1], deviceScaleFactor: 1 });
        try {
          const page = await fixedTimePage(context);
          const problems = await watchProblems(page, server.origin);
          await page.goto(server.url('coming-soon-countdown-teaser', lang), { waitUntil: 'load' });
          // Past launch: at its next tick the countdown gives way to the "we're live" text.
          await page.clock.setFixedTime(NOW + 4 * 24 * 3600_000);
          await page.locator('.countdown-live').waitFor();
          expect(await page.locator('[data-countdown]').count()).toBe(0);
          // The reload link is reached by keyboard and shows where focus is, in both themes.
          await page.keyboard.press('Tab');
          expect(await page.evaluate<boolean>("document.activeElement.matches('.countdown-live a')")).toBe(true);
          for (const colorScheme of COLOR_SCHEMES) {
            await page.emulateMedia({ colorScheme });
            const ring = await page.evaluate<string>(
              "(function (s) { return s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor; })(getComputedStyle(document.activeElement))",
            );
            expect(ring).toMatch(/^solid 3px rgb/);
          }
          const failures = await checkAllLayouts(page, `launched (${lang})`);
          expect(failures, failures.join('\n')).toEqual([]);
          expect(await problems()).toEqual([]);
        } finally {
          await context.close();
        }
      },
      PAGE_TIMEOUT,
    );
  }

  it('the check can fail: a page with a real violation is reported', async () => {
    if (!browser || !server) throw new Error('the browser or the page server did not start');
    const context = await browser.newContext({ viewport: VIEWPORTS[0][1], deviceScaleFactor: 1 });
    try {
      const page = await context.newPage();
      await page.setContent('<!doctype html><html><body><main><img src="data:,"><a href="/"></a></main></body></html>');
      const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
      const ids = results.violations.map((violation) => violation.id);
      expect(ids).toEqual(expect.arrayContaining(['html-has-lang', 'image-alt', 'link-name']));
      expect(describeViolations(results).join('\n')).toMatch(/image-alt \(critical\)[^\n]*\n {4}img/);
    } finally {
      await context.close();
    }
  });
});
