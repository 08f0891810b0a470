import { direction, messagesFor, type Messages } from '../i18n/index.js';
import { builtInAssets } from './assets.js';
import type { PageLocals } from './page-locals.js';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/** `value` if it is a string, a number or boolean as text, else `fallback` (never calls an object's `toString`). */
function safeString(value: unknown, fallback: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return fallback;
}

interface PlainPage {
  lang: string;
  dir: 'ltr' | 'rtl';
  title: string;
  badge: string;
  heading: string;
  message: string;
  noindex: boolean;
}

function plainPage({ lang, dir, title, badge, heading, message, noindex }: PlainPage): string {
  return (
    '<!doctype html>\n' +
    `<html lang="${escapeHtml(lang)}"${dir === 'rtl' ? ' dir="rtl"' : ''}>\n<head>\n<meta charset="utf-8">\n` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<meta name="color-scheme" content="light dark">\n' +
    (noindex ? '<meta name="robots" content="noindex">\n' : '') +
    `<title>${escapeHtml(title)}</title>\n<link rel="icon" href="data:,">\n` +
    `<style>${builtInAssets.inlineStyle}</style>\n</head>\n<body>\n<main>\n` +
    '  <section class="card hero" aria-labelledby="heading">\n' +
    `    <p><span class="badge">${escapeHtml(badge)}</span></p>\n` +
    `    <h1 id="heading">${escapeHtml(heading)}</h1>\n` +
    `    <p class="lead">${escapeHtml(message)}</p>\n` +
    '  </section>\n</main>\n</body>\n</html>\n'
  );
}

/** The language a page was asked in: `lang`, its direction and catalogue unless given. */
function languageOf(lang: unknown, dir: unknown, t: Messages | undefined): { lang: string; dir: 'ltr' | 'rtl'; t: Messages } {
  const tag = safeString(lang, 'en');
  return { lang: tag, dir: dir === 'rtl' || dir === 'ltr' ? dir : direction(tag), t: t ?? messagesFor(tag) };
}

/**
 * The page served when a template throws: no template, no script, the same inline style (so the CSP hash
 * still matches), the page's language and direction. Never throws.
 */
export function fallbackPage(locals: Pick<PageLocals, 'kind' | 'lang' | 'dir' | 't' | 'title' | 'heading' | 'message'>): string {
  try {
    const { lang, dir, t } = languageOf(locals.lang, locals.dir, locals.t);
    const maintenance = locals.kind !== 'coming-soon';
    return plainPage({
      lang,
      dir,
      title: safeString(locals.title, t[maintenance ? 'maintenance.title' : 'comingSoon.title']),
      badge: t[maintenance ? 'maintenance.badge' : 'comingSoon.badge'],
      heading: safeString(locals.heading, t[maintenance ? 'maintenance.heading' : 'comingSoon.heading']),
      message: safeString(locals.message, t[maintenance ? 'maintenance.message' : 'comingSoon.message']),
      noindex: false,
    });
  } catch {
    const t = messagesFor('en');
    const text = t['fallback.title'];
    return plainPage({ lang: 'en', dir: 'ltr', title: text, badge: text, heading: text, message: t['fallback.message'], noindex: false });
  }
}

/** A short page in the same look, without a template: e.g. the 403 "preview link expired" page. */
export function noticePage(options: { lang?: string; dir?: 'ltr' | 'rtl'; t?: Messages; title: string; message: string }): string {
  const { lang, dir, t } = languageOf(options.lang, options.dir, options.t);
  const title = safeString(options.title, t['notice.badge']);
  return plainPage({
    lang,
    dir,
    title,
    badge: t['notice.badge'],
    heading: title,
    message: safeString(options.message, ''),
    noindex: true,
  });
}

/** Why a preview link was refused, as the notice page says it. */
export type PreviewRefusal = 'disabled' | 'expired' | 'invalid';

/** The "preview link not valid" page in the visitor's language. */
export function previewNoticePage(language: { lang: string; dir: 'ltr' | 'rtl'; messages: Messages }, reason: PreviewRefusal): string {
  const t = language.messages;
  return noticePage({ lang: language.lang, dir: language.dir, t, title: t['preview.title'], message: t[`preview.${reason}`] });
}
