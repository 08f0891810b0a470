import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ejs from 'ejs';
import { DomUtils, parseDocument } from 'htmlparser2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/shared/package-root.js';
import { builtInAssets, builtInViewsDir } from '../../src/pages/assets.js';
import { escapeHtml, fallbackPage, noticePage } from '../../src/pages/fallback.js';
import { countdownParts, formatDate } from '../../src/pages/format.js';
import type { PageKind, PageLocals } from '../../src/pages/page-locals.js';
import { loadTemplates, TemplateError } from '../../src/pages/templates.js';
import type { Teaser } from '../../src/types.js';

type Document = ReturnType<typeof parseDocument>;
type Element = ReturnType<typeof DomUtils.findAll>[number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2030, 5, 1, 12, 0, 0);

const TEASER: Teaser = {
  title: 'Designing calm software',
  excerpt: 'What we learned shipping without fanfare…',
  image: 'https://cdn.example.com/teaser.png',
  imageAlt: 'Indigo waves',
  url: 'https://example.com/blog/calm-software',
  author: 'Ada Lovelace',
  publishedAt: '2030-06-03T09:00:00+02:00',
  wordCount: 1640,
  readingMinutes: 9,
};

function minimal(kind: PageKind): PageLocals {
  return {
    kind,
    lang: 'en',
    title: kind === 'maintenance' ? 'Down for maintenance' : 'Coming soon',
    heading: kind === 'maintenance' ? 'We’ll be back soon' : 'Coming soon',
    message: 'A message.',
    statusCode: kind === 'maintenance' ? 503 : 200,
    noindex: false,
    nonce: 'n0nce',
    inlineStyle: builtInAssets.inlineStyle,
    inlineScript: builtInAssets.inlineScript,
    custom: {},
  };
}

function full(kind: PageKind, overrides: Partial<PageLocals> = {}): PageLocals {
  const until = NOW + 2 * HOUR;
  const launch = NOW + 3 * DAY + 4 * HOUR + 12 * MINUTE;
  return {
    ...minimal(kind),
    heading: kind === 'maintenance' ? 'We’ll be back soon' : 'Something new is coming',
    until: { iso: new Date(until).toISOString(), text: formatDate(new Date(until), 'en', 'UTC') },
    launchAt: { iso: new Date(launch).toISOString(), text: formatDate(new Date(launch), 'en', 'UTC') },
    countdown: countdownParts(launch, NOW, 'en'),
    teaser: TEASER,
    noindex: true,
    custom: { brand: 'Acme' },
    ...overrides,
  };
}

const all = (doc: Document, test: (el: Element) => boolean): Element[] => DomUtils.findAll(test, doc.children);
const byTag = (doc: Document, tag: string): Element[] => all(doc, (el) => el.name === tag);
const attr = (el: Element | undefined, name: string): string | undefined =>
  el === undefined ? undefined : DomUtils.getAttributeValue(el, name);
const text = (el: Element | Element[] | undefined): string =>
  el === undefined ? '' : DomUtils.textContent(el).replace(/\s+/g, ' ').trim();

function meta(doc: Document, key: string): string | undefined {
  const el = all(doc, (e) => e.name === 'meta' && (attr(e, 'property') === key || attr(e, 'name') === key))[0];
  return attr(el, 'content');
}

/** Ordinary spaces for ICU's no-break and narrow no-break spaces. */
const spaces = (value: string): string => value.replace(/[\u00a0\u202f]/g, ' ');

function sha256(value: string): string {
  return `sha256-${createHash('sha256').update(value, 'utf8').digest('base64')}`;
}

/** The exact characters between an opening tag and its closing tag, as the browser hashes them. */
function between(html: string, tag: 'style' | 'script'): string[] {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');
}

