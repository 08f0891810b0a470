import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TimeoutError } from '../../src/shared/timeout.js';
import { extractTeaser } from '../../src/teaser/extract.js';
import { splitFrontMatter } from '../../src/teaser/front-matter.js';
import { htmlToText } from '../../src/teaser/html-text.js';
import { normalizeTeaser } from '../../src/teaser/normalize.js';
import { countWords } from '../../src/teaser/plain-text.js';
import { loadTeaserFile, MAX_TEASER_FILE_BYTES, resolveTeaser, TeaserFileError } from '../../src/teaser/source.js';
import type { Teaser, TeaserResolver } from '../../src/types.js';

const ELLIPSIS = '\u2026';
const words = (n: number, word = 'word'): string => Array.from({ length: n }, (_, i) => `${word}${i + 1}`).join(' ');

describe('extractTeaser: which excerpt wins', () => {
  it.each([
    {
      name: 'front matter excerpt beats <!--more--> and the body',
      source: '---\nexcerpt: Hand-written summary.\n---\nIntro paragraph.\n\n<!--more-->\n\nRest.',
      excerpt: 'Hand-written summary.',
    },
    {
      name: 'markdown: the part before <!--more-->',
      source: 'First paragraph.\n\nSecond paragraph.\n\n<!--more-->\n\nThe rest of the article.',
      excerpt: `First paragraph. Second paragraph. ${ELLIPSIS}`,
    },
    {
      name: 'markdown: <!--more Custom text--> works the same',
      source: 'Opening words here\n\n<!--more Read the whole story-->\n\nHidden body.',
      excerpt: `Opening words here${ELLIPSIS}`,
    },
    {
      name: 'markdown: <!--more--> inline in a paragraph',
      source: 'Before the marker <!--more--> after the marker.',
      excerpt: `Before the marker${ELLIPSIS}`,
    },
    {
      name: 'html: <!--more-->',
      source: '<p>Lead paragraph</p><!--more--><p>Body.</p>',
      format: 'html' as const,
      excerpt: `Lead paragraph${ELLIPSIS}`,
    },
    {
      name: 'html: <!--more Continue reading-->',
      source: '<p>Lead paragraph</p>\n<!--more Continue reading-->\n<p>Body.</p>',
      format: 'html' as const,
      excerpt: `Lead paragraph${ELLIPSIS}`,
    },
    {
      name: 'text: <!--more--> is honoured, nothing else is markup',
      source: 'Plain <b>lead</b> &amp; more\n\n<!--more-->\n\nRest.',
      format: 'text' as const,
      excerpt: `Plain <b>lead</b> &amp; more${ELLIPSIS}`,
    },
    {
      name: '<!--more--> with nothing after it: not cut, no ellipsis',
      source: 'The whole article.\n\n<!--more-->\n\n',
      excerpt: 'The whole article.',
    },
    {
      name: '<!--more--> followed only by a script: still nothing a reader sees, no ellipsis',
      source: 'The whole article.\n\n<!--more-->\n\n<script>track()</script>',
      excerpt: 'The whole article.',
    },
    {
      name: '<!--more--> at the very top: falls back to the automatic excerpt',
      source: '<!--more-->\n\nOnly body text.',
      excerpt: 'Only body text.',
    },
    {
      name: 'a <!--more--> inside a code block is code, not a marker',
      source: 'Intro.\n\n```\n<!--more-->\n```\n\nTail.',
      excerpt: 'Intro. <!--more--> Tail.',
    },
    {
      name: 'a comment that only starts with "more" is not the marker',
      source: 'Alpha <!--moreover--> beta.',
      excerpt: 'Alpha beta.',
    },
    {
      name: 'an excerpt already ending in an ellipsis gets no second one',
      source: 'And then\u2026\n\n<!--more-->\n\nMore text.',
      excerpt: `And then${ELLIPSIS}`,
    },
  ])('$name', ({ source, format, excerpt }) => {
    expect(extractTeaser(source, { format }).excerpt).toBe(excerpt);
  });

  it('without a marker, keeps the first 55 words and adds an ellipsis', () => {
    const teaser = extractTeaser(words(80));
    expect(teaser.excerpt).toBe(`${words(55)}${ELLIPSIS}`);
  });

  it('a body of exactly 55 words fits whole: no ellipsis', () => {
    expect(extractTeaser(words(55)).excerpt).toBe(words(55));
  });

  it.each([1, 3, 10, 200])('custom words: %i', (n) => {
    const teaser = extractTeaser(words(100), { words: n });
    const expected = n < 100 ? `${words(n)}${ELLIPSIS}` : words(100);
    expect(teaser.excerpt).toBe(expected);
  });

  it('does not spend the word budget on punctuation-only tokens', () => {
    expect(extractTeaser('Alpha \u2014 beta gamma delta', { words: 2 }).excerpt).toBe(`Alpha \u2014 beta${ELLIPSIS}`);
  });
});

