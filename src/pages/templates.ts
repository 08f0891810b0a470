import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import ejs from 'ejs';
import { IntermissionError } from '../errors.js';
import { direction, messagesFor, readingTimeText } from '../i18n/index.js';
import { builtInViewsDir } from './assets.js';
import type { PageKind, PageLocals } from './page-locals.js';

export interface Templates {
  /** Renders a page. May throw (a user template can): the caller falls back to `fallbackPage`. */
  render(kind: PageKind, locals: PageLocals): string;
}

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

type TemplateFn = (data: Record<string, unknown>) => string;
/** What templates call: their arguments are whatever the template code passes. */
type Include = (name: unknown, data?: unknown) => string;

interface EjsModule {
  compile(text: string, options: Record<string, unknown>): TemplateFn;
  resolveInclude(name: string, filename: string, isDir?: boolean): string;
}

const ejsModule = ejs as unknown as EjsModule;

/**
 * Every option that ejs would otherwise take from its module-wide settings (`ejs.delimiter`,
 * `ejs.localsName`…), so a host app that changes them for its own views does not change ours.
 */
const COMPILE_OPTIONS = {
  delimiter: '%',
  openDelimiter: '<',
  closeDelimiter: '>',
  localsName: 'locals',
  strict: false,
} as const;

/** Includes a template name resolves to, but not listed literally, are compiled on first use up to this many. */
const DYNAMIC_INCLUDE_LIMIT = 64;

/** One template file, compiled once, with the partials it includes already resolved and compiled. */
interface CompiledFile {
  file: string;
  fn: TemplateFn;
  /** `include()` name → compiled partial, for this file's directory. */
  includes: Map<string, CompiledFile>;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where ejs would find `include(name)` from `from`: an absolute name as is, else next to `from`, else in
 * the built-in views (so a user template may `include('partials/head')`).
 */
function resolveInclude(name: string, from: string, builtIn: string): string | undefined {
  if (isAbsolute(name)) {
    const file = ejsModule.resolveInclude(name.replace(/^\/+/, ''), '/', true);
    return existsSync(file) ? file : undefined;
  }
  const beside = ejsModule.resolveInclude(name, from);
  if (existsSync(beside)) return beside;
  const inBuiltIn = ejsModule.resolveInclude(name, builtIn, true);
  return existsSync(inBuiltIn) ? inBuiltIn : undefined;
}

/**
 * Compiles `maintenance.ejs` and `coming-soon.ejs` once. A `viewsDir` overrides the built-in views file by
 * file; includes resolve relative to the including template, then in the built-in views. Throws
 * `TemplateError` for a missing directory or a template (or literally included partial) that cannot be
 * read or compiled.
 *
 * Nothing module-wide in ejs is used: ejs 7 resolves `include()` through the global `ejs.cache` (shared
 * with the host's own views, and maybe cleared or an LRU) or else reads and recompiles the partial on
 * every call. Templates run inside `with (locals)`, so an `include` local shadows ejs's own: each
 * template gets one that serves the partials compiled here.
 */
export function loadTemplates(viewsDir?: string): Templates {
  const builtIn = builtInViewsDir();
  if (!isDirectory(builtIn)) throw new TemplateError(`Built-in views not found at ${builtIn}`, { file: builtIn });
  let userDir: string | undefined;
  if (viewsDir !== undefined) {
    userDir = resolve(viewsDir);
    if (!isDirectory(userDir)) throw new TemplateError(`Views directory not found: ${userDir}`, { file: userDir });
  }

  /** Every file compiled so far, by absolute path: a partial shared by both pages is compiled once. */
  const compiledFiles = new Map<string, CompiledFile>();

  const compileFile = (file: string): CompiledFile => {
    const known = compiledFiles.get(file);
    if (known) return known;
    let text: string;
    try {
      text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    } catch (err) {
      throw new TemplateError(`Cannot read template ${file}: ${errorMessage(err)}`, { file, cause: err });
    }
    let fn: TemplateFn;
    try {
      fn = ejsModule.compile(text, { ...COMPILE_OPTIONS, filename: file });
    } catch (err) {
      throw new TemplateError(`Cannot compile template ${file}: ${errorMessage(err)}`, { file, cause: err });
    }
    const entry: CompiledFile = { file, fn, includes: new Map() };
    // Registered before its partials, so a partial that includes its includer does not loop.
    compiledFiles.set(file, entry);
    // The partials it includes by a literal relative name are compiled now, so their errors show at start-up
    // (a name that is only the start of an expression, `include('partials/' + x)`, is left for render time).
    for (const match of text.matchAll(/\binclude\(\s*(['"])([^'"\n]+)\1\s*[,)]/g)) {
      const name = match[2];
      if (name === undefined || isAbsolute(name) || entry.includes.has(name)) continue;
      const included = resolveInclude(name, file, builtIn);
      if (included === undefined) {
        throw new TemplateError(`Template ${file} includes "${name}", which does not exist`, { file });
      }
      entry.includes.set(name, compileFile(included));
    }
    return entry;
  };

  /** A name computed at render time (or an absolute one): resolved and compiled on first use. */
  const includeAtRender = (from: CompiledFile, name: string): CompiledFile => {
    const file = resolveInclude(name, from.file, builtIn);
    if (file === undefined) throw new Error(`Could not find the include file "${name}" (included from ${from.file})`);
    const entry = compileFile(file);
    if (from.includes.size < DYNAMIC_INCLUDE_LIMIT) from.includes.set(name, entry);
    return entry;
  };

  const run = (entry: CompiledFile, data: Record<string, unknown>): string => {
    const include: Include = (name, extra) => {
      const key = String(name);
      const partial = entry.includes.get(key) ?? includeAtRender(entry, key);
      return run(partial, typeof extra === 'object' && extra !== null ? { ...data, ...extra } : data);
    };
    return entry.fn({ ...data, include });
  };

  const compiled = new Map<PageKind, CompiledFile>();
  for (const kind of KINDS) {
    const userFile = userDir === undefined ? undefined : join(userDir, `${kind}.ejs`);
    const file = userFile !== undefined && existsSync(userFile) ? userFile : join(builtIn, `${kind}.ejs`);
    compiled.set(kind, compileFile(file));
  }

  return {
    render(kind, locals) {
      const entry = compiled.get(kind);
      if (entry === undefined) throw new TemplateError(`Unknown page kind: ${kind}`);
      return run(entry, freshLocals(locals));
    },
  };
}

/** Every key present (optional ones as `undefined`), so templates can name them without a ReferenceError. */
function freshLocals(locals: PageLocals): Record<string, unknown> {
  const t = locals.t ?? messagesFor(locals.lang);
  const minutes = locals.teaser?.readingMinutes;
  return {
    kind: locals.kind,
    lang: locals.lang,
    dir: locals.dir ?? direction(locals.lang),
    t,
    title: locals.title,
    heading: locals.heading,
    message: locals.message,
    statusCode: locals.statusCode,
    until: locals.until,
    launchAt: locals.launchAt,
    countdown: locals.countdown,
    teaser: locals.teaser,
    readingTime: locals.readingTime ?? (minutes !== undefined && minutes > 0 ? readingTimeText(t, minutes, locals.lang) : undefined),
    noindex: locals.noindex,
    nonce: locals.nonce,
    inlineStyle: locals.inlineStyle,
    inlineScript: locals.inlineScript,
    custom: locals.custom,
    signup: locals.signup,
  };
}
