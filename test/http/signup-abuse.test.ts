// The signup endpoint against hostile and broken requests: every one gets a clear answer, and none
// stores anything it should not.
import { connect } from 'node:net';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createFormTokens } from '../../src/signup/form-token.js';
import { expressVersions } from '../helpers/app.js';
import { listLines, NOW, PATH, pageToken, postForm, postJson, SECRET, signupApp } from './signup-helpers.js';

describe.each(expressVersions)('signup abuse on %s', (_name, express) => {
  it('refuses other methods with 405 and Allow: POST', async () => {
    const { app } = signupApp(express);
    for (const method of ['get', 'put', 'delete', 'patch', 'options'] as const) {
      const res = await request(app)[method](PATH).set('Accept', 'application/json');
      expect(res.status, method).toBe(405);
      expect(res.headers.allow).toBe('POST');
    }
  });

  it('refuses other content types with 415', async () => {
    const { app, file } = signupApp(express);
    const token = await pageToken(app);
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx']) {
      const res = await request(app)
        .post(PATH)
        .set('Accept', 'application/json')
        .set('Content-Type', type)
        .send(`email=a%40example.com&token=${token}`);
      expect(res.status, type).toBe(415);
    }
    expect((await request(app).post(PATH).set('Accept', 'application/json')).status).toBe(415);
    expect(listLines(file)).toEqual([]);
  });

  it('refuses a body over 4 KiB with 413, whether announced or streamed (a 1 MB body)', async () => {
    const { app, file } = signupApp(express);
    const token = await pageToken(app);
    const huge = JSON.stringify({ email: 'a@example.com', token, pad: 'x'.repeat(1024 * 1024) });
    const announced = await request(app).post(PATH).set('Accept', 'application/json').set('Content-Type', 'application/json').send(huge);
    expect(announced.status).toBe(413);
    expect(announced.body).toMatchObject({ status: 413 });
    // Chunked, so no Content-Length tells: the endpoint stops reading past 4 KiB.
    const server = app.listen(0);
    const { port } = server.address() as { port: number };
    const status = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST ${PATH} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
        );
        const chunk = 'x'.repeat(8192);
        socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      });
      let data = '';
      socket.on('data', (buffer) => {
        data += buffer.toString();
        if (data.includes('\r\n')) {
          resolve(data.slice(0, data.indexOf('\r\n')));
          socket.destroy();
        }
      });
      socket.on('error', reject);
    });
    server.close();
    expect(status).toBe('HTTP/1.1 413 Payload Too Large');
    expect(listLines(file)).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"email": "a@example.com",', 400],
    ['a JSON array', '["a@example.com"]', 400],
    ['JSON null', 'null', 400],
    ['a JSON string', '"a@example.com"', 400],
    ['consent of the wrong type', '{"email":"a@example.com","consent":{"yes":1},"token":"T"}', 400],
    ['a token of the wrong type', '{"email":"a@example.com","token":["T"]}', 400],
    ['an email of the wrong type', '{"email":["a@example.com"],"token":"T"}', 422],
    ['an email that is a number', '{"email":12,"token":"T"}', 422],
    ['a missing email', '{"token":"T"}', 422],
  ])('answers %s with a problem document', async (_what, body, status) => {
    const { app, file } = signupApp(express);
    const token = await pageToken(app);
    const res = await request(app)
      .post(PATH)
      .set('Accept', 'application/json')
      .set('Content-Type', 'application/json')
      .send(body.replace('"T"', JSON.stringify(token)));
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.body.detail).toMatch(/\S/);
    expect(listLines(file)).toEqual([]);
  });

  it('refuses a field sent twice (400) rather than picking one copy', async () => {
    const { app, file } = signupApp(express);
    const token = await pageToken(app);
    for (const body of [
      `email=a%40example.com&email=b%40example.com&token=${token}`,
      `email=a%40example.com&token=${token}&token=${token}`,
      `email=a%40example.com&token=${token}&consent=yes&consent=`,
    ]) {
      const res = await postForm(app, body).set('Accept', 'application/json');
      expect(res.status, body).toBe(400);
      expect(res.body.detail).toContain('more than once');
    }
    expect(listLines(file)).toEqual([]);
  });

  it('refuses percent-encoded bytes that are not UTF-8 (decoded to U+FFFD) with 422', async () => {
    const { app, file } = signupApp(express);
    const res = await postForm(app, `email=a%FF%FE%40example.com&token=${await pageToken(app)}`).set('Accept', 'application/json');
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('bad-character');
    expect(listLines(file)).toEqual([]);
  });

  it.each([
    ['missing', undefined, 'token-missing'],
    ['empty', '', 'token-missing'],
    ['garbage', 'not a token', 'token-malformed'],
    ['very long', 'a'.repeat(3000), 'token-malformed'],
  ])('refuses a %s form token with 403', async (_what, token, code) => {
    const { app, file } = signupApp(express, { secret: SECRET });
    const res = await postJson(app, { email: 'a@example.com', token });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe(code);
    expect(listLines(file)).toEqual([]);
  });

  it('refuses forged, altered, expired and future tokens, and sends a form post back to #signup-expired', async () => {
    const { app, clock, file } = signupApp(express, { secret: SECRET });
    const real = await pageToken(app);
    const [issued, mac] = real.split('.') as [string, string];
    const now = Date.parse(NOW);
    const other = createFormTokens(['some-other-secret-that-is-long-enough-000000']);
    const mine = createFormTokens([SECRET]);
    const cases: [string, string][] = [
      ['another key', other.issue(now)],
      ['a later time, same MAC', `${(parseInt(issued, 36) + 3600).toString(36)}.${mac}`],
      ['a flipped MAC', `${issued}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`],
      ['issued 25 hours ago', mine.issue(now - 25 * 3_600_000)],
      ['issued an hour from now', mine.issue(now + 3_600_000)],
    ];
    for (const [what, token] of cases) {
      const res = await postJson(app, { email: 'a@example.com', token });
      expect(res.status, what).toBe(403);
      expect(['token-forged', 'token-expired'], what).toContain(res.body.code);
    }
    const form = await postForm(app, `email=a%40example.com&token=${encodeURIComponent(cases[0]![1])}`);
    expect(form.status).toBe(303);
    expect(form.headers.location).toBe('/#signup-expired');
    // A real token replayed past its window.
    clock.advance(24 * 3_600_000 + 1000);
    expect((await postJson(app, { email: 'a@example.com', token: real })).body.code).toBe('token-expired');
    expect(listLines(file)).toEqual([]);
  });

  it('without a secret, a token from another process does not verify (a per-process key)', async () => {
    const a = signupApp(express);
    const b = signupApp(express);
    expect((await postJson(b.app, { email: 'a@example.com', token: await pageToken(a.app) })).body.code).toBe('token-forged');
  });

  it('refuses cross-origin posts with 403 in every format, and accepts its own origin', async () => {
    const { app, file } = signupApp(express);
    const token = await pageToken(app);
    const body = JSON.stringify({ email: 'a@example.com', token });
    const attempt = (headers: Record<string, string>, accept = 'application/json') => {
      let req = request(app).post(PATH).set('Accept', accept).set('Content-Type', 'application/json');
      for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
      return req.send(body);
    };
    const refused: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { Origin: 'https://127.0.0.1.evil.example' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { 'Sec-Fetch-Site': 'same-origin', Origin: 'http://evil.example' },
    ];
    for (const headers of refused) {
      const res = await attempt(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body.code).toBe('cross-origin');
    }
    const html = await attempt({ Origin: 'https://evil.example' }, 'text/html');
    expect(html.status).toBe(403);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(listLines(file)).toEqual([]);
    // Hosts are compared, not schemes: behind a TLS proxy the app may see http while the page is https.
    const ok = await attempt({ Host: 'shop.example', Origin: 'https://shop.example', 'Sec-Fetch-Site': 'same-origin' });
    expect(ok.status).toBe(201);
    // Our own form under Referrer-Policy: no-referrer: Origin null, but Sec-Fetch-Site vouches for it.
    expect((await attempt({ Origin: 'null', 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
    expect((await attempt({ Host: 'shop.example', Origin: 'https://shop.example:8443' })).status).toBe(403);
  });

  it('answers a filled honeypot like a success and stores nothing', async () => {
    const seen: unknown[] = [];
    const { app, file } = signupApp(express, { signup: { file: undefined, onSubscribe: (s) => void seen.push(s) } });
    const token = await pageToken(app);
    const res = await postJson(app, { email: 'bot@example.com', token, nickname: 'Buy cheap watches' });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('subscribed');
    expect((await postForm(app, `email=bot%40example.com&token=${token}&nickname=x`)).headers.location).toBe('/#signup-thanks');
    expect(listLines(file)).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('rate-limits per client address with 429 and Retry-After, one /64 for IPv6, others unaffected', async () => {
    const { app, clock, file } = signupApp(express);
    const token = await pageToken(app);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await postJson(app, { email: `r${i}@example.com`, token }, '203.0.113.7')).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
    const limited = await postJson(app, { email: 'r9@example.com', token }, '203.0.113.7');
    expect(limited.headers['retry-after']).toBe('12');
    expect(limited.body.detail).toBe('Too many attempts. Please wait a moment and try again.');
    expect((await postForm(app, `email=r9%40example.com&token=${token}`, '203.0.113.7')).headers.location).toBe('/#signup-rate-limited');
    expect((await postJson(app, { email: 'other@example.com', token }, '203.0.113.8')).status).toBe(201);
    for (let i = 0; i < 5; i++) await postJson(app, { email: `v${i}@example.com`, token }, `2001:db8:1:2::${i + 1}`);
    expect((await postJson(app, { email: 'v9@example.com', token }, '2001:db8:1:2:ffff::9')).status).toBe(429);
    expect((await postJson(app, { email: 'w@example.com', token }, '2001:db8:1:3::1')).status).toBe(201);
    clock.advance(12_000);
    expect((await postJson(app, { email: 'r10@example.com', token }, '203.0.113.7')).status).toBe(201);
    expect(listLines(file).map((line) => line.email)).not.toContain('r5@example.com');
  });
});