describe('extractTeaser: never cuts inside a word or a tag', () => {
  it.each([
    {
      name: 'a Markdown link spanning the cut point',
      source: 'Alpha beta [gamma delta](https://example.com/very/long/path) epsilon zeta',
      words: 3,
      excerpt: `Alpha beta gamma${ELLIPSIS}`,
    },
    {
      name: 'an <em> crossing the cut point',
      source: '<p>one two <em>three four</em> five</p>',
      format: 'html' as const,
      words: 3,
      excerpt: `one two three${ELLIPSIS}`,
    },
    {
      name: 'an HTML link with a long href at the cut point',
      source: '<p>Read <a href="https://example.com/?a=1&amp;b=2" title="x y z">the full story</a> now</p>',
      format: 'html' as const,
      words: 2,
      excerpt: `Read the${ELLIPSIS}`,
    },
    {
      name: '&amp; at the boundary decodes before cutting',
      source: 'Tom &amp; Jerry&#8217;s show tonight',
      words: 2,
      excerpt: `Tom & Jerry\u2019s${ELLIPSIS}`,
    },
    {
      name: 'numeric entity right at the cut',
      source: '<p>It&#8217;s fine&#8230; really very fine</p>',
      format: 'html' as const,
      words: 2,
      excerpt: `It\u2019s fine${ELLIPSIS}`,
    },
    {
      name: 'inline elements do not split a word, blocks do separate words',
      source: '<p>un<b>break</b>able</p><p>next</p><div>block</div>',
      format: 'html' as const,
      words: 2,
      excerpt: `unbreakable next${ELLIPSIS}`,
    },
  ])('$name', ({ source, format, words: n, excerpt }) => {
    const teaser = extractTeaser(source, { format, words: n });
    expect(teaser.excerpt).toBe(excerpt);
    expect(teaser.excerpt).not.toMatch(/[<>]|&amp;|&#|\]\(|https?:/);
  });

  it('keeps long words whole', () => {
    const long = [
      'Pneumonoultramicroscopicsilicovolcanoconiosis',
      'Donaudampfschifffahrtsgesellschaft',
      'antidisestablishmentarianism',
      'floccinaucinihilipilification',
    ];
    const teaser = extractTeaser(long.join(' '), { words: 3 });
    expect(teaser.excerpt).toBe(`${long.slice(0, 3).join(' ')}${ELLIPSIS}`);
  });

  it('never lets an excerpt pass 1000 characters, and still cuts at a space', () => {
    const source = `---\nexcerpt: ${'lengthy '.repeat(300)}\n---\nBody.`;
    const excerpt = extractTeaser(source).excerpt ?? '';
    expect(excerpt.length).toBeLessThanOrEqual(1000);
    expect(excerpt.endsWith(ELLIPSIS)).toBe(true);
    expect(
      excerpt
        .slice(0, -1)
        .trim()
        .split(' ')
        .every((w) => w === 'lengthy'),
    ).toBe(true);
  });
});

describe('extractTeaser: markup stripping', () => {
  it('drops script, style, template and noscript content and comments', () => {
    const html =
      '<p>Visible</p><script>var secret = "S1";</script><style>.s2{color:red}</style>' +
      '<template><p>S3</p></template><noscript>S4</noscript><!-- S5 --><p>text</p>';
    const teaser = extractTeaser(html, { format: 'html' });
    expect(teaser.excerpt).toBe('Visible text');
    expect(teaser.wordCount).toBe(2);
  });

  it('drops scripts embedded in Markdown too', () => {
    const teaser = extractTeaser('Hello\n\n<script>alert("pwned")</script>\n\n<style>body{}</style>\n\nworld');
    expect(teaser.excerpt).toBe('Hello world');
  });

  it('strips Markdown syntax and decodes entities', () => {
    const teaser = extractTeaser('Some **bold**, _italic_, `code` and a [link](http://example.com) &mdash; &lt;tag&gt; caf&eacute;.');
    expect(teaser.excerpt).toBe('Some bold, italic, code and a link \u2014 <tag> caf\u00e9.');
  });

  it('puts spaces between block elements', () => {
    const html = 'lead<ul><li>one</li><li>two</li></ul><table><tr><td>three</td><td>four</td></tr></table>line<br>break<hr>end';
    expect(extractTeaser(html, { format: 'html' }).excerpt).toBe('lead one two three four line break end');
  });

  it('collapses whitespace, newlines and non-breaking spaces', () => {
    expect(extractTeaser('<p>  a \n\n\t b&nbsp;&nbsp;c  </p>', { format: 'html' }).excerpt).toBe('a b c');
  });

  it('htmlToText reports the more marker and headings by offset', () => {
    const doc = htmlToText('<h2>Sub</h2><p>Lead</p><!--more--><h1>Main</h1>');
    expect(doc.text.slice(doc.firstSubheading?.start, doc.firstSubheading?.end).trim()).toBe('Sub');
    expect(doc.text.slice(doc.firstH1?.start, doc.firstH1?.end).trim()).toBe('Main');
    expect(doc.text.slice(0, doc.moreAt).replace(/\s+/g, ' ').trim()).toBe('Sub Lead');
  });
});

describe('extractTeaser: title', () => {
  it.each([
    {
      name: 'front matter title wins',
      source: '---\ntitle: From front matter\n---\n# From heading\n\nBody.',
      title: 'From front matter',
      excerpt: 'From heading Body.',
    },
    {
      name: 'front matter title in Markdown is plain text',
      source: '---\ntitle: "*Big* news &amp; more"\n---\nBody.',
      title: 'Big news & more',
      excerpt: 'Body.',
    },
    {
      name: 'a front matter title repeated as # heading is not excerpted twice',
      source: '---\ntitle: Launch Day\n---\n# Launch day\n\nBody.',
      title: 'Launch Day',
      excerpt: 'Body.',
    },
    { name: 'first h1, even after an h2', source: '## Kicker\n\n# Main title\n\nBody.', title: 'Main title', excerpt: 'Kicker Body.' },
    { name: 'first h2..h6 when there is no h1', source: '### Small\n\n## Second\n\nBody.', title: 'Small', excerpt: 'Second Body.' },
    { name: 'setext heading', source: 'Setext Title\n============\n\nBody.', title: 'Setext Title', excerpt: 'Body.' },
    {
      name: 'html heading with markup and entities',
      source: '<h1>Ben &amp; <em>Jerry</em>&#8217;s</h1><p>Body.</p>',
      format: 'html' as const,
      title: 'Ben & Jerry\u2019s',
      excerpt: 'Body.',
    },
    {
      name: 'text format has no title',
      source: '# Not a heading\n\nBody.',
      format: 'text' as const,
      title: undefined,
      excerpt: '# Not a heading Body.',
    },
  ])('$name', ({ source, format, title, excerpt }) => {
    const teaser = extractTeaser(source, { format });
    expect(teaser.title).toBe(title);
    expect(teaser.excerpt).toBe(excerpt);
  });

  it('the heading used as title is left out of the <!--more--> excerpt too', () => {
    expect(extractTeaser('# Title\n\nLead.\n\n<!--more-->\n\nRest.').excerpt).toBe(`Lead. ${ELLIPSIS}`);
  });
});

describe('extractTeaser: reading time', () => {
  it.each([
    { n: 1, minutes: 1 },
    { n: 200, minutes: 1 },
    { n: 201, minutes: 2 },
    { n: 450, minutes: 3 },
  ])('$n words → $minutes min', ({ n, minutes }) => {
    const teaser = extractTeaser(words(n));
    expect(teaser.wordCount).toBe(n);
    expect(teaser.readingMinutes).toBe(minutes);
  });

  it('counts text words of the whole body, not markup, and not the excerpt only', () => {
    const source =
      '# Head line\n\n**Bold** [link](https://example.com/a/b/c) <span class="x y z">word</span>\n\n<!--more-->\n\nfour more words here';
    expect(extractTeaser(source).wordCount).toBe(2 + 3 + 4);
  });

  it('does not count punctuation-only tokens', () => {
    expect(countWords('a \u2014 b - c & d \u2026')).toBe(4);
  });

  it('does not crash on CJK text', () => {
    const teaser = extractTeaser('微软与人工智能公司达成合作。这是第二段。', { words: 5 });
    expect(teaser.excerpt).toBe('微软与人工智能公司达成合作。这是第二段。');
    expect(teaser.wordCount).toBe(1);
  });
});

describe('extractTeaser: front matter fields', () => {
  it('carries valid fields over, with aliases', () => {
    const source = [
      '---',
      'title: T',
      'image: https://cdn.example.com/a.png',
      'image_alt: A picture',
      'url: /articles/t',
      'author: Ada',
      'date: 2026-03-01',
      'body: should never be copied',
      '---',
      'Body.',
    ].join('\n');
    expect(extractTeaser(source)).toEqual({
      title: 'T',
      excerpt: 'Body.',
      image: 'https://cdn.example.com/a.png',
      imageAlt: 'A picture',
      url: '/articles/t',
      author: 'Ada',
      publishedAt: '2026-03-01',
      wordCount: 1,
      readingMinutes: 1,
    });
  });

  it('turns a YAML timestamp (a Date) into an ISO string', () => {
    expect(extractTeaser('---\npublished: !!timestamp 2026-05-04T10:00:00Z\n---\nx').publishedAt).toBe('2026-05-04T10:00:00.000Z');
  });

  it('prefers publishedAt, and skips dates that are not dates', () => {
    expect(extractTeaser('---\npublishedAt: not a date\ndate: 2026-01-02\n---\nx').publishedAt).toBe('2026-01-02');
    expect(extractTeaser('---\npublishedAt: 2026-13-45\n---\nx').publishedAt).toBeUndefined();
  });

  it('ignores non-string values instead of stringifying them', () => {
    const source =
      '---\ntitle: [a, b]\nexcerpt: { x: 1 }\nauthor: 42\nimage: true\nimageAlt: null\nurl: [/x]\n---\n# Heading title\n\nBody text.';
    expect(extractTeaser(source)).toEqual({ title: 'Heading title', excerpt: 'Body text.', wordCount: 4, readingMinutes: 1 });
  });

  it('drops unsafe image and url values', () => {
    const teaser = extractTeaser('---\nimage: "javascript:alert(1)"\nurl: //evil.example/path\n---\nx');
    expect(teaser.image).toBeUndefined();
    expect(teaser.url).toBeUndefined();
  });

  it('accepts front matter in HTML files', () => {
    const teaser = extractTeaser('---\ntitle: HTML article\nauthor: Bo\n---\n<p>Hello <b>there</b></p>', { format: 'html' });
    expect(teaser).toMatchObject({ title: 'HTML article', author: 'Bo', excerpt: 'Hello there' });
  });

  it('does not read front matter in text files', () => {
    const teaser = extractTeaser('---\ntitle: Nope\n---\nPlain.', { format: 'text' });
    expect(teaser.title).toBeUndefined();
    expect(teaser.excerpt).toBe('--- title: Nope --- Plain.');
  });

  it('splitFrontMatter handles a BOM, CRLF and an empty block', () => {
    expect(splitFrontMatter('\uFEFF---\r\ntitle: x\r\n---\r\nbody')).toEqual({ data: { title: 'x' }, body: 'body' });
    expect(splitFrontMatter('---\n---\nbody')).toEqual({ data: {}, body: 'body' });
    expect(splitFrontMatter('no front matter')).toEqual({ data: {}, body: 'no front matter' });
  });

  it('only returns Teaser fields, never the body', () => {
    const teaser = extractTeaser(`Lead.\n\n<!--more-->\n\nSECRET-BODY ${words(10)}`);
    const keys = ['title', 'excerpt', 'image', 'imageAlt', 'url', 'author', 'publishedAt', 'wordCount', 'readingMinutes'];
    expect(Object.keys(teaser).every((k) => keys.includes(k))).toBe(true);
    expect(JSON.stringify(teaser)).not.toContain('SECRET-BODY');
  });
});

describe('extractTeaser: bad inputs', () => {
  it.each(['', '   \n\t  ', '\uFEFF'])('empty source %j gives an empty teaser', (source) => {
    expect(extractTeaser(source)).toEqual({});
  });

  it('a lone heading gives a title but no excerpt', () => {
    expect(extractTeaser('# Just a title')).toEqual({ title: 'Just a title', wordCount: 3, readingMinutes: 1 });
  });

  it.each([
    '---\ntitle: [unclosed\n---\n# Fallback\n\nBody stays.',
    '---\ntitle: a\ntitle: b\n---\n# Fallback\n\nBody stays.',
    '---\n\t- bad: indentation: here\n---\n# Fallback\n\nBody stays.',
  ])('malformed front matter does not throw and is not excerpted (%#)', (source) => {
    const teaser = extractTeaser(source);
    expect(teaser.title).toBe('Fallback');
    expect(teaser.excerpt).toBe('Body stays.');
  });

  it('front matter that is not a mapping is ignored', () => {
    expect(extractTeaser('---\n- a\n- b\n---\nBody.')).toEqual({ excerpt: 'Body.', wordCount: 1, readingMinutes: 1 });
  });

  it('handles a 2 MiB article', () => {
    const source = `# Big\n\n${'lorem ipsum dolor sit amet '.repeat(78_000)}`;
    expect(source.length).toBeGreaterThan(2_000_000);
    const teaser = extractTeaser(source);
    expect(teaser.wordCount).toBe(1 + 5 * 78_000);
    expect(teaser.excerpt?.split(' ')).toHaveLength(55);
    expect(teaser.excerpt?.endsWith(ELLIPSIS)).toBe(true);
  });

  it('a single 2 MB "word" is cut to the 1000-character cap', () => {
    const excerpt = extractTeaser('x'.repeat(2_000_000)).excerpt ?? '';
    expect(excerpt.length).toBeLessThanOrEqual(1000);
    expect(excerpt.endsWith(ELLIPSIS)).toBe(true);
  });

  it.each(['<a '.repeat(1000), '<<<>>>', '</p></div>', '<p', '&#xD800; &#99999999; &bogus;'])('broken HTML %# does not throw', (html) => {
    expect(() => extractTeaser(html, { format: 'html' })).not.toThrow();
    expect(() => extractTeaser(html)).not.toThrow();
  });

  // Choice: `words` must be an integer ≥ 1. Anything else is a configuration mistake, reported as a
  // RangeError rather than quietly replaced by the default.
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2.5])('words: %s throws a RangeError', (n) => {
    expect(() => extractTeaser('Some text.', { words: n })).toThrow(RangeError);
  });

  it('an unknown format throws a RangeError', () => {
    expect(() => extractTeaser('x', { format: 'pdf' as never })).toThrow(RangeError);
  });
});

