import { describe, expect, it } from 'vitest';
import { negotiateEncoding, negotiateFormat, negotiationCacheSizes, type Encoding, type Format } from '../../src/pages/negotiate.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
/** Longer than any real client sends: negotiation is skipped for it. */
const HUGE = (head: string): string => `${head}, ${'x-padding/none;q=0.1, '.repeat(60)}`;

describe('negotiateFormat', () => {
  describe('when the header names one of the formats', () => {
    it.each<[string, Format]>([
      ['text/html', 'html'],
      ['application/json', 'json'],
      ['application/problem+json', 'problem'],
      ['text/plain', 'text'],
      ['APPLICATION/JSON', 'json'],
      ['Text/Plain', 'text'],
    ])('%s → %s', (accept, format) => {
      expect(negotiateFormat(accept)).toBe(format);
    });
  });

  describe('when q-values rank them', () => {
    it.each<[string, Format]>([
      ['application/json, text/html;q=0.9', 'json'],
      ['text/html;q=0.5, application/json', 'json'],
      ['text/plain;q=0.2, application/json;q=0.3', 'json'],
      ['*/*;q=0.1, text/plain', 'text'],
      ['application/json;q=0, text/plain', 'text'],
      ['application/problem+json, application/json;q=0.9', 'problem'],
      // Equal q-values: the client's order decides.
      ['text/plain, application/json', 'text'],
      ['application/json;q=0.5, text/plain;q=0.5', 'json'],
    ])('%s → %s', (accept, format) => {
      expect(negotiateFormat(accept)).toBe(format);
    });
  });

  describe('when wildcards match several', () => {
    it.each<[string, Format]>([
      ['*/*', 'html'],
      ['text/*', 'html'],
      ['application/*', 'json'],
      [BROWSER_ACCEPT, 'html'],
    ])('%s → %s (the gate’s own order breaks the tie)', (accept, format) => {
      expect(negotiateFormat(accept)).toBe(format);
    });
  });

  describe('when nothing acceptable is offered, or the header is missing or malformed', () => {
    it.each<[string, string | undefined]>([
      ['missing', undefined],
      ['empty', ''],
      ['another type', 'image/png'],
      ['a near miss', 'application/ld+json'],
      ['everything refused', '*/*;q=0'],
      ['a refused format only', 'application/json;q=0'],
      ['a negative q', 'application/json;q=-1'],
      ['only separators', ';;;,,,'],
      ['a q that is not a number', 'text/plain;q=abc'],
      ['a stray quote', '"'],
      ['control characters', 'application/json\u0000\u0007'],
    ])('%s → html, never a throw or a 406', (_label, accept) => {
      expect(negotiateFormat(accept)).toBe('html');
    });
  });

  describe('when the header is huge', () => {
    it('gets html without negotiating, even if it asks for JSON first', () => {
      const accept = HUGE('application/json');
      expect(accept.length).toBeGreaterThan(1024);
      const before = negotiationCacheSizes().format;
      expect(negotiateFormat(accept)).toBe('html');
      expect(negotiationCacheSizes().format).toBeLessThanOrEqual(before);
      // The same header short enough is negotiated.
      expect(negotiateFormat('application/json, x-padding/none;q=0.1')).toBe('json');
    });
  });
});

describe('negotiateEncoding', () => {
  describe('when the header names encodings', () => {
    it.each<[string, Encoding]>([
      ['br', 'br'],
      ['gzip', 'gzip'],
      ['BR', 'br'],
      ['GZIP', 'gzip'],
      ['identity', 'identity'],
      ['deflate', 'identity'],
      ['compress, deflate', 'identity'],
      ['x-gzip', 'identity'],
    ])('%s → %s', (acceptEncoding, encoding) => {
      expect(negotiateEncoding(acceptEncoding)).toBe(encoding);
    });
  });

  describe('when q-values and ties decide', () => {
    it.each<[string, Encoding]>([
      // Ties go to brotli, which is smaller, whatever the client's order.
      ['gzip, br', 'br'],
      ['gzip, deflate, br', 'br'],
      ['br;q=1.0, gzip;q=1.0', 'br'],
      ['gzip;q=0.5, br;q=0.4', 'gzip'],
      ['br;q=0, gzip', 'gzip'],
      ['gzip;q=2', 'gzip'],
    ])('%s → %s', (acceptEncoding, encoding) => {
      expect(negotiateEncoding(acceptEncoding)).toBe(encoding);
    });
  });

  describe('when wildcards are used', () => {
    it.each<[string, Encoding]>([
      ['*', 'br'],
      ['*;q=0, gzip', 'gzip'],
      ['gzip, *;q=0', 'gzip'],
    ])('%s → %s', (acceptEncoding, encoding) => {
      expect(negotiateEncoding(acceptEncoding)).toBe(encoding);
    });
  });

  describe('when nothing is acceptable, or the header is missing or malformed', () => {
    it.each<[string, string | undefined]>([
      ['missing', undefined],
      ['empty', ''],
      ['everything refused', '*;q=0'],
      ['both refused', 'br;q=0, gzip;q=0'],
      ['identity refused', 'identity;q=0'],
      ['only separators', ';;,'],
      ['a q that is not a number', 'gzip;q=abc'],
    ])('%s → identity, never a throw or a 406', (_label, acceptEncoding) => {
      expect(negotiateEncoding(acceptEncoding)).toBe('identity');
    });
  });

  describe('when the header is huge', () => {
    it('gets identity without negotiating', () => {
      const acceptEncoding = HUGE('br');
      expect(acceptEncoding.length).toBeGreaterThan(1024);
      const before = negotiationCacheSizes().encoding;
      expect(negotiateEncoding(acceptEncoding)).toBe('identity');
      expect(negotiationCacheSizes().encoding).toBeLessThanOrEqual(before);
    });
  });
});

describe('the negotiation caches', () => {
  describe('when a flood of distinct headers arrives', () => {
    it('stay within their bound and keep answering correctly', () => {
      const { limit } = negotiationCacheSizes();
      let largest = { format: 0, encoding: 0 };
      for (let i = 0; i < limit * 20; i++) {
        // Each twice: once negotiated, once (while it is still held) from the cache.
        for (let again = 0; again < 2; again++) {
          expect(negotiateFormat(`application/json;q=0.9, x-flood/${i}`)).toBe('json');
          expect(negotiateEncoding(`gzip;q=0.9, x-flood-${i}`)).toBe('gzip');
        }
        const sizes = negotiationCacheSizes();
        largest = { format: Math.max(largest.format, sizes.format), encoding: Math.max(largest.encoding, sizes.encoding) };
      }
      expect(largest.format).toBe(limit);
      expect(largest.encoding).toBe(limit);
    });
  });
});
