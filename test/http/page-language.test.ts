import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { format, messagesFor } from '../../src/i18n/index.js';
import { intermission, IntermissionConfigError, type IntermissionOptions } from '../../src/index.js';
import { createApp, expressVersions, manualClock, type ExpressFactory } from '../helpers/app.js';

const de = messagesFor('de');
const ar = messagesFor('ar');
const zh = messagesFor('zh-Hans');
const en = messagesFor('en');
const UNTIL = '2026-06-01T12:20:00Z';

function app(express: ExpressFactory, options: IntermissionOptions) {
  const clock = manualClock('2026-06-01T12:00:00Z');
  return createApp(express, { now: clock.now, ...options }).app;
}

/** The `<html …>` start tag of a page. */
function htmlTag(text: string): string {
  return /<html[^>]*>/.exec(text)?.[0] ?? '';
}

describe.each(expressVersions)('%s', (_name, express) => {
  describe("page.lang: 'auto'", () => {
    const site = app(express, { mode: 'maintenance', until: UNTIL, page: { lang: 'auto' } });

    it('answers in German for Accept-Language: de-AT, with dates and "back in" in German', async () => {
      const res = await request(site).get('/').set('Accept-Language', 'de-AT,de;q=0.9,en;q=0.5');
      expect(res.status).toBe(503);
      expect(htmlTag(res.text)).toBe('<html lang="de">');
      expect(res.text).toContain(`<h1 id="heading">${de['maintenance.heading']}</h1>`);
      expect(res.text).toContain(de['maintenance.badge']);
      expect(res.text).toContain(de['maintenance.footer']);
      expect(res.text).toContain('Montag, 1. Juni 2026');
      expect(res.text).toContain('Wieder da in 20 Minuten');
      expect(res.text).not.toContain(en['maintenance.heading'].replace('’', '&#39;'));
    });

    it('answers Arabic right to left', async () => {
      const res = await request(site).get('/').set('Accept-Language', 'ar-EG');
      expect(htmlTag(res.text)).toBe('<html lang="ar" dir="rtl">');
      expect(res.text).toContain(ar['maintenance.heading']);
    });

    it('serves zh-CN the Simplified Chinese catalogue', async () => {
      const res = await request(site).get('/').set('Accept-Language', 'zh-CN,zh;q=0.9');
      expect(htmlTag(res.text)).toBe('<html lang="zh-Hans">');
      expect(res.text).toContain(zh['maintenance.heading']);
    });

    it.each([
      ['an unknown language', 'tlh'],
      ['a malformed header', ';;;q=x,'],
      ['no header', undefined],
      ['Traditional Chinese only', 'zh-TW'],
    ])('gives English for %s', async (_label, header) => {
      const req = request(site).get('/');
      const res = await (header === undefined ? req : req.set('Accept-Language', header));
      expect(htmlTag(res.text)).toBe('<html lang="en">');
      expect(res.text).toContain(en['maintenance.badge']);
    });

    it('follows q-values, not the order of the header', async () => {
      const res = await request(site).get('/').set('Accept-Language', 'fr;q=0.2, de;q=0.8, en;q=0.1');
      expect(htmlTag(res.text)).toBe('<html lang="de">');
      const refused = await request(site).get('/').set('Accept-Language', 'de;q=0, fr');
      expect(htmlTag(refused.text)).toBe('<html lang="fr">');
    });

    it('says Vary: Accept, Accept-Encoding, Accept-Language on every gate answer', async () => {
      for (const accept of ['text/html', 'application/json', 'application/problem+json', 'text/plain']) {
        const res = await request(site).get('/').set('Accept', accept).set('Accept-Language', 'de');
        expect(res.headers.vary).toBe('Accept, Accept-Encoding, Accept-Language');
      }
    });

    it('translates the JSON, problem and text answers', async () => {
      const json = await request(site).get('/').set('Accept', 'application/json').set('Accept-Language', 'de');
      expect(json.body).toMatchObject({ status: 'maintenance', message: de['maintenance.message'] });
      const problem = await request(site).get('/').set('Accept', 'application/problem+json').set('Accept-Language', 'ar');
      expect(problem.body).toMatchObject({ title: ar['problem.serviceUnavailable'], detail: ar['maintenance.message'], status: 503 });
      const text = await request(site).get('/').set('Accept', 'text/plain').set('Accept-Language', 'de');
      expect(text.text).toContain(de['maintenance.heading']);
      expect(text.text).toContain(format(de['text.back'], { date: '2026-06-01T12:20:00.000Z' }));
      expect(text.text).not.toContain('Back:');
    });

    it('answers a second request in a language from the same prerendered body', async () => {
      const first = await request(site).get('/').set('Accept-Language', 'pl');
      const second = await request(site).get('/').set('Accept-Language', 'pl-PL');
      expect(htmlTag(first.text)).toBe('<html lang="pl">');
      expect(second.text).toBe(first.text);
    });

    it('says the preview notice in the visitor language', async () => {
      const res = await request(site).get('/__intermission/preview?token=x').set('Accept-Language', 'he');
      expect(res.status).toBe(404);
      expect(htmlTag(res.text)).toBe('<html lang="he" dir="rtl">');
      expect(res.text).toContain(messagesFor('he')['preview.disabled']);
    });
  });

  describe('a fixed page.lang', () => {
    const site = app(express, { mode: 'coming-soon', launchAt: '2026-06-04T12:00:00Z', page: { lang: 'de' } });

    it('ignores Accept-Language and keeps Vary as before', async () => {
      const res = await request(site).get('/').set('Accept-Language', 'fr');
      expect(htmlTag(res.text)).toBe('<html lang="de">');
      expect(res.text).toContain(de['comingSoon.heading']);
      expect(res.text).toContain(`<p class="countdown-label">${de['countdown.label']}</p>`);
      expect(res.text).toContain(`data-countdown-announce="${de['countdown.label']} {time}"`);
      expect(res.text).toContain('3 Tage');
      expect(res.headers.vary).toBe('Accept, Accept-Encoding');
    });

    it('accepts zh-Hans and canonicalises its spelling', async () => {
      const res = await request(app(express, { mode: 'coming-soon', page: { lang: 'zh-hans' } })).get('/');
      expect(htmlTag(res.text)).toBe('<html lang="zh-Hans">');
      expect(res.text).toContain(zh['comingSoon.heading']);
    });

    it('shows English for a known language without a catalogue, never a key name', async () => {
      const res = await request(app(express, { mode: 'maintenance', page: { lang: 'sv' } })).get('/');
      expect(htmlTag(res.text)).toBe('<html lang="sv">');
      expect(res.text).toContain(en['maintenance.badge']);
      expect(res.text).not.toMatch(/maintenance\.\w+|comingSoon\.\w+|countdown\.\w+/);
    });

    it('lays Hebrew out right to left', async () => {
      const res = await request(app(express, { mode: 'maintenance', page: { lang: 'he' } })).get('/');
      expect(htmlTag(res.text)).toBe('<html lang="he" dir="rtl">');
    });
  });

  describe('page.messages', () => {
    const messages = {
      de: { 'maintenance.heading': 'Gleich wieder da', 'maintenance.backIn': 'Zurück {relative}!' },
      'pt-BR': { 'maintenance.heading': 'Voltamos já' },
      sv: { 'maintenance.heading': 'Vi är snart tillbaka' },
    };
    const site = app(express, { mode: 'maintenance', until: UNTIL, page: { lang: 'auto', messages } });

    it('wins over the built-in strings, and the rest stays built in', async () => {
      const res = await request(site).get('/').set('Accept-Language', 'de');
      expect(res.text).toContain('<h1 id="heading">Gleich wieder da</h1>');
      expect(res.text).toContain('Zurück in 20 Minuten!');
      expect(res.text).toContain(de['maintenance.badge']);
    });

    it('adds languages: pt-BR over the built-in pt, and Swedish with English for the rest', async () => {
      const br = await request(site).get('/').set('Accept-Language', 'pt-BR');
      expect(htmlTag(br.text)).toBe('<html lang="pt-BR">');
      expect(br.text).toContain('Voltamos já');
      expect(br.text).toContain(messagesFor('pt')['maintenance.badge']);
      const pt = await request(site).get('/').set('Accept-Language', 'pt-PT');
      expect(pt.text).toContain(messagesFor('pt')['maintenance.heading']);
      const sv = await request(site).get('/').set('Accept-Language', 'sv-SE');
      expect(htmlTag(sv.text)).toBe('<html lang="sv">');
      expect(sv.text).toContain('Vi är snart tillbaka');
      expect(sv.text).toContain(en['maintenance.badge']);
    });
  });

  describe('page texts', () => {
    const texts = {
      message: 'Mode-less message.',
      maintenance: { heading: 'Fixing the pipes', message: 'The pipes are being fixed.' },
      'coming-soon': { title: 'Soon: the blog', message: 'Our first story goes live soon.' },
    };

    it('per mode win over the mode-less ones, in every language', async () => {
      const down = await request(app(express, { mode: 'maintenance', page: { lang: 'auto', ...texts } }))
        .get('/')
        .set('Accept-Language', 'de');
      expect(down.text).toContain('<h1 id="heading">Fixing the pipes</h1>');
      expect(down.text).toContain('The pipes are being fixed.');
      expect(down.text).not.toContain('Our first story');
      expect(down.text).not.toContain('Mode-less');
      expect(down.text).toContain(de['maintenance.badge']);
      const soon = await request(app(express, { mode: 'coming-soon', page: texts })).get('/');
      expect(soon.text).toContain('<title>Soon: the blog</title>');
      expect(soon.text).toContain('Our first story goes live soon.');
      expect(soon.text).not.toContain('pipes');
      expect(soon.text).toContain(`<h1 id="heading">${en['comingSoon.heading']}</h1>`);
    });

    it('fall back to the mode-less ones', async () => {
      const res = await request(
        app(express, { mode: 'maintenance', page: { message: 'Mode-less message.', 'coming-soon': { message: 'x' } } }),
      ).get('/');
      expect(res.text).toContain('Mode-less message.');
    });
  });
});