describe('normalizeTeaser', () => {
  it.each([null, undefined, 42, Number.NaN, 'title', true, [], [{ title: 'in an array' }], () => ({ title: 'fn' }), new Date()])(
    '%j is not a teaser',
    (input) => {
      expect(normalizeTeaser(input)).toBeUndefined();
    },
  );

  it('keeps known fields, trims them, drops unknown ones', () => {
    const input = { title: '  Hello  ', excerpt: ' Short\n text ', author: ' Ada ', extra: 'x', __proto__: { polluted: 1 } };
    expect(normalizeTeaser(input)).toEqual({ title: 'Hello', excerpt: 'Short text', author: 'Ada' });
  });

  it('works on null-prototype objects', () => {
    const input = Object.assign(Object.create(null) as Record<string, unknown>, { title: 'No proto', wordCount: 10 });
    expect(normalizeTeaser(input)).toEqual({ title: 'No proto', wordCount: 10, readingMinutes: 1 });
  });

  it('ignores inherited properties', () => {
    expect(normalizeTeaser(Object.create({ title: 'inherited' }))).toBeUndefined();
  });

  it('survives a throwing getter', () => {
    const input = {
      title: 'ok',
      get excerpt(): string {
        throw new Error('boom');
      },
    };
    expect(normalizeTeaser(input)).toEqual({ title: 'ok' });
  });

  it.each([
    ['javascript:alert(1)', undefined],
    ['JaVaScRiPt:alert(1)', undefined],
    [' javascript:alert(1)', undefined],
    ['data:image/png;base64,AAAA', undefined],
    ['vbscript:x', undefined],
    ['//evil.example/x.png', undefined],
    ['/\\evil.example/x.png', undefined],
    ['https:evil.example', undefined],
    ['http://', undefined],
    ['ftp://example.com/a.png', undefined],
    ['relative/a.png', undefined],
    ['/assets/a b.png', undefined],
    [`/${'a'.repeat(2048)}`, undefined],
    ['https://cdn.example.com/a.png', 'https://cdn.example.com/a.png'],
    ['HTTP://example.com/a.png', 'HTTP://example.com/a.png'],
    ['  /assets/a.png  ', '/assets/a.png'],
    [`/${'a'.repeat(2047)}`, `/${'a'.repeat(2047)}`],
  ])('image/url %j → %j', (value, expected) => {
    const teaser = normalizeTeaser({ title: 't', image: value, url: value });
    expect(teaser?.image).toBe(expected);
    expect(teaser?.url).toBe(expected);
  });

  it('caps the title at 300 characters and the excerpt at 1000, at a word boundary', () => {
    const teaser = normalizeTeaser({ title: 'title '.repeat(100), excerpt: 'abcdefghi '.repeat(200) });
    expect(teaser?.title?.length).toBeLessThanOrEqual(300);
    expect(teaser?.title).toMatch(/^(title )+title…$/);
    expect(teaser?.excerpt?.length).toBeLessThanOrEqual(1000);
    expect(teaser?.excerpt).toMatch(/^(abcdefghi )+abcdefghi…$/);
  });

  it.each([
    [{ wordCount: -1 }, undefined],
    [{ wordCount: Number.NaN }, undefined],
    [{ wordCount: Number.POSITIVE_INFINITY }, undefined],
    [{ wordCount: '100' }, undefined],
    [{ readingMinutes: 0 }, undefined],
    [{ readingMinutes: -3 }, undefined],
    [{ wordCount: 0 }, { wordCount: 0 }],
    [{ wordCount: 401.7 }, { wordCount: 401, readingMinutes: 3 }],
    [
      { wordCount: 1000, readingMinutes: 2.2 },
      { wordCount: 1000, readingMinutes: 3 },
    ],
  ])('numbers %j → %j', (input, expected) => {
    expect(normalizeTeaser(input)).toEqual(expected);
  });

  it('publishedAt: ISO strings and valid Dates only', () => {
    expect(normalizeTeaser({ publishedAt: new Date('2026-02-03T04:05:06Z') })).toEqual({ publishedAt: '2026-02-03T04:05:06.000Z' });
    expect(normalizeTeaser({ publishedAt: '2026-02-03' })).toEqual({ publishedAt: '2026-02-03' });
    expect(normalizeTeaser({ publishedAt: 'next Tuesday' })).toBeUndefined();
    expect(normalizeTeaser({ publishedAt: new Date(Number.NaN) })).toBeUndefined();
    expect(normalizeTeaser({ publishedAt: 1_700_000_000_000 })).toBeUndefined();
  });

  it('objects, arrays and numbers in string fields are dropped, not stringified', () => {
    expect(normalizeTeaser({ title: { toString: () => 'x' }, excerpt: ['a'], author: 7, imageAlt: null })).toBeUndefined();
  });

  it('computes the teaser from content, explicit fields win, content never leaks', () => {
    const input = {
      content: '# From content\n\nLead paragraph.\n\n<!--more-->\n\nSECRET tail of the article.',
      excerpt: 'Explicit excerpt',
      image: 'javascript:alert(1)',
    };
    const teaser = normalizeTeaser(input);
    expect(teaser).toEqual({ title: 'From content', excerpt: 'Explicit excerpt', wordCount: 9, readingMinutes: 1 });
    expect(teaser).not.toHaveProperty('content');
    expect(JSON.stringify(teaser)).not.toContain('SECRET');
  });

  it('uses content format, and ignores an unknown one', () => {
    expect(normalizeTeaser({ content: '<h2>H</h2><p>p &amp; q</p>', format: 'html' })).toMatchObject({ title: 'H', excerpt: 'p & q' });
    expect(normalizeTeaser({ content: '# H\n\nBody', format: 'bogus' })).toMatchObject({ title: 'H', excerpt: 'Body' });
    expect(normalizeTeaser({ content: '# H', format: 'text' })).toEqual({ excerpt: '# H', wordCount: 1, readingMinutes: 1 });
  });

  it('an explicit word count beats the content, reading time included', () => {
    expect(normalizeTeaser({ content: words(10), wordCount: 1000 })).toMatchObject({ wordCount: 1000, readingMinutes: 5 });
    expect(normalizeTeaser({ content: words(10), wordCount: 0 })).not.toHaveProperty('readingMinutes');
  });

  it('content that is empty, not a string or too long yields nothing by itself', () => {
    expect(normalizeTeaser({ content: '' })).toBeUndefined();
    expect(normalizeTeaser({ content: 42 })).toBeUndefined();
    expect(normalizeTeaser({ content: 'x '.repeat(1_100_000) })).toBeUndefined();
  });
});

