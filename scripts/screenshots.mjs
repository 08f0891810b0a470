// `npm run screenshots`: the built-in pages as visitors see them, as PNGs under docs/screenshots/<lang>/,
// for the README. Builds dist/ when it is missing or older than src/, serves each page from a real gate
// (dist/) on a free loopback port, and shoots it with the Chromium the browser tests use.
//
// Deterministic: the gate and the browser share one fixed clock, and the teaser comes from the demo's
// article, so the images change only when the pages, the article or the fonts do. Never edit them by hand.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import express from 'express';
import { chromium } from 'playwright-core';
import { chromiumOrSkip } from '../test/helpers/chromium.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'docs/screenshots');

/**
 * The languages shot, one entry each. A language other than English is shot only once a catalogue for
 * it exists (see `catalogueFor`); until then it is skipped with a note. `ar` stands for right to left.
 */
const LANGUAGES = ['en', 'ar'];

/** The instant the gates and the browser are at: launch is 3 days, 4 hours, 12 min 30 s away. */
const NOW = Date.parse('2030-06-03T08:47:30Z');

const PAGES = {
  maintenance: { mode: 'maintenance', until: '2030-06-03T11:15:00Z' },
  'coming-soon': {
    mode: 'coming-soon',
    launchAt: '2030-06-06T13:00:00Z',
    teaser: { file: join(root, 'demo/content/article.md') },
  },
};

const COLOR_SCHEMES = ['light', 'dark'];

const DEVICES = {
  desktop: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
  phone: { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function buildIfNeeded() {
  const built = join(root, 'dist/index.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(root, 'src'))) return;
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
}

/** The catalogue file for `lang` under src/i18n (any depth), or undefined while there is none. */
function catalogueFor(lang) {
  const dir = join(root, 'src/i18n');
  if (!existsSync(dir)) return undefined;
  const name = `${lang}.json`;
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).find((file) => file === name || file.endsWith(`/${name}`));
}

/** `/<lang>/<page>` is answered by a gate built (once) for that page in that language. */
async function startPageServer(intermission) {
  const gates = new Map();
  const gateFor = (page, lang) => {
    const key = `${page}|${lang}`;
    if (!gates.has(key)) {
      gates.set(key, intermission({ ...PAGES[page], page: { lang }, now: () => NOW, configFile: false, env: {}, logger: false }));
    }
    return gates.get(key);
  };
  const app = express();
  app.use('/assets', express.static(join(root, 'demo/public/assets')));
  app.use((req, res, next) => {
    const match = /^\/([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\/([a-z-]+)$/.exec(req.path);
    if (!match || !(match[2] in PAGES)) return void res.status(404).send('not found');
    gateFor(match[2], match[1])(req, res, next);
  });
  const server = createServer(app);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    async close() {
      await Promise.all([...gates.values()].map((gate) => gate.close()));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function main() {
  const launchOptions = chromiumOrSkip();
  if (!launchOptions) {
    process.exitCode = 1;
    return;
  }
  buildIfNeeded();
  const { intermission } = await import(pathToFileURL(join(root, 'dist/index.js')).href);
  const server = await startPageServer(intermission);
  const browser = await chromium.launch(launchOptions);
  const written = [];
  try {
    for (const lang of LANGUAGES) {
      if (lang !== 'en' && !catalogueFor(lang)) {
        console.log(`skipped ${lang}: no catalogue src/i18n/**/${lang}.json yet; it is shot once one exists.`);
        continue;
      }
      const dir = join(outDir, lang);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const page of Object.keys(PAGES)) {
        for (const colorScheme of COLOR_SCHEMES) {
          for (const [device, settings] of Object.entries(DEVICES)) {
            const context = await browser.newContext({ ...settings, colorScheme, locale: lang, timezoneId: 'UTC' });
            try {
              const tab = await context.newPage();
              const problems = [];
              tab.on('pageerror', (error) => problems.push(error.message));
              tab.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
              // Date reads NOW and stays there: the countdown shows the same seconds in every run.
              await tab.clock.setFixedTime(NOW);
              await tab.goto(`${server.origin}/${lang}/${page}`, { waitUntil: 'load' });
              await tab.evaluate('document.fonts.ready');
              const overflow = await tab.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
              if (overflow > 0) problems.push(`${overflow}px of horizontal overflow`);
              if (problems.length > 0) throw new Error(`${lang}/${page} ${colorScheme} ${device}: ${problems.join('; ')}`);
              const path = join(dir, `${page}-${colorScheme}-${device}.png`);
              await tab.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
              written.push(relative(root, path));
            } finally {
              await context.close();
            }
          }
        }
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  for (const path of written) console.log(`wrote ${path}`);
}

await main();
