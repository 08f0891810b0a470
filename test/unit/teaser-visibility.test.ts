// The teaser shows only what a reader of the article would see near its top: no hidden content, and
// no title taken from a heading past the excerpt's cut (issue 12, item 1).
import { describe, expect, it } from 'vitest';
import { extractTeaser } from '../../src/teaser/extract.js';
import { hiddenByStyle, isHiddenElement } from '../../src/teaser/hidden-content.js';
import { htmlToText, MAX_HTML_DEPTH } from '../../src/teaser/html-text.js';
import { MAX_CONTENT_CHARS, normalizeTeaser } from '../../src/teaser/normalize.js';
import type { Teaser, TeaserFormat } from '../../src/types.js';

const ELLIPSIS = '\u2026';
const words = (n: number, word = 'word'): string => Array.from({ length: n }, (_, i) => `${word}${i + 1}`).join(' ');

/** Every field of the teaser, so a secret in any of them (title included) is caught. */
function expectNoSecret(teaser: Teaser): void {
  expect(JSON.stringify(teaser)).not.toMatch(/secret/i);
}

describe('isHiddenElement', () => {
  it.each([
    ['div', {}, false],
    ['p', { class: 'hidden', id: 'hidden' }, false],
    ['div', { hidden: '' }, true],
    ['div', { hidden: 'hidden' }, true],
    ['div', { hidden: 'false' }, true], // a boolean attribute: any value means hidden
    ['div', { hidden: 'until-found' }, true],
    ['span', { 'aria-hidden': 'true' }, true],
    ['span', { 'aria-hidden': ' TRUE ' }, true],
    ['span', { 'aria-hidden': 'false' }, false],
    ['span', { 'aria-hidden': '' }, false],
    ['details', {}, true],
    ['details', { open: '' }, false],
    ['dialog', {}, true],
    ['dialog', { open: 'open' }, false],
    ['summary', {}, false], // hidden through its <details>, not by itself
    ...['script', 'style', 'template', 'noscript', 'head', 'title', 'datalist'].map((name) => [name, {}, true] as const),
    ['div', { style: 'display:none' }, true],
    ['div', { style: 'color: red' }, false],
  ] as const)('<%s %j> → %s', (name, attribs, hidden) => {
    expect(isHiddenElement(name, attribs)).toBe(hidden);
  });

  it('reads own attributes only, and works on null-prototype records', () => {
    expect(isHiddenElement('div', Object.create({ hidden: '' }) as Record<string, string>)).toBe(false);
    expect(isHiddenElement('div', Object.assign(Object.create(null) as Record<string, string>, { hidden: '' }))).toBe(true);
  });
});

describe('hiddenByStyle', () => {
  it.each([
    ['display:none', true],
    ['DISPLAY : none !important', true],
    ['display: NONE ! important', true],
    ['  display\t:\n none  ', true],
    ['color: red; display: none; margin: 0', true],
    ['display:/* comment */none', true],
    ['/* a */display/* b */:/* c */none/* d */', true],
    ['display:none/* unclosed comment', true],
    // When in doubt, hidden: a later declaration does not bring it back.
    ['display:none; display:block', true],
    ['visibility:hidden', true],
    ['Visibility: Collapse', true],
    ['content-visibility: hidden', true],
    ['display: block', false],
    ['display: inline-block; visibility: visible', false],
    ['/* display:none */ color: red', false],
    ['display:nonex', false],
    ['x-display:none', false],
    ['display', false],
    ['', false],
    [';;;', false],
  ])('%j → %s', (style, hidden) => {
    expect(hiddenByStyle(style)).toBe(hidden);
  });
});