describe('loadTeaserFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'intermission-teaser-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string | Buffer): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads Markdown with front matter', () => {
    const file = write('post.md', '---\ntitle: From file\nimage: /img.png\n---\nIntro *here*.\n\n<!--more-->\n\nMore.');
    expect(loadTeaserFile({ file })).toEqual({
      title: 'From file',
      image: '/img.png',
      excerpt: `Intro here. ${ELLIPSIS}`,
      wordCount: 3,
      readingMinutes: 1,
    });
  });

  it.each(['post.markdown', 'POST.MD'])('treats %s as Markdown', (name) => {
    expect(loadTeaserFile({ file: write(name, '# Title\n\nBody') }).title).toBe('Title');
  });

  it.each(['page.html', 'page.htm'])('reads %s as HTML', (name) => {
    const file = write(
      name,
      '<!doctype html><html><head><title>Tab</title><style>p{}</style></head><body><h1>Heading</h1><p>Para &amp; graph</p></body></html>',
    );
    expect(loadTeaserFile({ file })).toEqual({ title: 'Heading', excerpt: 'Para & graph', wordCount: 3, readingMinutes: 1 });
  });

  it('reads other extensions as plain text', () => {
    const file = write('note.txt', '# Not markdown\n\nPlain <i>text</i>.');
    expect(loadTeaserFile({ file })).toEqual({ excerpt: '# Not markdown Plain <i>text</i>.', wordCount: 4, readingMinutes: 1 });
  });

  it('an explicit format and words override the defaults', () => {
    const file = write('article.txt', `# Heading\n\n${words(20)}`);
    expect(loadTeaserFile({ file, format: 'markdown', words: 2 })).toMatchObject({ title: 'Heading', excerpt: `word1 word2${ELLIPSIS}` });
  });

  it('a missing file throws a TeaserFileError naming the path', () => {
    const file = join(dir, 'missing.md');
    let error: unknown;
    try {
      loadTeaserFile({ file });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TeaserFileError);
    expect(error).toMatchObject({ code: 'ERR_INTERMISSION_TEASER_FILE', name: 'TeaserFileError' });
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/no such file.*Check the path/);
  });

  it('a file over 2 MiB throws', () => {
    const file = write('big.md', Buffer.alloc(MAX_TEASER_FILE_BYTES + 1, 'a'));
    expect(() => loadTeaserFile({ file })).toThrow(TeaserFileError);
    expect(() => loadTeaserFile({ file })).toThrow(/big\.md.*larger than 2 MiB/);
  });

  it('a file of exactly 2 MiB is read', () => {
    const file = write('edge.txt', Buffer.alloc(MAX_TEASER_FILE_BYTES, 'a '));
    expect(loadTeaserFile({ file }).wordCount).toBe(MAX_TEASER_FILE_BYTES / 2);
  });

  it('a directory throws', () => {
    const sub = join(dir, 'folder.md');
    mkdirSync(sub);
    expect(() => loadTeaserFile({ file: sub })).toThrow(/not a regular file/);
  });

  it('an empty path throws', () => {
    expect(() => loadTeaserFile({ file: '' })).toThrow(TeaserFileError);
  });

  it('the demo article makes a good teaser', () => {
    const file = join(import.meta.dirname, '../../demo/content/article.md');
    const teaser = loadTeaserFile({ file });
    expect(teaser.title).toMatch(/Microsoft.*Anthropic/);
    expect(teaser).toMatchObject({ author: 'Intermission demo', image: '/assets/partnership.svg' });
    expect(teaser.imageAlt).toBeTruthy();
    expect(teaser.publishedAt).toMatch(/^2026-/);
    expect(teaser.excerpt).toContain('$30 billion');
    expect(teaser.excerpt?.endsWith(ELLIPSIS)).toBe(true);
    expect(teaser.wordCount).toBeGreaterThanOrEqual(650);
    expect(teaser.wordCount).toBeLessThanOrEqual(900);
    expect(readFileSync(file, 'utf8')).not.toMatch(/^excerpt:/m);
  });
});

