import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import ejs from 'ejs';
import { IntermissionError } from '../errors.js';
import { packageRoot } from '../shared/package-root.js';
import type { Teaser } from '../types.js';

export type PageKind = 'maintenance' | 'coming-soon';

/** The fixed, typed locals every template gets (user templates too). */
export interface PageLocals {
  kind: PageKind;
  lang: string;
  title: string;
  heading: string;
  message: string;
  statusCode: number;
  /** When maintenance ends; `text` is formatted in the page's lang and time zone. */
  until?: { iso: string; text: string };
  /** When the site launches; `text` is formatted in the page's lang and time zone. */
  launchAt?: { iso: string; text: string };
  /** Time left until `launchAt`, at render time. */
  countdown?: { iso: string; days: number; hours: number; minutes: number; text: string };
  teaser?: Teaser;
  noindex: boolean;
  /** CSP nonce for users' own inline scripts and styles. */
  nonce: string;
  inlineStyle: string;
  inlineScript: string;
  /** `PageOptions.locals`. */
  custom: Record<string, unknown>;
}

export interface Templates {
  /** Renders a page. May throw (a user template can): the caller falls back to `fallbackPage`. */
  render(kind: PageKind, locals: PageLocals): string;
}

type Countdown = Exclude<PageLocals['countdown'], undefined>;

