import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { createGate } from '../../src/gate.js';
import { messagesFor, SUPPORTED_LANGUAGES } from '../../src/i18n/index.js';
import { fallbackPage, noticePage, previewNoticePage } from '../../src/pages/fallback.js';
import { createPageLanguages } from '../../src/pages/page-language.js';

const ar = messagesFor('ar');

describe('createPageLanguages', () => {
  it('a fixed language is one prepared object, whatever the header says', () => {
    const languages = createPageLanguages('de', {});
    expect(languages.auto).toBe(false);
    expect(languages.pick('ar')).toBe(languages.fallback);
    expect(languages.pick(undefined)).toBe(languages.fallback);
    expect(languages.fallback).toMatchObject({ lang: 'de', dir: 'ltr' });
    expect(languages.fallback.messages['maintenance.heading']).toBe(messagesFor('de')['maintenance.heading']);
  });

  it("'auto' negotiates, prepares each language once and defaults to English", () => {
    const languages = createPageLanguages('auto', { sv: { 'maintenance.heading': 'Snart tillbaka' } });
    expect(languages.auto).toBe(true);
    expect(languages.pick('ar-SA')).toMatchObject({ lang: 'ar', dir: 'rtl' });
    expect(languages.pick('ar-SA')).toBe(languages.pick('ar'));
    expect(languages.pick('sv').messages['maintenance.heading']).toBe('Snart tillbaka');
    expect(languages.pick('x-klingon')).toBe(languages.fallback);
    expect(languages.fallback.lang).toBe('en');
  });

  it('writes a fixed tag in its canonical spelling', () => {
    expect(createPageLanguages('ZH-hans', {}).fallback.lang).toBe('zh-Hans');
  });
});

describe('pages without a template', () => {
  it('the fallback page is in the page language and direction', () => {
    const html = fallbackPage({ kind: 'maintenance', lang: 'ar', title: undefined as unknown as string, heading: 'x', message: 'y' });
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain(`<title>${ar['maintenance.title']}</title>`);
    expect(html).toContain(ar['maintenance.badge']);
  });

  it('a notice page defaults to English, left to right', () => {
    const html = noticePage({ title: 'T', message: 'M' });
    expect(html).toContain('<html lang="en">');
    expect(html).toContain(messagesFor('en')['notice.badge']);
  });

  it('the preview notice says why, in the language given', () => {
    const html = previewNoticePage({ lang: 'ar', dir: 'rtl', messages: ar }, 'expired');
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain(ar['preview.title']);
    expect(html).toContain(ar['preview.expired']);
    expect(html).toContain(ar['notice.badge']);
  });
});

describe("the gate with page.lang: 'auto'", () => {
  it('keeps at most one page set per candidate language, whatever the headers say', () => {
    const { config } = resolveConfig({ mode: 'maintenance', env: {}, configFile: false, page: { lang: 'auto' } });
    if (!config) throw new Error('config expected');
    const gate = createGate(config);
    const now = Date.parse('2026-06-01T12:00:00Z');
    const snapshot = gate.snapshot(now);
    const requestWith = (header: string) => ({ headers: { 'accept-language': header } }) as unknown as IncomingMessage;
    const sets = new Set<unknown>();
    for (let i = 0; i < 500; i++)
      sets.add(
        gate.pages(snapshot, now, requestWith(i % 2 === 0 ? `x${i}, de;q=0.${i % 9}` : `${SUPPORTED_LANGUAGES[i % 12] ?? 'en'}-${i}`)),
      );
    expect(snapshot.languagePages.size).toBeLessThanOrEqual(SUPPORTED_LANGUAGES.length - 1);
    expect(sets.size).toBeLessThanOrEqual(SUPPORTED_LANGUAGES.length);
    expect(gate.pages(snapshot, now, requestWith('de'))).toBe(gate.pages(snapshot, now, requestWith('de-CH')));
    expect(gate.pages(snapshot, now, requestWith('tlh'))).toBe(gate.pages(snapshot, now));
  });
});