describe('built-in templates', () => {
  const templates = loadTemplates();

  it('renders the maintenance page with all locals', () => {
    const html = templates.render('maintenance', full('maintenance'));
    const doc = parseDocument(html);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(attr(byTag(doc, 'html')[0], 'lang')).toBe('en');
    expect(text(byTag(doc, 'title')[0])).toBe('Down for maintenance');
    expect(byTag(doc, 'main')).toHaveLength(1);
    expect(byTag(doc, 'h1').map((h) => text(h))).toEqual(['We’ll be back soon']);
    expect(meta(doc, 'description')).toBe('A message.');
    const until = all(doc, (e) => e.name === 'time' && attr(e, 'datetime') === '2030-06-01T14:00:00.000Z');
    expect(until).toHaveLength(1);
    expect(text(until[0])).toBe(formatDate(new Date(NOW + 2 * HOUR), 'en', 'UTC'));
    // No script on the maintenance page, no social meta.
    expect(byTag(doc, 'script')).toHaveLength(0);
    expect(meta(doc, 'og:title')).toBeUndefined();
  });

  it('renders the maintenance page with minimal locals: "shortly"', () => {
    const doc = parseDocument(templates.render('maintenance', minimal('maintenance')));
    expect(text(all(doc, (e) => attr(e, 'class') === 'eta'))).toBe('Expected back Shortly');
    expect(byTag(doc, 'time')).toHaveLength(0);
    expect(meta(doc, 'robots')).toBeUndefined();
  });

  it('renders the coming-soon page with all locals', () => {
    const html = templates.render('coming-soon', full('coming-soon'));
    const doc = parseDocument(html);
    expect(byTag(doc, 'h1').map((h) => text(h))).toEqual(['Something new is coming']);
    expect(byTag(doc, 'h2').map((h) => text(h))).toEqual(['Designing calm software']);

    // The countdown, on the server: text and machine-readable target.
    const time = all(doc, (e) => e.name === 'time' && attr(e, 'data-countdown') !== undefined)[0];
    expect(attr(time, 'datetime')).toBe('2030-06-04T16:12:00.000Z');
    expect(text(all(doc, (e) => attr(e, 'data-countdown-text') !== undefined))).toBe('3 days, 4 hours, 12 minutes');
    const cell = (unit: string): string => text(all(doc, (e) => attr(e, 'data-unit') === unit));
    expect([cell('day'), cell('hour'), cell('minute')]).toEqual(['3', '04', '12']);
    const launchText = formatDate(new Date('2030-06-04T16:12:00.000Z'), 'en', 'UTC');
    expect(html).toContain(`Launches <time datetime="2030-06-04T16:12:00.000Z">${launchText}</time>`);
    expect(between(html, 'script')).toEqual([builtInAssets.inlineScript]);

    // The teaser card.
    const img = byTag(doc, 'img')[0];
    expect(attr(img, 'src')).toBe(TEASER.image);
    expect(attr(img, 'alt')).toBe('Indigo waves');
    expect(text(all(doc, (e) => attr(e, 'class') === 'teaser-excerpt'))).toBe(TEASER.excerpt);
    const metaLine = text(all(doc, (e) => attr(e, 'class') === 'teaser-meta'));
    expect(metaLine).toBe('Ada Lovelace Jun 3, 2030 9 min read');

    // Social meta from the teaser.
    expect(meta(doc, 'og:type')).toBe('article');
    expect(meta(doc, 'og:title')).toBe(TEASER.title);
    expect(meta(doc, 'og:description')).toBe(TEASER.excerpt);
    expect(meta(doc, 'og:image')).toBe(TEASER.image);
    expect(meta(doc, 'og:image:alt')).toBe('Indigo waves');
    expect(meta(doc, 'og:url')).toBe(TEASER.url);
    expect(meta(doc, 'twitter:card')).toBe('summary_large_image');
    expect(meta(doc, 'twitter:image')).toBe(TEASER.image);
    expect(meta(doc, 'description')).toBe(TEASER.excerpt);
    expect(meta(doc, 'robots')).toBe('noindex');
  });

  it('renders the coming-soon page with minimal locals', () => {
    const html = templates.render('coming-soon', minimal('coming-soon'));
    const doc = parseDocument(html);
    expect(byTag(doc, 'h1')).toHaveLength(1);
    expect(byTag(doc, 'h2')).toHaveLength(0);
    expect(byTag(doc, 'img')).toHaveLength(0);
    expect(byTag(doc, 'script')).toHaveLength(0);
    expect(all(doc, (e) => attr(e, 'data-countdown') !== undefined)).toHaveLength(0);
    expect(meta(doc, 'og:type')).toBe('website');
    expect(meta(doc, 'og:title')).toBe('Coming soon');
    expect(meta(doc, 'og:image')).toBeUndefined();
    expect(meta(doc, 'twitter:card')).toBe('summary');
  });

  it('shows the launch date without a countdown, and the live text once the countdown is zero', () => {
    const { launchAt } = full('coming-soon');
    const dateOnly = parseDocument(templates.render('coming-soon', { ...minimal('coming-soon'), launchAt }));
    expect(text(all(dateOnly, (e) => attr(e, 'class') === 'countdown-date'))).toBe(`Launches ${launchAt?.text}`);

    const launched = templates.render('coming-soon', {
      ...minimal('coming-soon'),
      launchAt,
      countdown: countdownParts(NOW - MINUTE, NOW, 'en'),
    });
    const doc = parseDocument(launched);
    expect(text(all(doc, (e) => attr(e, 'class') === 'countdown-live'))).toBe('We’re live — reload the page');
    expect(all(doc, (e) => attr(e, 'data-countdown') !== undefined)).toHaveLength(0);
    expect(launched).not.toMatch(/>-\d/);
  });

  it('does not repeat the teaser title when it is the heading; headings stay in order', () => {
    const doc = parseDocument(templates.render('coming-soon', full('coming-soon', { heading: TEASER.title ?? '' })));
    expect(byTag(doc, 'h1').map((h) => text(h))).toEqual([TEASER.title]);
    expect(byTag(doc, 'h2')).toHaveLength(0);
    expect(attr(all(doc, (e) => e.name === 'article')[0], 'aria-label')).toBe('Sneak peek');
  });

  it('uses the title as the image alt by default, and an empty imageAlt as decorative', () => {
    const noAlt: Teaser = { ...TEASER };
    delete noAlt.imageAlt;
    const byDefault = parseDocument(templates.render('coming-soon', full('coming-soon', { teaser: noAlt })));
    expect(attr(byTag(byDefault, 'img')[0], 'alt')).toBe(TEASER.title);
    const decorative = parseDocument(templates.render('coming-soon', full('coming-soon', { teaser: { ...TEASER, imageAlt: '' } })));
    expect(attr(byTag(decorative, 'img')[0], 'alt')).toBe('');
  });

  it('formats the dates in the page language', () => {
    const until = new Date(NOW + 2 * HOUR);
    const html = templates.render(
      'maintenance',
      full('maintenance', {
        lang: 'fr',
        until: { iso: until.toISOString(), text: formatDate(until, 'fr', 'Europe/Paris') },
      }),
    );
    expect(html).toContain('<html lang="fr">');
    expect(spaces(html)).toMatch(/samedi 1 juin 2030 .*16:00 UTC\+2/);
  });

  it.each([true, false])('noindex %s toggles the robots meta on both pages', (noindex) => {
    for (const kind of ['maintenance', 'coming-soon'] as const) {
      const doc = parseDocument(templates.render(kind, { ...minimal(kind), noindex }));
      expect(meta(doc, 'robots')).toBe(noindex ? 'noindex' : undefined);
    }
  });

  describe('escaping', () => {
    const nasty = `<script>alert("x")</script> "double" 'single' & more`;
    const teaser: Teaser = {
      title: nasty,
      excerpt: nasty,
      image: `javascript:alert(1)" onerror="alert(2)`,
      imageAlt: nasty,
      url: `https://example.com/"><script>alert(3)</script>`,
      author: nasty,
      publishedAt: `2030-06-03"><script>alert(4)</script>`,
      readingMinutes: 3,
    };

    it('escapes teaser fields in the body and in meta tags', () => {
      const html = templates.render('coming-soon', full('coming-soon', { teaser }));
      // Only our own inline script exists, and no injected attribute.
      expect(html.match(/<script/g)).toHaveLength(1);
      expect(html).not.toContain('onerror="');
      expect(html).not.toContain(`'single'`);
      expect(html).toContain('&lt;script&gt;');
      const doc = parseDocument(html);
      expect(byTag(doc, 'script')).toHaveLength(1);
      // Every value reads back exactly as given: escaped, not mangled.
      for (const key of ['og:title', 'og:description', 'twitter:title', 'twitter:description', 'og:image:alt', 'author']) {
        expect(meta(doc, key)).toBe(nasty);
      }
      expect(meta(doc, 'og:image')).toBe(teaser.image);
      expect(meta(doc, 'twitter:image')).toBe(teaser.image);
      expect(meta(doc, 'og:url')).toBe(teaser.url);
      expect(meta(doc, 'article:published_time')).toBe(teaser.publishedAt);
      const img = byTag(doc, 'img')[0];
      expect(attr(img, 'src')).toBe(teaser.image);
      expect(attr(img, 'onerror')).toBeUndefined();
      expect(attr(img, 'alt')).toBe(nasty);
      expect(text(byTag(doc, 'h2'))).toBe(nasty);
      expect(text(all(doc, (e) => attr(e, 'class') === 'teaser-excerpt'))).toBe(nasty);
      expect(text(all(doc, (e) => attr(e, 'class') === 'teaser-author'))).toBe(nasty);
    });

    it('escapes the page options', () => {
      for (const kind of ['maintenance', 'coming-soon'] as const) {
        const html = templates.render(kind, {
          ...full(kind),
          lang: `en"><script>alert(5)</script>`,
          title: nasty,
          heading: nasty,
          message: nasty,
          until: { iso: `"><script>`, text: nasty },
          launchAt: { iso: `"><script>`, text: nasty },
        });
        expect(html.match(/<script/g) ?? []).toHaveLength(kind === 'coming-soon' ? 1 : 0);
        const doc = parseDocument(html);
        expect(attr(byTag(doc, 'html')[0], 'lang')).toBe(`en"><script>alert(5)</script>`);
        expect(text(byTag(doc, 'title'))).toBe(nasty);
        expect(text(byTag(doc, 'h1'))).toBe(nasty);
      }
    });
  });

  it('inlines the style and script bytes that builtInAssets hashes', () => {
    for (const kind of ['maintenance', 'coming-soon'] as const) {
      const html = templates.render(kind, full(kind));
      const styles = between(html, 'style');
      expect(styles).toHaveLength(1);
      expect(sha256(styles[0] ?? '')).toBe(builtInAssets.styleHash);
      // The parser agrees on the element's text.
      const doc = parseDocument(html);
      expect(sha256(DomUtils.textContent(byTag(doc, 'style')))).toBe(builtInAssets.styleHash);
      if (kind === 'coming-soon') {
        const scripts = between(html, 'script');
        expect(scripts).toHaveLength(1);
        expect(sha256(scripts[0] ?? '')).toBe(builtInAssets.scriptHash);
        expect(sha256(DomUtils.textContent(byTag(doc, 'script')))).toBe(builtInAssets.scriptHash);
      }
    }
    const views = builtInViewsDir();
    expect(builtInAssets.inlineStyle).toBe(readFileSync(join(views, 'partials/page.css'), 'utf8'));
    expect(builtInAssets.inlineScript).toBe(readFileSync(join(views, 'partials/countdown.js'), 'utf8'));
    expect(builtInAssets.styleHash).toMatch(/^sha256-[A-Za-z0-9+/]{43}=$/);
    expect(builtInAssets.scriptHash).toMatch(/^sha256-[A-Za-z0-9+/]{43}=$/);
  });

  it('references nothing external but the teaser image', () => {
    for (const kind of ['maintenance', 'coming-soon'] as const) {
      const doc = parseDocument(templates.render(kind, full(kind)));
      const refs = all(doc, (e) => e.name !== 'a' && (attr(e, 'src') !== undefined || attr(e, 'href') !== undefined)).map(
        (e) => attr(e, 'src') ?? attr(e, 'href'),
      );
      expect(refs).toEqual(kind === 'coming-soon' ? ['data:,', TEASER.image] : ['data:,']);
    }
    expect(builtInAssets.inlineStyle).not.toMatch(/url\(|@import|https?:/);
    expect(builtInAssets.inlineScript).not.toMatch(/fetch|XMLHttpRequest|https?:|eval|new Function/);
  });

  it('never reads, swaps or uses ejs.cache while rendering', () => {
    const module = ejs as unknown as Record<string, unknown>;
    const original = Object.getOwnPropertyDescriptor(module, 'cache');
    const cache = ejs.cache;
    const touched: string[] = [];
    Object.defineProperty(module, 'cache', {
      configurable: true,
      get: () => (touched.push('read ejs.cache'), cache),
      set: () => void touched.push('write ejs.cache'),
    });
    try {
      expect(templates.render('coming-soon', full('coming-soon'))).toContain('Designing calm software');
      expect(templates.render('maintenance', full('maintenance'))).toContain('Scheduled maintenance');
    } finally {
      if (original) Object.defineProperty(module, 'cache', original);
    }
    expect(touched).toEqual([]);
    expect(ejs.cache).toBe(cache);
  });
});

describe('the views and stylesheet', () => {
  const views = builtInViewsDir();
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ejs') ? [join(dir, d.name)] : [],
    );

  it('use unescaped output only for the inline assets and includes', () => {
    for (const file of files(views)) {
      for (const [, expr] of readFileSync(file, 'utf8').matchAll(/<%-\s*([\s\S]*?)\s*-?%>/g)) {
        expect(expr, file).toMatch(/^((?:signup\.)?(?:inlineStyle|inlineScript)|include\('[\w/-]+'(, \{[^}]*\}(\))?)?\)?)$/);
      }
    }
  });

  it('respect prefers-reduced-motion and prefers-color-scheme', () => {
    expect(builtInAssets.inlineStyle).toContain('@media (prefers-reduced-motion:reduce)');
    expect(builtInAssets.inlineStyle).toContain('@media (prefers-color-scheme:dark)');
  });

  /** WCAG 2 relative luminance and contrast ratio of two `#rrggbb` colours. */
  function contrast(a: string, b: string): number {
    const lum = (hex: string): number => {
      const [r, g, bl] = [1, 3, 5].map((i) => {
        const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
    };
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  }

  function palette(css: string): Record<string, string> {
    const vars: Record<string, string> = {};
    for (const [, name, value] of css.matchAll(/--([\w-]+):(#[0-9a-f]{6}|#fff)\b/gi)) {
      if (name !== undefined && value !== undefined) vars[name] = value === '#fff' ? '#ffffff' : value;
    }
    return vars;
  }

  it('has AA contrast for text in both themes', () => {
    const css = builtInAssets.inlineStyle;
    const darkStart = css.indexOf('@media (prefers-color-scheme:dark)');
    const light = palette(css.slice(0, darkStart));
    const dark = { ...light, ...palette(css.slice(darkStart, css.indexOf('}\n}', darkStart))) };
    for (const theme of [light, dark]) {
      for (const fg of ['text', 'muted', 'accent', 'accent-text']) {
        for (const bg of ['bg', 'surface', 'surface-2']) {
          const [f, b] = [theme[fg], theme[bg]];
          expect(f && b, `${fg} on ${bg}`).toBeTruthy();
          expect(contrast(f ?? '', b ?? ''), `${fg} ${f} on ${bg} ${b}`).toBeGreaterThanOrEqual(4.5);
        }
      }
    }
    expect(light.bg).not.toBe(dark.bg);
  });
});

describe('countdownParts', () => {
  it.each([
    ['zero', 0, { days: 0, hours: 0, minutes: 0, text: '0 minutes' }],
    ['negative', -5 * MINUTE, { days: 0, hours: 0, minutes: 0, text: '0 minutes' }],
    ['1 ms', 1, { days: 0, hours: 0, minutes: 1, text: '1 minute' }],
    ['59 s', 59_000, { days: 0, hours: 0, minutes: 1, text: '1 minute' }],
    ['exactly 1 minute', MINUTE, { days: 0, hours: 0, minutes: 1, text: '1 minute' }],
    ['61 s', 61_000, { days: 0, hours: 0, minutes: 2, text: '2 minutes' }],
    ['exactly 1 hour', HOUR, { days: 0, hours: 1, minutes: 0, text: '1 hour' }],
    ['exactly 1 day', DAY, { days: 1, hours: 0, minutes: 0, text: '1 day' }],
    ['1 day and 1 ms', DAY + 1, { days: 1, hours: 0, minutes: 1, text: '1 day, 1 minute' }],
    ['23 h 59 min 30 s', DAY - 30_000, { days: 1, hours: 0, minutes: 0, text: '1 day' }],
    ['3 d 4 h 12 min', 3 * DAY + 4 * HOUR + 12 * MINUTE, { days: 3, hours: 4, minutes: 12, text: '3 days, 4 hours, 12 minutes' }],
    ['400 days', 400 * DAY, { days: 400, hours: 0, minutes: 0, text: '400 days' }],
  ])('%s', (_name, left, expected) => {
    const parts = countdownParts(NOW + left, NOW, 'en');
    expect(parts).toEqual({ iso: new Date(NOW + left).toISOString(), ...expected });
  });

  it('is plain millisecond arithmetic, whatever daylight saving does', () => {
    // 2030-03-31 is the EU spring-forward day: 24 hours from midnight UTC is still exactly one day.
    const start = Date.UTC(2030, 2, 30, 23, 0, 0);
    expect(countdownParts(start + DAY, start, 'en')).toMatchObject({ days: 1, hours: 0, minutes: 0 });
    expect(countdownParts(start + 25 * HOUR, start, 'de')).toMatchObject({ days: 1, hours: 1, minutes: 0 });
  });

  it('localises the text and survives an invalid language tag', () => {
    // ICU puts no-break spaces between number and unit in some languages.
    expect(spaces(countdownParts(NOW + 2 * DAY + 5 * MINUTE, NOW, 'fr').text)).toBe('2 jours et 5 minutes');
    expect(spaces(countdownParts(NOW + DAY + HOUR, NOW, 'de').text)).toMatch(/^1 Tag(,| und) 1 Stunde$/);
    expect(countdownParts(NOW + HOUR, NOW, 'not a language!').text).toBe('1 hour');
  });
});

describe('formatDate', () => {
  const date = new Date(Date.UTC(2030, 5, 1, 14, 5));
  it('formats in the language and time zone', () => {
    // Exact strings depend on the ICU data; check the parts that must be there.
    expect(spaces(formatDate(date, 'en', 'UTC'))).toMatch(/^Saturday, June 1, 2030,? (at )?2:05 PM UTC$/);
    expect(spaces(formatDate(date, 'en-GB', 'Europe/London'))).toMatch(/^Saturday,? 1 June 2030.* 15:05 BST$/);
    expect(spaces(formatDate(date, 'de', 'Europe/Berlin'))).toMatch(/^Samstag, 1\. Juni 2030.* 16:05 MESZ$/);
  });
  it('falls back to English and UTC instead of throwing', () => {
    const english = formatDate(date, 'en', 'UTC');
    expect(formatDate(date, '!!', 'UTC')).toBe(english);
    expect(formatDate(date, 'en', 'Mars/Olympus')).toBe(english);
  });
});

describe('user views', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'intermission-views-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('override per file, with custom locals and the nonce; the other page stays built-in', () => {
    writeFileSync(
      join(dir, 'coming-soon.ejs'),
      '<!doctype html><html lang="<%= lang %>"><title><%= title %></title>' +
        '<h1><%= custom.brand %> is coming</h1><p><%= teaser && teaser.title %></p>' +
        '<script nonce="<%= nonce %>">window.brand = 1</script></html>',
    );
    const templates = loadTemplates(dir);
    const html = templates.render('coming-soon', full('coming-soon', { custom: { brand: '<Acme & Co>' } }));
    expect(html).toContain('<h1>&lt;Acme &amp; Co&gt; is coming</h1>');
    expect(html).toContain('<script nonce="n0nce">');
    expect(html).toContain('<p>Designing calm software</p>');
    // Absent optional locals are still defined (no ReferenceError).
    expect(templates.render('coming-soon', minimal('coming-soon'))).toContain('<p></p>');
    // maintenance.ejs is missing from the directory: the built-in one is used.
    const maintenance = templates.render('maintenance', full('maintenance'));
    expect(maintenance).toContain('Scheduled maintenance');
    expect(sha256(between(maintenance, 'style')[0] ?? '')).toBe(builtInAssets.styleHash);
  });

  it('may include their own partials and the built-in ones', () => {
    mkdirSync(join(dir, 'partials'));
    writeFileSync(join(dir, 'partials', 'brand.ejs'), '<b><%= custom.brand %></b>');
    writeFileSync(
      join(dir, 'maintenance.ejs'),
      "<%- include('partials/head') %><main><h1><%- include('partials/brand') %></h1></main><%- include('partials/footer') %>",
    );
    const html = loadTemplates(dir).render('maintenance', full('maintenance'));
    expect(html).toContain('<h1><b>Acme</b></h1>');
    expect(html).toContain(`<style>${builtInAssets.inlineStyle}</style>`);
    expect(html).toContain('Thank you for your patience.');
  });

  it('compile their partials once: renders read nothing from disk', () => {
    mkdirSync(join(dir, 'partials'));
    writeFileSync(join(dir, 'partials', 'brand.ejs'), '<b><%= custom.brand %></b>');
    writeFileSync(join(dir, 'maintenance.ejs'), "<h1><%- include('partials/brand') %></h1><%- include('partials/footer') %>");
    const templates = loadTemplates(dir);
    rmSync(join(dir, 'partials'), { recursive: true });
    rmSync(join(dir, 'maintenance.ejs'));
    const html = templates.render('maintenance', full('maintenance'));
    expect(html).toContain('<h1><b>Acme</b></h1>');
    expect(html).toContain('Thank you for your patience.');
  });

  it('pass include data down and resolve a computed include name on first use, beside the including file', () => {
    mkdirSync(join(dir, 'partials'));
    writeFileSync(join(dir, 'partials', 'a.ejs'), "<i><%= label %>:<%= custom.brand %></i><%- include('b', { label: 'inner' }) %>");
    writeFileSync(join(dir, 'partials', 'b.ejs'), '<u><%= label %></u>');
    writeFileSync(join(dir, 'partials', 'c.ejs'), '<s>c</s>');
    writeFileSync(
      join(dir, 'maintenance.ejs'),
      "<%- include('partials/a', { label: 'outer' }) %><%- include('partials/' + custom.which) %>",
    );
    const templates = loadTemplates(dir);
    expect(templates.render('maintenance', full('maintenance', { custom: { brand: 'Acme', which: 'c' } }))).toBe(
      '<i>outer:Acme</i><u>inner</u><s>c</s>',
    );
    expect(() => templates.render('maintenance', full('maintenance', { custom: { brand: 'Acme', which: 'nope' } }))).toThrow(
      /Could not find the include file "partials\/nope"/,
    );
  });

  it('ignore the host app’s module-wide ejs settings', () => {
    writeFileSync(join(dir, 'maintenance.ejs'), "<h1><%= heading %></h1><%- include('partials/footer') %>");
    const host = ejs as unknown as { delimiter: string | undefined; localsName: string | undefined };
    const saved = { delimiter: host.delimiter, localsName: host.localsName };
    host.delimiter = '?';
    host.localsName = 'data';
    try {
      const html = loadTemplates(dir).render('maintenance', full('maintenance'));
      expect(html).toContain('<h1>We’ll be back soon</h1>');
      expect(html).toContain('Thank you for your patience.');
    } finally {
      host.delimiter = saved.delimiter;
      host.localsName = saved.localsName;
    }
  });

  it('a missing directory is a TemplateError naming the path', () => {
    const missing = join(dir, 'nope');
    const error = captureError(() => loadTemplates(missing));
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toMatchObject({ code: 'ERR_INTERMISSION_TEMPLATE', name: 'TemplateError' });
    expect((error as Error).message).toContain(missing);
  });

  it('broken syntax is a TemplateError at load, naming the file and the ejs error', () => {
    const file = join(dir, 'coming-soon.ejs');
    writeFileSync(file, '<h1><%= title </h1>');
    const error = captureError(() => loadTemplates(dir));
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).code).toBe('ERR_INTERMISSION_TEMPLATE');
    expect((error as TemplateError).file).toBe(file);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/Could not find matching close tag/);
  });

  it('a broken or missing partial is a TemplateError at load too', () => {
    mkdirSync(join(dir, 'partials'));
    writeFileSync(join(dir, 'partials', 'bad.ejs'), '<% if (true) { %>unclosed');
    writeFileSync(join(dir, 'maintenance.ejs'), "<%- include('partials/bad') %>");
    const broken = captureError(() => loadTemplates(dir));
    expect(broken).toBeInstanceOf(TemplateError);
    expect((broken as Error).message).toContain(join(dir, 'partials', 'bad.ejs'));

    writeFileSync(join(dir, 'maintenance.ejs'), "<%- include('partials/missing') %>");
    const missing = captureError(() => loadTemplates(dir));
    expect(missing).toBeInstanceOf(TemplateError);
    expect((missing as Error).message).toContain('partials/missing');
  });

  it('a template that throws while rendering makes render throw', () => {
    writeFileSync(join(dir, 'coming-soon.ejs'), '<h1><%= custom.missing.deep %></h1>');
    const templates = loadTemplates(dir);
    expect(() => templates.render('coming-soon', minimal('coming-soon'))).toThrow(/deep/);
    // The built-in page still renders.
    expect(templates.render('maintenance', minimal('maintenance'))).toContain('<h1 id="heading">');
  });
});

