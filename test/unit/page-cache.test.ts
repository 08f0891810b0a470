import { describe, expect, it } from 'vitest';
import { createPageCache } from '../../src/pages/page-cache.js';

/** Bytes charged for a key: two a character. */
const KEY = 2;

describe('createPageCache', () => {
  describe('when more entries arrive than it may hold', () => {
    it('keeps the most recent ones, up to the count', () => {
      const cache = createPageCache<number>({ entries: 3, bytes: 1_000_000 });
      for (let i = 0; i < 10; i++) cache.set(`k${i}`, i, 10);
      expect(cache.size).toBe(3);
      expect([0, 6, 7].map((i) => cache.get(`k${i}`))).toEqual([undefined, undefined, 7]);
      expect([8, 9].map((i) => cache.get(`k${i}`))).toEqual([8, 9]);
      expect(cache.bytes).toBe(3 * (10 + 2 * KEY));
    });

    it('evicts the least recently used: a page in use survives a flood of new keys', () => {
      const cache = createPageCache<string>({ entries: 4, bytes: 1_000_000 });
      cache.set('popular', 'P', 10);
      for (let i = 0; i < 100; i++) {
        cache.set(`flood-${i}`, 'F', 10);
        expect(cache.get('popular')).toBe('P');
      }
      expect(cache.size).toBe(4);
    });
  });

  describe('when the entries outweigh the byte bound', () => {
    it('evicts the oldest until the new one fits, whatever the count', () => {
      const cache = createPageCache<number>({ entries: 100, bytes: 1000 });
      for (let i = 0; i < 10; i++) cache.set(`k${i}`, i, 300 - 2 * KEY);
      expect(cache.bytes).toBe(900);
      expect(cache.size).toBe(3);
      expect(cache.get('k6')).toBeUndefined();
      expect(cache.get('k7')).toBe(7);
    });

    it('does not keep an entry larger than the whole bound, and keeps what it had', () => {
      const cache = createPageCache<number>({ entries: 100, bytes: 1000 });
      cache.set('small', 1, 100);
      cache.set('huge', 2, 1001);
      expect(cache.get('huge')).toBeUndefined();
      expect(cache.get('small')).toBe(1);
      expect(cache.bytes).toBe(100 + 5 * KEY);
    });

    it('charges the key too, so long keys cannot hide memory', () => {
      const cache = createPageCache<number>({ entries: 100, bytes: 1000 });
      cache.set('x'.repeat(400), 1, 0);
      expect(cache.bytes).toBe(800);
      cache.set('y'.repeat(400), 2, 0);
      expect(cache.size).toBe(1);
      expect(cache.bytes).toBe(800);
      cache.set('z'.repeat(501), 3, 0);
      expect(cache.size).toBe(1);
    });
  });

  describe('when a key is set again', () => {
    it('replaces it and its charge', () => {
      const cache = createPageCache<number>({ entries: 10, bytes: 1000 });
      cache.set('a', 1, 500);
      cache.set('a', 2, 100);
      expect(cache.get('a')).toBe(2);
      expect(cache.size).toBe(1);
      expect(cache.bytes).toBe(100 + KEY);
    });
  });
});