describe('extractTeaser: hidden content never reaches the teaser', () => {
  it.each([
    { name: 'hidden=""', html: '<p>Lead <span hidden="">SECRET</span> text</p>', excerpt: 'Lead text' },
    { name: 'bare hidden', html: '<p>Lead <span hidden>SECRET</span> text</p>', excerpt: 'Lead text' },
    { name: 'upper-case HIDDEN', html: '<P>Lead <SPAN HIDDEN>SECRET</SPAN> text</P>', excerpt: 'Lead text' },
    { name: 'mixed-case Hidden="Hidden"', html: '<p>Lead <Span Hidden="Hidden">SECRET</Span> text</p>', excerpt: 'Lead text' },
    { name: 'aria-hidden="true"', html: '<p>Lead <span aria-hidden="true">SECRET</span> text</p>', excerpt: 'Lead text' },
    { name: 'ARIA-HIDDEN="True"', html: '<p>Lead <span ARIA-HIDDEN="True">SECRET</span> text</p>', excerpt: 'Lead text' },
    {
      name: 'style="DISPLAY : none !important"',
      html: '<p>Lead <span style="DISPLAY : none !important">SECRET</span> text</p>',
      excerpt: 'Lead text',
    },
    { name: 'STYLE="Visibility:Hidden"', html: '<p>Lead <span STYLE="Visibility:Hidden">SECRET</span> text</p>', excerpt: 'Lead text' },
    {
      name: 'display:none after other declarations',
      html: "<p>Lead <span style='color:red;font-weight:bold; display:none'>SECRET</span> text</p>",
      excerpt: 'Lead text',
    },
    {
      name: 'display:none spelt with an entity',
      html: '<p>Lead <span style="display&#58;&#110;one">SECRET</span> text</p>',
      excerpt: 'Lead text',
    },
    { name: 'unquoted style', html: '<p>Lead <span style=display:none>SECRET</span> text</p>', excerpt: 'Lead text' },
    {
      name: 'nested hidden elements, hidden inside hidden',
      html: '<div hidden><div><p>SECRET <b>deep <i hidden>SECRET</i></b></p></div></div><p>After</p>',
      excerpt: 'After',
    },
    {
      name: 'a visible element inside a hidden one stays hidden',
      html: '<div style="display:none"><div style="display:block" aria-hidden="false">SECRET</div></div><p>After</p>',
      excerpt: 'After',
    },
    {
      name: 'hidden inside visible inline markup',
      html: '<p>One <em>two <span hidden>SECRET</span> three</em> four</p>',
      excerpt: 'One two three four',
    },
    {
      name: '<details> with its <summary>',
      html: '<p>Before</p><details><summary>SECRET label</summary><p>SECRET answer</p></details><p>After</p>',
      excerpt: 'Before After',
    },
    { name: '<DETAILS> in capitals', html: '<p>Before</p><DETAILS><SUMMARY>SECRET</SUMMARY>SECRET</DETAILS>', excerpt: 'Before' },
    { name: 'a closed <dialog>', html: '<p>Before</p><dialog><p>SECRET</p></dialog>', excerpt: 'Before' },
    {
      name: '<template>, <script>, <style>, <noscript> and comments',
      html: '<p>A</p><template><p>SECRET</p></template><script>var s = "SECRET";</script><style>.secret{}</style><noscript>SECRET</noscript><!-- SECRET --><p>B</p>',
      excerpt: 'A B',
    },
    {
      name: '<head> with its title',
      html: '<html><head><title>SECRET</title><meta name="x" content="SECRET"></head><body><p>Body text</p></body></html>',
      excerpt: 'Body text',
    },
    {
      name: 'a hidden void element hides nothing after it',
      html: '<p>Lead <img hidden src="x.png" alt="SECRET"> shown</p>',
      excerpt: 'Lead shown',
    },
    { name: 'an unclosed hidden block runs to the end', html: '<p>Lead</p><div hidden><p>SECRET<p>SECRET', excerpt: 'Lead' },
    {
      name: 'an unclosed hidden <span> ends with its paragraph, as in browsers',
      html: '<p>Lead <span hidden>SECRET</p><p>Shown</p>',
      excerpt: 'Lead Shown',
    },
    {
      name: 'an unclosed hidden <b> is re-opened by browsers: the rest is left out',
      html: '<p>Lead <b hidden>SECRET</p><p>SECRET too</p><ul><li>SECRET</li></ul>',
      excerpt: 'Lead',
    },
    { name: 'a stray closing tag does not end the hidden element', html: '<span hidden>SECRET</div>SECRET</span>Shown', excerpt: 'Shown' },
    {
      name: 'entities around and inside hidden text',
      html: '<p>Tom &amp; Jerry <span hidden>&lt;b&gt;SECRET&lt;/b&gt; &#83;ECRET</span>&mdash; fin&#8230;</p>',
      excerpt: 'Tom & Jerry \u2014 fin\u2026',
    },
  ])('html: $name', ({ html, excerpt }) => {
    const teaser = extractTeaser(html, { format: 'html' });
    expect(teaser.excerpt).toBe(excerpt);
    expectNoSecret(teaser);
  });

  it.each([
    { name: 'inline hidden HTML', source: 'Lead <span hidden>SECRET</span> text.', excerpt: 'Lead text.' },
    { name: 'inline style in capitals', source: 'Lead <SPAN STYLE="Display:None">SECRET</SPAN> text.', excerpt: 'Lead text.' },
    {
      name: 'a hidden block holding Markdown',
      source: '<div hidden>\n\n# SECRET heading\n\nSECRET **paragraph**\n\n</div>\n\nVisible text.',
      excerpt: 'Visible text.',
    },
    {
      name: '<details> holding Markdown',
      source: 'Before.\n\n<details>\n<summary>SECRET</summary>\n\nSECRET *answer*\n\n</details>\n\nAfter.',
      excerpt: 'Before. After.',
    },
    { name: 'an HTML comment', source: 'Before <!-- SECRET --> after.\n\n<!--\nSECRET\n-->\n\nEnd.', excerpt: 'Before after. End.' },
    { name: 'a script block', source: 'Before.\n\n<script>\nSECRET()\n</script>\n\nAfter.', excerpt: 'Before. After.' },
    { name: 'an unclosed hidden element', source: 'Lead.\n\n<div hidden>\n\nSECRET\n\nSECRET', excerpt: 'Lead.' },
  ])('markdown: $name', ({ source, excerpt }) => {
    const teaser = extractTeaser(source);
    expect(teaser.excerpt).toBe(excerpt);
    expectNoSecret(teaser);
  });

  it('shows a <details open>: its content is on screen', () => {
    const teaser = extractTeaser('<details open><summary>Label</summary><p>Body</p></details>', { format: 'html' });
    expect(teaser.excerpt).toBe('Label Body');
  });

  it('hidden words do not use up the word budget', () => {
    const html = `<p><span hidden>${words(20, 'secret')}</span> one two three four</p>`;
    const teaser = extractTeaser(html, { format: 'html', words: 2 });
    expect(teaser.excerpt).toBe(`one two${ELLIPSIS}`);
    expectNoSecret(teaser);
  });

  it('a <!--more--> inside hidden content is not the marker', () => {
    const teaser = extractTeaser('<p>Lead</p><div hidden><!--more--></div><p>Rest</p>', { format: 'html' });
    expect(teaser.excerpt).toBe('Lead Rest');
  });

  it('hidden text is not counted in the word count or reading time', () => {
    const html = `<p>one two</p><div hidden>${words(300)}</div><details>${words(300)}</details><!-- ${words(300)} -->`;
    expect(extractTeaser(html, { format: 'html' })).toEqual({ excerpt: 'one two', wordCount: 2, readingMinutes: 1 });
  });

  it('an article that is all hidden gives an empty teaser', () => {
    expect(extractTeaser('<body hidden><h1>SECRET</h1><p>SECRET</p></body>', { format: 'html' })).toEqual({});
  });

  it('front matter title and excerpt in HTML drop hidden parts too', () => {
    const source =
      '---\ntitle: Launch <span hidden>SECRET</span> day\nexcerpt: Short <b style="display:none">SECRET</b> note\n---\n<p>Body</p>';
    const teaser = extractTeaser(source, { format: 'html' });
    expect(teaser).toMatchObject({ title: 'Launch day', excerpt: 'Short note' });
    expectNoSecret(teaser);
  });

  it('when marked fails (deep `>` nesting), hidden HTML in the source still stays out', () => {
    const teaser = extractTeaser(`${'>'.repeat(10_000)} <span hidden>SECRET</span> shown`);
    // The `>` are still there: marked did fail and the source was read as HTML.
    expect(teaser.excerpt).toMatch(/^>{100}/);
    // `>>>…` is no word; `shown` is the only one, so the hidden one was dropped, not just cut off.
    expect(teaser.wordCount).toBe(1);
    expect(teaser.excerpt).not.toContain('<span');
    expectNoSecret(teaser);
  });

  it('plain text has no markup, so nothing in it is hidden', () => {
    expect(extractTeaser('<span hidden>visible as text</span>', { format: 'text' }).excerpt).toBe('<span hidden>visible as text</span>');
  });
});