describe('template-free pages', () => {
  const nasty = `<script>alert("x")</script> 'q' & "dq"`;

  it('fallbackPage escapes its inputs and keeps the hashed style', () => {
    const html = fallbackPage({ kind: 'maintenance', lang: `en" onload="x`, title: nasty, heading: nasty, message: nasty });
    expect(html).not.toContain('<script');
    const doc = parseDocument(html);
    expect(attr(byTag(doc, 'html')[0], 'lang')).toBe(`en" onload="x`);
    expect(attr(byTag(doc, 'html')[0], 'onload')).toBeUndefined();
    expect(text(byTag(doc, 'title'))).toBe(nasty);
    expect(text(byTag(doc, 'h1'))).toBe(nasty);
    expect(text(all(doc, (e) => attr(e, 'class') === 'lead'))).toBe(nasty);
    expect(byTag(doc, 'main')).toHaveLength(1);
    expect(sha256(between(html, 'style')[0] ?? '')).toBe(builtInAssets.styleHash);
    expect(meta(doc, 'robots')).toBeUndefined();
  });

  it('fallbackPage never throws, even on values that are not strings', () => {
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    const locals = { kind: 'coming-soon', lang: hostile, title: undefined, heading: null, message: 42 } as unknown as Parameters<
      typeof fallbackPage
    >[0];
    const html = fallbackPage(locals);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>Coming soon</title>');
    expect(html).toContain('<p class="lead">42</p>');
  });

  it('noticePage escapes its inputs and uses the same look', () => {
    const html = noticePage({ title: nasty, message: nasty });
    expect(html).not.toContain('<script');
    const doc = parseDocument(html);
    expect(attr(byTag(doc, 'html')[0], 'lang')).toBe('en');
    expect(text(byTag(doc, 'h1'))).toBe(nasty);
    expect(text(all(doc, (e) => attr(e, 'class') === 'lead'))).toBe(nasty);
    expect(meta(doc, 'robots')).toBe('noindex');
    expect(sha256(between(html, 'style')[0] ?? '')).toBe(builtInAssets.styleHash);
    expect(noticePage({ lang: 'de', title: 'Abgelaufen', message: 'x' })).toContain('<html lang="de">');
  });

  it('escapeHtml handles & < > " \'', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
    expect(escapeHtml('plain')).toBe('plain');
  });
});

describe('packageRoot', () => {
  it('finds the intermission package and its views', () => {
    const root = packageRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))).toMatchObject({ name: 'intermission' });
    expect(builtInViewsDir()).toBe(join(root, 'views'));
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
