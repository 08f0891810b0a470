import { randomBytes } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants as zlib, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { COMPRESSION_LEVELS, makeBody, type Compression } from '../../src/pages/body.js';
import type { Encoding } from '../../src/pages/negotiate.js';
import { messagesFor } from '../../src/i18n/index.js';
import { buildPageSet, DEFAULT_TEXT, type PageContent } from '../../src/pages/page-set.js';
import { loadTemplates } from '../../src/pages/templates.js';

const PAGE = `<!doctype html><title>x</title>${'<p>Something new is on its way. Check back soon.</p>\n'.repeat(200)}`;
const brotliAt = (bytes: Buffer, quality: number): Buffer =>
  brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: quality, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } });

describe('makeBody', () => {
  describe('when it is made', () => {
    it('holds only the identity bytes: nothing is compressed before it is asked for', () => {
      const body = makeBody('text/html; charset=utf-8', PAGE, undefined, 'best');
      expect(body.heldBytes()).toBe(Buffer.byteLength(PAGE));
      expect(body.bytes('identity').toString('utf8')).toBe(PAGE);
      expect(body.heldBytes()).toBe(Buffer.byteLength(PAGE));
    });
  });

  describe.each<Compression>(['best', 'fast'])('when an encoding is first asked for, at the %s level', (compression) => {
    it('compresses it once at that level, keeps it, and it decodes to the page', () => {
      const body = makeBody('text/html; charset=utf-8', PAGE, undefined, compression);
      const levels = COMPRESSION_LEVELS[compression];
      const br = body.bytes('br');
      expect(body.heldBytes()).toBe(body.identity.length + br.length);
      expect(br.equals(brotliAt(body.identity, levels.br))).toBe(true);
      expect(brotliDecompressSync(br).toString('utf8')).toBe(PAGE);
      expect(body.bytes('br')).toBe(br);

      const gzip = body.bytes('gzip');
      expect(gzip.equals(gzipSync(body.identity, { level: levels.gzip }))).toBe(true);
      expect(gunzipSync(gzip).toString('utf8')).toBe(PAGE);
      expect(body.heldBytes()).toBe(body.identity.length + br.length + gzip.length);
      expect(body.heldBytes()).toBeLessThanOrEqual(body.maxBytes);
    });
  });

  describe('when the bytes do not compress', () => {
    it('still holds no more than maxBytes in every encoding', () => {
      // Random printable ASCII: compresses to ~80% at best.
      const noise = [...randomBytes(256 * 1024)].map((byte) => String.fromCharCode(0x20 + (byte % 95))).join('');
      const body = makeBody('text/plain; charset=utf-8', noise, undefined, 'fast');
      for (const encoding of ['br', 'gzip'] as const) expect(body.bytes(encoding).length).toBeGreaterThan(0.75 * body.identity.length);
      expect(body.heldBytes()).toBeLessThanOrEqual(body.maxBytes);
    });
  });

  describe('when the page prints the nonce placeholder', () => {
    it('is never compressed: every encoding is the identity bytes, split around the placeholder', () => {
      const body = makeBody('text/html; charset=utf-8', '<script nonce="NONCE">1</script>', 'NONCE', 'best');
      expect(body.nonceParts).toEqual(['<script nonce="', '">1</script>']);
      for (const encoding of ['identity', 'gzip', 'br'] as Encoding[]) expect(body.bytes(encoding)).toBe(body.identity);
      expect(body.heldBytes()).toBe(body.identity.length);
      expect(body.maxBytes).toBe(body.identity.length);
    });
  });
});

describe('buildPageSet', () => {
  const templates = loadTemplates();
  const content = (message: string): PageContent => ({
    kind: 'coming-soon',
    ...DEFAULT_TEXT['coming-soon'],
    message,
    until: undefined,
    launchAt: Date.UTC(2031, 0, 1),
    retryAfterSeconds: 60,
    teaser: { title: 'A "quoted" title', excerpt: 'An excerpt.' },
    statusCode: 200,
    noindex: false,
    lang: 'en',
    dir: 'ltr',
    messages: messagesFor('en'),
    timeZone: 'UTC',
    custom: {},
    now: Date.UTC(2030, 0, 1),
  });

  describe('when every format, encoding and status is asked for', () => {
    it.each([
      ['a short message', 'Soon.'],
      ['a message JSON must escape', '\u0001"\\<>'.repeat(300)],
    ])('with %s, holds no more than maxBytes', (_label, message) => {
      const set = buildPageSet(content(message), templates, 'nonce-placeholder', () => undefined, 'fast');
      let held = 0;
      for (const body of [set.html, set.json, set.text, ...[200, 503, 418, 500].map((status) => set.problem(status))]) {
        for (const encoding of ['identity', 'gzip', 'br'] as const) body.bytes(encoding);
        held += body.heldBytes();
      }
      expect(held).toBeGreaterThan(set.html.identity.length);
      expect(held).toBeLessThanOrEqual(set.maxBytes);
    });
  });
});
