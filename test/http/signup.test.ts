// The launch list over HTTP on Express 4 and 5, with the real file store in a temp directory: the page's
// form, both body formats, both answer formats, the modes, and the hooks.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp, expressVersions, REAL_SITE, warningsWith } from '../helpers/app.js';
import { listFile, listLines, NOW, PATH, pageToken, postForm, postJson, SECRET, signupApp } from './signup-helpers.js';

const HOUR = 3_600_000;
const THANKS = 'Thanks! You’re on the list, and we’ll email you when we launch.';

describe.each(expressVersions)('signup on %s', (_name, express) => {
  it('is off by default: no form, and the path is gated like any other', async () => {
    const { app } = createApp(express, { mode: 'coming-soon' });
    const page = await request(app).get('/').set('Accept', 'text/html');
    expect(page.text).not.toContain('data-signup');
    expect(page.headers['content-security-policy']).not.toContain('connect-src');
    const post = await postJson(app, { email: 'a@example.com' });
    expect(post.status).toBe(503);
    expect(post.text).not.toContain(REAL_SITE);
  });

  it('renders the form with a label, the consent text, a token, and a CSP that allows its script, style and fetch', async () => {
    const { app } = signupApp(express, { signup: { file: listFile(), consent: 'We email once, at launch.' } });
    const page = await request(app).get('/').set('Accept', 'text/html');
    expect(page.text).toContain(`<form method="post" action="${PATH}"`);
    expect(page.text).toMatch(/<label class="signup-field" for="signup-email">Email address<\/label>/);
    expect(page.text).toContain('We email once, at launch.');
    expect(page.text).not.toContain('<input id="signup-consent"');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("connect-src 'self'");
    const script = /<script>([\s\S]*?)<\/script>\n<\/section>/.exec(page.text)?.[1] ?? '';
    expect(script).toContain('form[data-signup]');
    expect(csp).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(await pageToken(app)).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{22}$/);
  });

  it("speaks the page's language: the negotiated one with page.lang 'auto', and the site's own strings", async () => {
    const { app } = signupApp(express, { page: { lang: 'auto', messages: { en: { 'signup.button': 'Tell me first' } } } });
    const german = await request(app).get('/').set('Accept', 'text/html').set('Accept-Language', 'de-DE,de;q=0.9');
    expect(german.text).toMatch(/<html lang="de"/);
    expect(german.text).toMatch(/<label class="signup-field" for="signup-email">E-Mail-Adresse<\/label>/);
    expect(german.text).toContain('Benachrichtigen');
    expect(german.text).not.toContain('Email address');
    const english = await request(app).get('/').set('Accept', 'text/html').set('Accept-Language', 'en');
    expect(english.text).toContain('Tell me first');
    expect(english.text).not.toContain('Notify me');
  });

  it('adds a JSON signup durably (201), then answers a repeat with the same body (200)', async () => {
    const { app, file } = signupApp(express);
    const token = await pageToken(app);
    const first = await postJson(app, { email: '  Ann.Lee@Example.COM ', consent: true, token, lang: 'en' });
    expect(first.status).toBe(201);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toEqual({ status: 'subscribed', message: THANKS });
    expect(listLines(file)).toEqual([
      { op: 'add', email: 'Ann.Lee@example.com', subscribedAt: new Date(NOW).toISOString(), consent: true, lang: 'en' },
    ]);
    const again = await postJson(app, { email: 'ann.lee@EXAMPLE.com'.replace('ann.lee', 'Ann.Lee'), consent: true, token });
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(listLines(file)).toHaveLength(1);
  });

  it('takes a form post without JavaScript and sends the browser back to the page with 303', async () => {
    const { app, file } = signupApp(express);
    const token = await pageToken(app);
    const res = await postForm(app, `email=bob%40example.org&consent=yes&lang=fr&token=${token}&nickname=`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/#signup-thanks');
    expect(listLines(file)[0]).toMatchObject({ email: 'bob@example.org', consent: true, lang: 'fr' });
    // Every outcome the redirect can name is in the page, shown by :target.
    const page = await request(app).get('/').set('Accept', 'text/html');
    for (const id of ['thanks', 'invalid', 'required', 'consent', 'expired', 'rate-limited', 'unavailable'])
      expect(page.text).toContain(`id="signup-${id}"`);
  });

  it('answers the JSON client in the form language it sent', async () => {
    const { app } = signupApp(express);
    const res = await postJson(app, { email: 'x@example.com', token: await pageToken(app), lang: 'de' });
    expect(res.status).toBe(201);
    expect(res.body.message).not.toBe(THANKS);
    expect(res.body.message).toMatch(/\S/);
  });

  it('refuses an invalid address with 422 problem+json naming the field, and stores nothing', async () => {
    const { app, file } = signupApp(express);
    const token = await pageToken(app);
    for (const email of ['not-an-address', 'a@b', 'a b@example.com', `${'x'.repeat(250)}@example.com`, 'a@exa\u202Emple.com']) {
      const res = await postJson(app, { email, token });
      expect(res.status, email).toBe(422);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.body).toMatchObject({ status: 422, field: 'email', detail: 'Please enter a valid email address, like name@example.com.' });
    }
    const empty = await postJson(app, { email: '   ', token });
    expect(empty.body).toMatchObject({ status: 422, code: 'empty', detail: 'Please enter your email address.' });
    expect((await postForm(app, `email=nope&token=${token}`)).headers.location).toBe('/#signup-invalid');
    expect(listLines(file)).toEqual([]);
  });

  it('stores a unicode address in its canonical form (one address for the Unicode and punycode domain)', async () => {
    const { app, file } = signupApp(express);
    const token = await pageToken(app);
    expect((await postJson(app, { email: 'José@Bücher.DE', token })).status).toBe(201);
    expect((await postJson(app, { email: 'José@xn--bcher-kva.de', token })).status).toBe(200);
    expect(listLines(file).map((line) => line.email)).toEqual(['José@bücher.de']);
  });

  it('with requireConsent shows a checkbox and refuses a signup without it (422)', async () => {
    const { app, file } = signupApp(express, { signup: { file: listFile(), requireConsent: true } });
    const page = await request(app).get('/').set('Accept', 'text/html');
    expect(page.text).toContain('<input id="signup-agree" name="consent" type="checkbox" value="yes" required');
    const token = await pageToken(app);
    const res = await postJson(app, { email: 'c@example.com', token });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ field: 'consent', detail: 'Please tick the box so we can email you.' });
    expect((await postForm(app, `email=c%40example.com&token=${token}`)).headers.location).toBe('/#signup-consent');
    expect((await postJson(app, { email: 'c@example.com', token, consent: false })).status).toBe(422);
    expect(listLines(file)).toEqual([]);
    expect((await postJson(app, { email: 'c@example.com', token, consent: true })).status).toBe(201);
  });

  it('answers 410 once the site is open, and 404 on a maintenance page without the form', async () => {
    const open = signupApp(express, { mode: 'off' });
    const gone = await postJson(open.app, { email: 'late@example.com' });
    expect(gone.status).toBe(410);
    expect(gone.body.detail).toBe('We’ve launched, so the list is closed. Thanks for your interest!');
    expect(listLines(open.file)).toEqual([]);
    const maintenance = signupApp(express, { mode: 'maintenance' });
    expect((await request(maintenance.app).get('/').set('Accept', 'text/html')).text).not.toContain('data-signup');
    expect((await postJson(maintenance.app, { email: 'm@example.com' })).status).toBe(404);
  });

  it('shows the form on the maintenance page with signup.maintenance', async () => {
    const { app } = signupApp(express, { mode: 'maintenance', signup: { file: listFile(), maintenance: true } });
    expect((await request(app).get('/').set('Accept', 'text/html')).text).toContain('data-signup');
    expect((await postJson(app, { email: 'm@example.com', token: await pageToken(app) })).status).toBe(201);
  });

  it('follows signup.path, and only that exact path', async () => {
    const { app } = signupApp(express, { signup: { file: listFile(), path: '/notify-me' } });
    expect((await request(app).get('/').set('Accept', 'text/html')).text).toContain('action="/notify-me"');
    const token = await pageToken(app);
    const ok = await request(app).post('/notify-me?x=1').set('Accept', 'application/json').send({ email: 'p@example.com', token });
    expect(ok.status).toBe(201);
    const near = await request(app).post('/notify-meX').set('Accept', 'application/json').send({ email: 'p@example.com', token });
    expect(near.status).toBe(503);
    expect((await request(app).post(PATH).send({ email: 'p@example.com', token })).status).toBe(503);
  });

  it('keeps a form token valid across re-renders for 24 hours, and the page renders a fresh one at least hourly', async () => {
    const { app, clock } = signupApp(express, { secret: SECRET });
    const old = await pageToken(app);
    clock.advance(HOUR + 1000);
    const fresh = await pageToken(app);
    expect(fresh).not.toBe(old);
    clock.advance(22 * HOUR);
    expect((await postJson(app, { email: 'old@example.com', token: old })).status).toBe(201);
    clock.advance(2 * HOUR);
    const expired = await postJson(app, { email: 'old2@example.com', token: old });
    expect(expired.status).toBe(403);
    expect(expired.body).toMatchObject({ code: 'token-expired', detail: 'This form has expired. Please reload the page and try again.' });
    expect((await postJson(app, { email: 'new@example.com', token: fresh })).status).toBe(201);
  });

  it('verifies tokens across instances sharing the secret (a fleet), and under a rotated secret', async () => {
    const a = signupApp(express, { secret: SECRET });
    const b = signupApp(express, { secret: ['another-secret-that-is-long-enough-xyz-0123', SECRET] });
    const tokenFromA = await pageToken(a.app);
    expect((await postJson(b.app, { email: 'f@example.com', token: tokenFromA })).status).toBe(201);
    const c = signupApp(express, { secret: 'a-third-secret-nobody-else-knows-0123456789' });
    expect((await postJson(c.app, { email: 'f@example.com', token: tokenFromA })).body.code).toBe('token-forged');
  });

  it('calls onSubscribe once per new address, after the write, and logs a failing hook without showing it', async () => {
    const seen: unknown[] = [];
    const file = listFile();
    const { app, logger } = signupApp(express, {
      signup: {
        file,
        onSubscribe: (subscriber) => {
          seen.push({ ...subscriber, lines: listLines(file).length });
          if (subscriber.email.startsWith('boom')) throw new Error('CRM is down');
        },
      },
    });
    const token = await pageToken(app);
    expect((await postJson(app, { email: 'h@example.com', token, consent: true })).status).toBe(201);
    expect((await postJson(app, { email: 'h@example.com', token })).status).toBe(200);
    const boom = await postJson(app, { email: 'boom@example.com', token });
    expect(boom.status).toBe(201);
    expect(boom.text).not.toContain('CRM');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([
      { email: 'h@example.com', subscribedAt: new Date(NOW).toISOString(), consent: true, lang: 'en', lines: 1 },
      { email: 'boom@example.com', subscribedAt: new Date(NOW).toISOString(), consent: false, lang: 'en', lines: 2 },
    ]);
    expect(warningsWith(logger, 'WRN_INTERMISSION_SIGNUP_HOOK_FAILED')).toEqual([
      { code: 'WRN_INTERMISSION_SIGNUP_HOOK_FAILED', error: 'CRM is down' },
    ]);
  });

  it('is never a way through the gate: the page stays closed and the app never sees the request', async () => {
    let reached = 0;
    // Routes mounted after the gate, as every route of a gated site is.
    const { app } = signupApp(express, {}, (host) => {
      host.post(PATH, (_req, res) => {
        reached++;
        res.send(REAL_SITE);
      });
    });
    const token = await pageToken(app);
    await postJson(app, { email: 'g@example.com', token });
    const after = await request(app).get('/').set('Accept', 'text/html');
    expect(after.text).not.toContain(REAL_SITE);
    for (const path of [`${PATH}/`, `${PATH}/../`, `${PATH}%2F..%2Fwebhook`, '/webhook']) {
      const res = await request(app).post(path).set('Accept', 'application/json').send({ email: 'g@example.com', token });
      expect(res.text, path).not.toContain(REAL_SITE);
    }
    expect(reached).toBe(0);
  });
});