describe('extractTeaser: the title comes from before the excerpt’s cut', () => {
  it.each([
    {
      name: 'an <h1> past the 55-word cut is not the title',
      source: `${words(60)}\n\n# SECRET title\n\nMore.`,
      title: undefined,
      excerpt: `${words(55)}${ELLIPSIS}`,
    },
    {
      name: 'a subheading past the cut is not the title either',
      source: `${words(60)}\n\n## SECRET section\n\nMore.`,
      title: undefined,
      excerpt: `${words(55)}${ELLIPSIS}`,
    },
    {
      name: 'an <h1> after <!--more--> loses to a subheading before it',
      source: '## Kicker\n\nLead.\n\n<!--more-->\n\n# SECRET title\n\nBody.',
      title: 'Kicker',
      excerpt: `Lead. ${ELLIPSIS}`,
    },
    {
      name: 'a heading only after <!--more-->: no title',
      source: 'Lead paragraph.\n\n<!--more-->\n\n# SECRET title\n\n## SECRET section\n\nBody.',
      title: undefined,
      excerpt: `Lead paragraph. ${ELLIPSIS}`,
    },
    {
      name: 'a <!--more--> at the very top: the word cut applies',
      source: '<!--more-->\n\n# Title\n\nBody.',
      title: 'Title',
      excerpt: 'Body.',
    },
    {
      name: 'the heading that holds the last word before the cut counts',
      source: 'one two\n\n# Three four\n\nfive six',
      words: 3,
      title: 'Three four',
      excerpt: `one two five${ELLIPSIS}`,
    },
    {
      name: 'the heading that starts just after the cut does not',
      source: 'one two three\n\n# SECRET four\n\nfive six',
      words: 3,
      title: undefined,
      excerpt: `one two three${ELLIPSIS}`,
    },
    {
      name: 'a short article has no cut: its heading is the title',
      source: `${words(20)}\n\n# Closing title`,
      title: 'Closing title',
      excerpt: words(20),
    },
  ])('$name', ({ source, words: n, title, excerpt }) => {
    const teaser = extractTeaser(source, { words: n });
    expect(teaser.title).toBe(title);
    expect(teaser.excerpt).toBe(excerpt);
    expectNoSecret(teaser);
  });

  it('`words` moves the cut, and the title with it', () => {
    const source = `${words(10)}\n\n# Late heading\n\nTail.`;
    expect(extractTeaser(source, { words: 5 }).title).toBeUndefined();
    expect(extractTeaser(source, { words: 20 }).title).toBe('Late heading');
  });

  it.each<{ name: string; source: string; format: TeaserFormat }>([
    { name: 'html', source: '<h1 hidden>SECRET</h1><h2>Visible</h2><p>Body</p>', format: 'html' },
    { name: 'html, display:none', source: '<H1 STYLE="display : none">SECRET</H1><h2>Visible</h2><p>Body</p>', format: 'html' },
    { name: 'markdown', source: '<h1 hidden>SECRET</h1>\n\n## Visible\n\nBody', format: 'markdown' },
    { name: 'markdown, in a <details>', source: '<details>\n\n# SECRET\n\n</details>\n\n## Visible\n\nBody', format: 'markdown' },
  ])('a hidden heading before the cut is never the title ($name)', ({ source, format }) => {
    const teaser = extractTeaser(source, { format });
    expect(teaser).toMatchObject({ title: 'Visible', excerpt: 'Body' });
    expectNoSecret(teaser);
  });

  it('a hidden part of a heading is left out of the title', () => {
    expect(extractTeaser('<h1>Launch <span hidden>SECRET</span>day</h1><p>Body</p>', { format: 'html' }).title).toBe('Launch day');
  });

  it('the front matter title still wins, wherever the headings are', () => {
    expect(extractTeaser(`---\ntitle: Given\n---\n${words(60)}\n\n# Later`).title).toBe('Given');
  });

  it('normalizeTeaser: content with a heading past the cut gives no title; an explicit title is kept', () => {
    const content = `${words(60)}\n\n# SECRET title`;
    expect(normalizeTeaser({ content })).not.toHaveProperty('title');
    expect(normalizeTeaser({ content, title: 'Explicit' })?.title).toBe('Explicit');
  });
});