describe('config errors', () => {
  function issuesOf(options: IntermissionOptions) {
    try {
      intermission({ configFile: false, env: {}, ...options });
    } catch (error) {
      if (error instanceof IntermissionConfigError) return error.issues.map(({ field, code }) => ({ field, code }));
      throw error;
    }
    return [];
  }

  it('lists every language problem in one error, each with its code', () => {
    // Wrong on purpose: what a JSON config file or untyped code can hold.
    const page = {
      lang: 'klingon',
      messages: { xx: {}, de: { 'maintenance.heading': 3, 'nope.key': 'x' } },
    } as unknown as IntermissionOptions['page'];
    expect(issuesOf({ page })).toEqual([
      { field: 'page.lang', code: 'ERR_INTERMISSION_INVALID_LANGUAGE' },
      { field: 'page.messages.xx', code: 'ERR_INTERMISSION_INVALID_LANGUAGE' },
      { field: 'page.messages.de["maintenance.heading"]', code: 'ERR_INTERMISSION_INVALID_MESSAGE' },
      { field: 'page.messages.de["nope.key"]', code: 'ERR_INTERMISSION_UNKNOWN_MESSAGE' },
    ]);
  });

  it("accepts 'auto', zh-Hans and a known language without a catalogue", () => {
    for (const lang of ['auto', 'zh-Hans', 'sv', 'pt-BR']) expect(issuesOf({ page: { lang } })).toEqual([]);
  });
});