describe('resolveTeaser', () => {
  const req = new IncomingMessage(new Socket());

  afterEach(() => {
    vi.useRealTimers();
  });

  const run = async (resolver: TeaserResolver, timeoutMs = 50) => {
    const onProblem = vi.fn();
    const teaser = await resolveTeaser(resolver, req, timeoutMs, onProblem);
    return { teaser, onProblem };
  };

  it('passes the request and normalizes a sync result', async () => {
    const resolver = vi.fn(() => ({ title: '  Hi ', image: 'javascript:x' }));
    const { teaser, onProblem } = await run(resolver);
    expect(resolver).toHaveBeenCalledWith(req);
    expect(teaser).toEqual({ title: 'Hi' });
    expect(onProblem).not.toHaveBeenCalled();
  });

  it('resolves an async result', async () => {
    const { teaser, onProblem } = await run(() => Promise.resolve({ title: 'Async', wordCount: 400 }));
    expect(teaser).toEqual({ title: 'Async', wordCount: 400, readingMinutes: 2 });
    expect(onProblem).not.toHaveBeenCalled();
  });

  it('undefined means "use the fallback" and is not a problem', async () => {
    const { teaser, onProblem } = await run(() => undefined);
    expect(teaser).toBeUndefined();
    expect(onProblem).not.toHaveBeenCalled();
  });

  it('a throwing resolver → undefined and onProblem("error")', async () => {
    const boom = new Error('boom');
    const { teaser, onProblem } = await run(() => {
      throw boom;
    });
    expect(teaser).toBeUndefined();
    expect(onProblem).toHaveBeenCalledTimes(1);
    expect(onProblem).toHaveBeenCalledWith('error', boom);
  });

  it('a rejecting resolver → undefined and onProblem("error")', async () => {
    const { teaser, onProblem } = await run(() => Promise.reject(new Error('nope')));
    expect(teaser).toBeUndefined();
    expect(onProblem).toHaveBeenCalledTimes(1);
    expect(onProblem.mock.calls[0]?.[0]).toBe('error');
  });

  it.each([42, 'string', [], { unknown: 1 }, { title: 7 }])('junk %j → undefined and onProblem("invalid")', async (junk) => {
    const { teaser, onProblem } = await run(() => junk as unknown as Teaser);
    expect(teaser).toBeUndefined();
    expect(onProblem).toHaveBeenCalledTimes(1);
    expect(onProblem.mock.calls[0]?.[0]).toBe('invalid');
  });

  it('a resolver rejecting with a TimeoutError of its own is an "error", not our timeout', async () => {
    const own = new TimeoutError(5, 'the database');
    const { teaser, onProblem } = await run(() => Promise.reject(own), 10_000);
    expect(teaser).toBeUndefined();
    expect(onProblem).toHaveBeenCalledWith('error', own);
  });

  it('a resolver that never settles times out', async () => {
    const started = Date.now();
    const { teaser, onProblem } = await run(() => new Promise<Teaser>(() => {}), 50);
    expect(teaser).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(onProblem).toHaveBeenCalledTimes(1);
    expect(onProblem.mock.calls[0]?.[0]).toBe('timeout');
  });

  it('a late answer after the timeout is ignored and reported only once', async () => {
    const onProblem = vi.fn();
    const late = new Promise<Teaser>((resolve) => setTimeout(() => resolve({ title: 'late' }), 80));
    const teaser = await resolveTeaser(() => late, req, 20, onProblem);
    await late;
    expect(teaser).toBeUndefined();
    expect(onProblem).toHaveBeenCalledTimes(1);
    expect(onProblem.mock.calls[0]?.[0]).toBe('timeout');
  });

  it('a throwing onProblem does not make it reject', async () => {
    const teaser = await resolveTeaser(
      () => {
        throw new Error('x');
      },
      req,
      50,
      () => {
        throw new Error('logger broke');
      },
    );
    expect(teaser).toBeUndefined();
  });

  it('clears its timer whatever happens', async () => {
    vi.useFakeTimers();
    await resolveTeaser(() => Promise.resolve({ title: 'ok' }), req, 10_000, vi.fn());
    expect(vi.getTimerCount()).toBe(0);
    await resolveTeaser(() => Promise.reject(new Error('x')), req, 10_000, vi.fn());
    expect(vi.getTimerCount()).toBe(0);
    await resolveTeaser(() => ({ bogus: true }) as unknown as Teaser, req, 10_000, vi.fn());
    expect(vi.getTimerCount()).toBe(0);
  });

  it('unrefs its timer so a hanging resolver cannot keep the process alive', async () => {
    const unref = vi.fn();
    // Fire at once, and hand back a fake handle whose unref we can watch.
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation((fn: () => void) => {
      queueMicrotask(fn);
      return { unref } as unknown as ReturnType<typeof setTimeout>;
    });
    const onProblem = vi.fn();
    try {
      await resolveTeaser(() => new Promise<Teaser>(() => {}), req, 1000, onProblem);
    } finally {
      spy.mockRestore();
    }
    expect(unref).toHaveBeenCalledTimes(1);
    expect(onProblem).toHaveBeenCalledWith('timeout', 1000);
  });
});