describe('huge inputs stay bounded', () => {
  // Each of these took minutes with the regexes and the unbounded nesting they replace, and would
  // then fail the time check; linear code does each in well under a second.
  const withinSeconds = (run: () => Teaser | undefined): Teaser | undefined => {
    const started = performance.now();
    const teaser = run();
    expect(performance.now() - started).toBeLessThan(10_000);
    return teaser;
  };

  it('a long run of punctuation before <!--more-->', () => {
    const teaser = withinSeconds(() => extractTeaser(`${', '.repeat(100_000)}a\n\n<!--more-->\n\nrest`));
    expect(teaser?.excerpt?.length).toBeLessThanOrEqual(1000);
  });

  it('many unclosed <!--more in plain text', () => {
    const teaser = withinSeconds(() => extractTeaser('<!--more '.repeat(90_000), { format: 'text' }));
    expect(teaser?.excerpt?.length).toBeLessThanOrEqual(1000);
  });

  it('a style attribute of unclosed comments and empty declarations', () => {
    const teaser = withinSeconds(() => extractTeaser(`<p style="${'/*;display:'.repeat(50_000)}">shown</p>`, { format: 'html' }));
    expect(teaser?.excerpt).toBe('shown');
  });

  it.each([
    ['nested hidden spans', '<span hidden>'],
    ['nested visible divs', '<div>x '],
    ['nested details', '<details><summary>s</summary>'],
  ])('%s up to the content cap, through normalizeTeaser', (_name, unit) => {
    const content = unit.repeat(Math.floor(MAX_CONTENT_CHARS / unit.length));
    const teaser = withinSeconds(() => normalizeTeaser({ content, format: 'html' }));
    expect(teaser?.excerpt?.length ?? 0).toBeLessThanOrEqual(1000);
    expect(teaser?.wordCount ?? 0).toBeLessThanOrEqual(MAX_HTML_DEPTH);
  });

  it(`reads up to ${MAX_HTML_DEPTH} levels of nesting, and leaves out everything past them`, () => {
    expect(htmlToText(`${'<div>'.repeat(MAX_HTML_DEPTH)}shallow`).text.trim()).toBe('shallow');
    expect(htmlToText(`${'<div>'.repeat(MAX_HTML_DEPTH + 1)}SECRET`).text.trim()).toBe('');
    expect(
      htmlToText(`<p>kept</p>${'<b>'.repeat(MAX_HTML_DEPTH + 1)}SECRET${'</b>'.repeat(MAX_HTML_DEPTH + 1)}<p>SECRET</p>`).text.trim(),
    ).toBe('kept');
  });
});
