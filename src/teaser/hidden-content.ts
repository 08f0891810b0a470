// Which elements a reader never sees, decided from the element alone: the teaser must not show what
// the article hides. Stylesheets and classes are not evaluated (no CSS engine here): only the
// `hidden` attribute, `aria-hidden="true"`, an inline `style`, and elements hidden by their nature.

/** Elements whose content is never prose a reader sees in the article body. */
const NEVER_SHOWN = new Set([
  'script',
  'style',
  'template',
  'noscript',
  'head',
  'title',
  'svg',
  'math',
  'iframe',
  'object',
  'canvas',
  'audio',
  'video',
  'select',
  'textarea',
  'datalist',
]);

/** Elements that show their content only with an `open` attribute. */
const SHOWN_WHEN_OPEN = new Set(['details', 'dialog']);

/**
 * Whether an element and everything inside it is not shown to readers. `attribs` as htmlparser2
 * gives them: names lower-cased, values with entities decoded.
 *
 * - `<script>`, `<style>`, `<template>`, `<noscript>`, `<head>` and other non-prose elements.
 * - `<details>` and `<dialog>` without `open`, `<summary>` included: a collapsed block is content the
 *   author chose not to show up front (spoilers, answers), and its summary alone is a label for it.
 * - The `hidden` attribute with any value (`hidden="until-found"` too), `aria-hidden="true"`.
 * - An inline `style` with `display: none`, `visibility: hidden`/`collapse` or
 *   `content-visibility: hidden`, whatever the case, spacing, CSS comments or `!important`.
 */
export function isHiddenElement(name: string, attribs: Readonly<Record<string, string>>): boolean {
  if (NEVER_SHOWN.has(name)) return true;
  if (SHOWN_WHEN_OPEN.has(name) && !Object.hasOwn(attribs, 'open')) return true;
  if (Object.hasOwn(attribs, 'hidden')) return true;
  if (Object.hasOwn(attribs, 'aria-hidden') && attribs['aria-hidden']?.trim().toLowerCase() === 'true') return true;
  const style = Object.hasOwn(attribs, 'style') ? attribs.style : undefined;
  return style !== undefined && hiddenByStyle(style);
}

const HIDING_VALUES: Readonly<Record<string, readonly string[]>> = {
  display: ['none'],
  visibility: ['hidden', 'collapse'],
  'content-visibility': ['hidden'],
};

/**
 * Whether an inline style hides its element. Any hiding declaration counts, even one a later
 * declaration overrides: when in doubt the text stays out of the teaser (CSS also keeps an earlier
 * `display:none` when the later value is invalid, which this need not judge).
 */
export function hiddenByStyle(style: string): boolean {
  for (const declaration of withoutCssComments(style).split(';')) {
    const colon = declaration.indexOf(':');
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    if (!Object.hasOwn(HIDING_VALUES, property)) continue;
    // Whitespace never matters inside these keywords, and `! important` is valid CSS.
    let value = declaration
      .slice(colon + 1)
      .replace(/\s+/g, '')
      .toLowerCase();
    if (value.endsWith('!important')) value = value.slice(0, -'!important'.length);
    if (HIDING_VALUES[property]?.includes(value)) return true;
  }
  return false;
}

/** CSS text without its comments, in linear time; an unclosed comment runs to the end (as in CSS). */
function withoutCssComments(css: string): string {
  let start = css.indexOf('/*');
  if (start < 0) return css;
  let out = '';
  let from = 0;
  while (start >= 0) {
    out += css.slice(from, start);
    const end = css.indexOf('*/', start + 2);
    if (end < 0) return out;
    from = end + 2;
    start = css.indexOf('/*', from);
  }
  return out + css.slice(from);
}
