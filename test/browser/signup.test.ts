// The launch list's form in Chromium: with JavaScript (fetch, no reload, messages in live regions) and
// without (POST, 303, the outcome shown by :target), by keyboard only, and axe on the page with the form.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import express from 'express';
import { chromium, type Browser, type LaunchOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { intermission, type IntermissionMiddleware } from '../../src/index.js';
import { describeWithChromium } from '../helpers/chromium.js';
import { watchProblems } from './gate-pages.js';

const TIMEOUT = 60_000;
const THANKS = 'Thanks! You’re on the list, and we’ll email you when we launch.';

function listed(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { email: string }).email);
}

/** Presses Tab until `selector` has focus; fails after `max` presses. Returns the ids passed on the way. */
async function tabTo(page: Page, selector: string, max = 12): Promise<string[]> {
  const passed: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate<string>("document.activeElement ? document.activeElement.id || document.activeElement.tagName : ''");
    passed.push(id);
    if (await page.evaluate<boolean>(`document.activeElement !== null && document.activeElement.matches(${JSON.stringify(selector)})`))
      return passed;
  }
  throw new Error(`Tab never reached ${selector}; passed ${passed.join(', ')}`);
}

describeWithChromium('the signup form in Chromium', (options: LaunchOptions) => {
  let browser: Browser | undefined;
  let server: Server | undefined;
  let gate: IntermissionMiddleware | undefined;
  let origin = '';
  const file = join(mkdtempSync(join(tmpdir(), 'intermission-browser-signup-')), 'subscribers.jsonl');

  beforeAll(async () => {
    gate = intermission({ mode: 'coming-soon', signup: { file, requireConsent: true }, configFile: false, env: {}, logger: false });
    const app = express();
    app.use(gate);
    server = createServer(app);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch(options);
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await gate?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it(
    'with JavaScript, by keyboard: posts without a reload and announces the thank-you in role=status',
    async () => {
      const context = await browser!.newContext();
      const page = await context.newPage();
      const problems = await watchProblems(page, origin);
      await page.goto(`${origin}/`);
      await page.evaluate('window.marker = 42');
      const passed = await tabTo(page, '#signup-email');
      expect(passed).not.toContain('signup-nickname');
      await page.keyboard.type('keyboard.js@example.com');
      await tabTo(page, '#signup-agree', 3);
      await page.keyboard.press('Space');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('[role=status]#signup-status').textContent()).toBe(THANKS);
      expect(await page.evaluate<number>('window.marker')).toBe(42);
      expect(page.url()).toBe(`${origin}/`);
      expect(listed(file)).toContain('keyboard.js@example.com');
      expect(await page.inputValue('#signup-email')).toBe('');
      expect(await problems()).toEqual([]);
      await context.close();
    },
    TIMEOUT,
  );

  it(
    'with JavaScript: an error is announced in role=alert and focus goes to the field',
    async () => {
      const context = await browser!.newContext();
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      await page.click('button[type=submit]');
      await expect.poll(() => page.locator('[role=alert]#signup-alert').textContent()).toBe('Please enter your email address.');
      expect(await page.getAttribute('#signup-email', 'aria-invalid')).toBe('true');
      // Passes the browser's own check (a@b), fails the server's: the server's message is announced.
      await page.fill('#signup-email', 'a@b');
      await page.check('#signup-agree');
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.locator('#signup-alert').textContent())
        .toBe('Please enter a valid email address, like name@example.com.');
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('signup-email');
      await page.fill('#signup-email', 'consent@example.com');
      await page.uncheck('#signup-agree');
      await page.click('button[type=submit]');
      await expect.poll(() => page.locator('#signup-alert').textContent()).toBe('Please tick the box so we can email you.');
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('signup-agree');
      expect(listed(file)).not.toContain('consent@example.com');
      await context.close();
    },
    TIMEOUT,
  );

  it(
    'without JavaScript, by keyboard: a plain POST, a 303 back, and the thank-you shown by :target',
    async () => {
      const context = await browser!.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      await tabTo(page, '#signup-email');
      await page.keyboard.type('nojs@example.com');
      await tabTo(page, '#signup-agree', 3);
      await page.keyboard.press('Space');
      // Back to the button (the checkbox follows it), and Enter.
      await page.keyboard.press('Shift+Tab');
      expect(await page.evaluate<string>("document.activeElement.getAttribute('type')")).toBe('submit');
      await Promise.all([page.waitForURL(`${origin}/#signup-thanks`), page.keyboard.press('Enter')]);
      expect(await page.isVisible('#signup-thanks')).toBe(true);
      expect(await page.textContent('#signup-thanks')).toBe(THANKS);
      expect(await page.isVisible('#signup-invalid')).toBe(false);
      expect(listed(file)).toContain('nojs@example.com');
      // An address the browser lets through and the server refuses: back to the page, the message shown.
      await page.fill('#signup-email', 'a@b');
      await page.check('#signup-agree');
      await Promise.all([page.waitForURL(`${origin}/#signup-invalid`), page.click('button[type=submit]')]);
      expect(await page.isVisible('#signup-invalid')).toBe(true);
      expect(await page.isVisible('#signup-thanks')).toBe(false);
      await context.close();
    },
    TIMEOUT,
  );

  it(
    'has no axe violations, with the form empty and with an error announced, in light and dark',
    async () => {
      for (const colorScheme of ['light', 'dark'] as const) {
        const context = await browser!.newContext({ colorScheme });
        const page = await context.newPage();
        await page.goto(`${origin}/`);
        const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
        expect((await new AxeBuilder({ page }).withTags(tags).analyze()).violations.map((v) => v.id)).toEqual([]);
        await page.click('button[type=submit]');
        await expect.poll(() => page.locator('#signup-alert').textContent()).not.toBe('');
        expect((await new AxeBuilder({ page }).withTags(tags).analyze()).violations.map((v) => v.id)).toEqual([]);
        await context.close();
      }
    },
    TIMEOUT * 2,
  );
});