/** A template could not be read or compiled at start-up. */
export class TemplateError extends IntermissionError<'ERR_INTERMISSION_TEMPLATE'> {
  override readonly name = 'TemplateError';
  /** The template file or views directory at fault. */
  readonly file: string | undefined;
  constructor(message: string, options?: { file?: string; cause?: unknown }) {
    super('ERR_INTERMISSION_TEMPLATE', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.file = options?.file;
  }
}

const KINDS: readonly PageKind[] = ['maintenance', 'coming-soon'];

/** The built-in `views/` folder, shipped at the package root. */
export function builtInViewsDir(): string {
  return join(packageRoot(), 'views');
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

function loadAssets(): typeof builtInAssets {
  let inlineStyle = '';
  let inlineScript = '';
  try {
    const partials = join(builtInViewsDir(), 'partials');
    inlineStyle = readFileSync(join(partials, 'page.css'), 'utf8');
    inlineScript = readFileSync(join(partials, 'countdown.js'), 'utf8');
  } catch {
    // A broken install: pages stay valid (unstyled) and `loadTemplates()` reports the missing views.
  }
  return { inlineStyle, inlineScript, styleHash: sha256(inlineStyle), scriptHash: sha256(inlineScript) };
}

/**
 * The page CSS and the countdown script, inlined verbatim in every page, with the `'sha256-…'` sources
 * the Content-Security-Policy allows them by.
 */
export const builtInAssets: { inlineStyle: string; inlineScript: string; styleHash: string; scriptHash: string } =
  loadAssets();

// ---------------------------------------------------------------------------------------------------------
// Templates

type TemplateFn = (data: Record<string, unknown>) => string;

/** The shape of `ejs.cache` (ejs's own `Cache`): a template function per absolute file name. */
interface EjsCache {
  set(key: string, value: TemplateFn): void;
  get(key: string): TemplateFn | undefined;
  remove(key: string): void;
  reset(): void;
}

interface EjsModule {
  cache: EjsCache;
  compile(text: string, options: Record<string, unknown>): TemplateFn;
  resolveInclude(name: string, filename: string, isDir?: boolean): string;
}

const ejsModule = ejs as unknown as EjsModule;

function privateCache(): EjsCache {
  const map = new Map<string, TemplateFn>();
  return {
    set: (key, value) => void map.set(key, value),
    get: (key) => map.get(key),
    remove: (key) => void map.delete(key),
    reset: () => map.clear(),
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Compiles `maintenance.ejs` and `coming-soon.ejs` once. A `viewsDir` overrides the built-in views file by
 * file; includes resolve relative to the including template, then in the built-in views (so a user
 * template may `include('partials/head')`). Throws `TemplateError` for a missing directory or a template
 * (or statically included partial) that cannot be read or compiled.
 */
export function loadTemplates(viewsDir?: string): Templates {
  const builtIn = builtInViewsDir();
  if (!isDirectory(builtIn)) throw new TemplateError(`Built-in views not found at ${builtIn}`, { file: builtIn });
  let userDir: string | undefined;
  if (viewsDir !== undefined) {
    userDir = resolve(viewsDir);
    if (!isDirectory(userDir)) throw new TemplateError(`Views directory not found: ${userDir}`, { file: userDir });
  }

  // Included partials are compiled once too, into a cache of our own: ejs's global `ejs.cache` is shared
  // with the application's own ejs views and may be cleared or be an LRU, so it is swapped in only while
  // one of our templates renders (rendering is synchronous, nothing else runs meanwhile).
  const cache = privateCache();
  const options = (filename: string): Record<string, unknown> => ({
    filename,
    cache: true,
    views: [builtIn],
    strict: false,
  });
  const compileFile = (file: string, seen: Set<string>): TemplateFn => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    } catch (err) {
      throw new TemplateError(`Cannot read template ${file}: ${errorMessage(err)}`, { file, cause: err });
    }
    let fn: TemplateFn;
    try {
      fn = ejsModule.compile(text, options(file));
    } catch (err) {
      throw new TemplateError(`Cannot compile template ${file}: ${errorMessage(err)}`, { file, cause: err });
    }
    seen.add(file);
    // Compile the partials it includes by a literal name now, so that their errors show at start-up.
    for (const match of text.matchAll(/\binclude\(\s*(['"])([^'"\n]+)\1/g)) {
      const name = match[2];
      if (name === undefined || isAbsolute(name)) continue;
      const included = resolveInclude(name, file, builtIn);
      if (included === undefined) {
        throw new TemplateError(`Template ${file} includes "${name}", which does not exist`, { file });
      }
      if (seen.has(included)) continue;
      cache.set(included, compileFile(included, seen));
    }
    return fn;
  };

  const compiled = new Map<PageKind, TemplateFn>();
  for (const kind of KINDS) {
    const userFile = userDir === undefined ? undefined : join(userDir, `${kind}.ejs`);
    const file = userFile !== undefined && existsSync(userFile) ? userFile : join(builtIn, `${kind}.ejs`);
    compiled.set(kind, compileFile(file, new Set()));
  }

  return {
    render(kind, locals) {
      const fn = compiled.get(kind);
      if (fn === undefined) throw new TemplateError(`Unknown page kind: ${kind}`);
      const previous = ejsModule.cache;
      ejsModule.cache = cache;
      try {
        return fn(freshLocals(locals));
      } finally {
        ejsModule.cache = previous;
      }
    },
  };
}

/** Where ejs would find `include(name)` from `from`: next to it, else in the built-in views. */
function resolveInclude(name: string, from: string, builtIn: string): string | undefined {
  const beside = ejsModule.resolveInclude(name, from);
  if (existsSync(beside)) return beside;
  const inBuiltIn = ejsModule.resolveInclude(name, builtIn, true);
  return existsSync(inBuiltIn) ? inBuiltIn : undefined;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Every key present (optional ones as `undefined`), so templates can name them without a ReferenceError. */
function freshLocals(locals: PageLocals): Record<string, unknown> {
  return {
    kind: locals.kind,
    lang: locals.lang,
    title: locals.title,
    heading: locals.heading,
    message: locals.message,
    statusCode: locals.statusCode,
    until: locals.until,
    launchAt: locals.launchAt,
    countdown: locals.countdown,
    teaser: locals.teaser,
    noindex: locals.noindex,
    nonce: locals.nonce,
    inlineStyle: locals.inlineStyle,
    inlineScript: locals.inlineScript,
    custom: locals.custom,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Template-free pages

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

// ---------------------------------------------------------------------------------------------------------
// Dates

function dateFormat(lang: string, timeZone: string): Intl.DateTimeFormat {
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
    timeZone,
  };
  try {
    return new Intl.DateTimeFormat(lang, options);
  } catch {
    try {
      return new Intl.DateTimeFormat('en', options);
    } catch {
      return new Intl.DateTimeFormat('en', { ...options, timeZone: 'UTC' });
    }
  }
}

/** `date` as "Tuesday, June 3, 2025 at 2:00 PM UTC" in `lang` and `timeZone` (English / UTC if they are invalid). */
export function formatDate(date: Date, lang: string, timeZone: string): string {
  return dateFormat(lang, timeZone).format(date);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function unitFormat(lang: string, unit: 'day' | 'hour' | 'minute'): Intl.NumberFormat {
  const options: Intl.NumberFormatOptions = { style: 'unit', unit, unitDisplay: 'long' };
  try {
    return new Intl.NumberFormat(lang, options);
  } catch {
    return new Intl.NumberFormat('en', options);
  }
}

function listFormat(lang: string): Intl.ListFormat {
  try {
    return new Intl.ListFormat(lang, { style: 'long', type: 'unit' });
  } catch {
    return new Intl.ListFormat('en', { style: 'long', type: 'unit' });
  }
}

/**
 * Time left from `nowMs` to `targetMs` as whole days, hours and minutes, rounded **up** to the minute (so
 * it never reads "0 minutes" before launch), never negative; `text` names the non-zero units in `lang`
 * ("2 days, 3 hours, 1 minute"; "0 minutes" once the time has come). Pure: plain millisecond arithmetic,
 * so a day is always 24 hours whatever daylight saving does. `iso` is the target instant.
 */
export function countdownParts(
  targetMs: number,
  nowMs: number,
  lang: string,
): PageLocals['countdown'] extends infer C ? Exclude<C, undefined> : never {
  const left = Math.max(0, targetMs - nowMs);
  const total = Math.ceil(left / MINUTE);
  const days = Math.floor(total / (DAY / MINUTE));
  const hours = Math.floor((total % (DAY / MINUTE)) / 60);
  const minutes = total % 60;
  const units = (
    [
      ['day', days],
      ['hour', hours],
      ['minute', minutes],
    ] as const
  ).filter(([, n]) => n > 0);
  const text =
    units.length === 0
      ? unitFormat(lang, 'minute').format(0)
      : listFormat(lang).format(units.map(([unit, n]) => unitFormat(lang, unit).format(n)));
  const iso = Number.isFinite(targetMs) ? new Date(targetMs).toISOString() : new Date(nowMs).toISOString();
  const result: Countdown = { iso, days, hours, minutes, text };
  return result;
}
