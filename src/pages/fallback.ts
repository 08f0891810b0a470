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
  title: string;
  badge: string;
  heading: string;
  message: string;
  noindex: boolean;
}

function plainPage({ lang, title, badge, heading, message, noindex }: PlainPage): string {
  return (
    '<!doctype html>\n' +
    `<html lang="${escapeHtml(lang)}">\n<head>\n<meta charset="utf-8">\n` +
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

/**
 * The page served when a template throws: no template, no script, the same inline style (so the CSP hash
 * still matches). Never throws.
 */
export function fallbackPage(locals: Pick<PageLocals, 'kind' | 'lang' | 'title' | 'heading' | 'message'>): string {
  try {
    const kind = locals.kind === 'coming-soon' ? 'coming-soon' : 'maintenance';
    const defaults =
      kind === 'coming-soon'
        ? { title: 'Coming soon', heading: 'Coming soon', message: 'Something new is on its way. Check back soon.', badge: 'Coming soon' }
        : {
            title: 'Down for maintenance',
            heading: 'We’ll be back soon',
            message: 'We’re doing some scheduled maintenance. Please check back shortly.',
            badge: 'Scheduled maintenance',
          };
    return plainPage({
      lang: safeString(locals.lang, 'en'),
      title: safeString(locals.title, defaults.title),
      badge: defaults.badge,
      heading: safeString(locals.heading, defaults.heading),
      message: safeString(locals.message, defaults.message),
      noindex: false,
    });
  } catch {
    const text = 'Service unavailable';
    return plainPage({ lang: 'en', title: text, badge: text, heading: text, message: 'Please try again later.', noindex: false });
  }
}

/** A short page in the same look, without a template: e.g. the 403 "preview link expired" page. */
export function noticePage(options: { lang?: string; title: string; message: string }): string {
  const title = safeString(options.title, 'Notice');
  return plainPage({
    lang: safeString(options.lang, 'en'),
    title,
    badge: 'Notice',
    heading: title,
    message: safeString(options.message, ''),
    noindex: true,
  });
}
