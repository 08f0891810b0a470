import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { createGate, TEASER_PAGE_LIMITS } from '../../src/gate.js';
import { COMPRESSION_LEVELS } from '../../src/pages/body.js';
import type { IntermissionOptions } from '../../src/index.js';

const NOW = Date.parse('2030-06-01T12:00:00Z');
const brotliAt = (bytes: Buffer, quality: number): Buffer =>
  brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: quality, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } });

/** A real request object; the resolvers here only read its URL. */
function requestFor(url: string): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.url = url;
  return req;
}

/** A coming-soon gate whose resolver makes one teaser per URL, and `/static` fall back to the static teaser. */
function resolverGate(options: IntermissionOptions = {}) {
  const { config, issues } = resolveConfig({
    mode: 'coming-soon',
    launchAt: '2030-07-01T00:00:00Z',
    configFile: false,
    env: {},
    now: () => NOW,
    fallbackTeaser: { title: 'The static teaser' },
    teaser: (req: IncomingMessage) => (req.url === '/static' ? undefined : { title: `Article ${req.url}`, excerpt: 'An excerpt.' }),
    ...options,
  });
  if (!config) throw new Error(JSON.stringify(issues));
  const gate = createGate(config);
  const pagesFor = (url: string) => gate.pagesForRequest(gate.snapshot(NOW), requestFor(url), NOW);
  return { gate, pagesFor };
}

describe('resolver teaser pages', () => {
  describe('when a flood of distinct teasers arrives', () => {
    it('keeps the snapshot’s cache within its count and byte bounds', async () => {
      const { gate, pagesFor } = resolverGate();
      for (let i = 0; i < 3 * TEASER_PAGE_LIMITS.entries; i++) await pagesFor(`/post-${i}`);
      const cache = gate.snapshot(NOW).teaserPages;
      expect(cache.size).toBe(TEASER_PAGE_LIMITS.entries);
      expect(cache.bytes).toBeLessThanOrEqual(TEASER_PAGE_LIMITS.bytes);
    });

    it('renders each without compressing anything until an encoding is asked for, then at the fast level', async () => {
      const { pagesFor } = resolverGate();
      for (let i = 0; i < 20; i++) {
        const set = await pagesFor(`/new-${i}`);
        expect(set.html.identity.toString('utf8')).toContain(`Article /new-${i}`);
        for (const body of [set.html, set.json, set.text]) expect(body.heldBytes()).toBe(body.identity.length);
      }
      const set = await pagesFor('/new-0');
      const fast = COMPRESSION_LEVELS.fast;
      expect(set.html.bytes('br').equals(brotliAt(set.html.identity, fast.br))).toBe(true);
      expect(set.html.bytes('gzip').equals(gzipSync(set.html.identity, { level: fast.gzip }))).toBe(true);
      expect(fast.br).toBeLessThan(COMPRESSION_LEVELS.best.br);
    });

    it('keeps a teaser in use while the flood passes', async () => {
      const { pagesFor } = resolverGate();
      const popular = await pagesFor('/popular');
      for (let i = 0; i < 2 * TEASER_PAGE_LIMITS.entries; i++) {
        await pagesFor(`/flood-${i}`);
        expect(await pagesFor('/popular')).toBe(popular);
      }
    });
  });

  describe('when each page is large', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('the byte bound keeps fewer pages than the count allows', async () => {
      dir = mkdtempSync(join(tmpdir(), 'intermission-big-'));
      writeFileSync(join(dir, 'coming-soon.ejs'), '<h1><%= teaser.title %></h1><pre><%= custom.blob %></pre>');
      const { gate, pagesFor } = resolverGate({ page: { views: dir, locals: { blob: 'lorem ipsum '.repeat(40_000) } } });
      const first = await pagesFor('/big-0');
      expect(first.maxBytes).toBeGreaterThan(TEASER_PAGE_LIMITS.bytes / 20);
      for (let i = 1; i < 60; i++) await pagesFor(`/big-${i}`);
      const cache = gate.snapshot(NOW).teaserPages;
      expect(cache.size).toBeGreaterThan(0);
      expect(cache.size).toBeLessThan(20);
      expect(cache.bytes).toBeLessThanOrEqual(TEASER_PAGE_LIMITS.bytes);
    });
  });

  describe('when the static page is rendered for a new state', () => {
    it('compresses its HTML then, at the best level', async () => {
      const { gate, pagesFor } = resolverGate();
      gate.setState(gate.state());
      const set = await pagesFor('/static');
      expect(set).toBe(gate.pages(gate.snapshot(NOW), NOW));
      const { html } = set;
      const best = COMPRESSION_LEVELS.best;
      expect(html.heldBytes()).toBeGreaterThan(html.identity.length);
      expect(html.bytes('br').equals(brotliAt(html.identity, best.br))).toBe(true);
      expect(html.bytes('gzip').equals(gzipSync(html.identity, { level: best.gzip }))).toBe(true);
      expect(html.identity.toString('utf8')).toContain('The static teaser');
    });
  });
});
