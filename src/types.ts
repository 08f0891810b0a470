import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Server } from 'node:net';
import type { MessageKey } from './i18n/catalogues.js';
import type { SignupOptions } from './signup/options.js';

/** What the gate does: let everyone through, or answer with one of its two pages. */
export type Mode = 'off' | 'maintenance' | 'coming-soon';

/** Why a request went through while the gate was closed. Exposed as `res.locals.intermission.bypass`. */
export type BypassReason = 'ip' | 'path' | 'cookie' | 'custom';

/** Set on `res.locals.intermission` when a request is let through a closed gate. */
export interface BypassInfo {
  mode: Exclude<Mode, 'off'>;
  bypass: BypassReason;
}

/**
 * The article teaser shown on the coming-soon page and in its JSON. Only these fields ever leave the
 * server: the article body never does.
 */
export interface Teaser {
  /** The article's title: front matter `title`, else the first heading before the excerpt's cut (none after it). */
  title?: string;
  /** Plain text, markup stripped, entities decoded; ends with `…` when it was cut. */
  excerpt?: string;
  /** Absolute URL or same-origin path of the teaser image. */
  image?: string;
  /** Alternative text for the image. Default: the title. */
  imageAlt?: string;
  /** Where the article will live once launched. */
  url?: string;
  author?: string;
  /** ISO 8601 date. */
  publishedAt?: string;
  /** Words a reader sees in the whole article: hidden content (`hidden`, `display:none`, closed `<details>`) is not counted. */
  wordCount?: number;
  /** Whole minutes, at least 1, from `wordCount` at 200 words a minute. */
  readingMinutes?: number;
}

/**
 * A teaser given as data. With `content` (the article, Markdown by default), the excerpt, title and
 * reading time are computed from it by the WordPress rules; fields you set win. `content` itself is
 * never served.
 */
export interface TeaserInput extends Teaser {
  content?: string;
  format?: TeaserFormat;
}

/** Source formats `extractTeaser` understands. */
export type TeaserFormat = 'markdown' | 'html' | 'text';

export interface ExtractTeaserOptions {
  /** Default: `'markdown'`. */
  format?: TeaserFormat;
  /** How many words the automatic excerpt keeps. Default: 55 (WordPress's `excerpt_length`). */
  words?: number;
}

/** Returns the teaser for the article the visitor asked for, or `undefined` for the fallback teaser. */
export type TeaserResolver = (req: IncomingMessage) => TeaserInput | undefined | Promise<TeaserInput | undefined>;

/** A teaser read once at start-up from a Markdown (with front matter), HTML or text file. */
export interface TeaserFile {
  file: string;
  /** Default: from the file's extension (`.md`, `.markdown` → markdown; `.html`, `.htm` → html; else text). */
  format?: TeaserFormat;
  /** Words kept in the automatic excerpt. Default: 55. */
  words?: number;
}

/** A custom bypass rule. Return `true` to let the request through. Sync or async; a throw counts as `false`. */
export type BypassPredicate<Req extends IncomingMessage = IncomingMessage> = (req: Req) => boolean | Promise<boolean>;

/** Details attached to a log line; `code` names the event or warning (see docs/errors.md). */
export interface LogDetails {
  code?: string;
  [key: string]: unknown;
}

/** Where Intermission writes. Every method is optional but `warn` and `error`; `console` fits. */
export interface Logger {
  debug?(message: string, details?: LogDetails): void;
  info?(message: string, details?: LogDetails): void;
  warn(message: string, details?: LogDetails): void;
  error(message: string, details?: LogDetails): void;
}

/** A clock: milliseconds since the epoch, or a `Date`. Tests replace it. */
export type Clock = () => number | Date;

export interface AllowOptions {
  /** IPv4 and IPv6 addresses and CIDR ranges matched against `req.ip` (honours `trust proxy`). Default: `[]`. */
  ips?: string[];
  /** Exact paths (`/healthz`) and prefixes (`/assets/*`) that stay open. Default: `[]`. */
  paths?: string[];
  /** Keep `/healthz`, `/readyz`, `/livez`, `/robots.txt`, `/favicon.ico` and `/.well-known/*` open. Default: `true`. */
  defaultPaths?: boolean;
  /** Custom rule, run after the built-in ones. Default: none. */
  bypass?: BypassPredicate;
}

/**
 * The texts of one page. When set they are shown as written, in every language (with `lang: 'auto'`
 * too); translate them per language with `messages` instead.
 */
export interface PageTexts {
  /** `<title>`, at most 300 characters, no control characters. Default: the built-in title in the page's language. */
  title?: string;
  /** The main heading, at most 300 characters, no control characters. Default: the built-in heading in the page's language. */
  heading?: string;
  /** One paragraph under the heading, at most 2000 characters. Default: the built-in sentence in the page's language. */
  message?: string;
}

export interface PageOptions {
  /**
   * `<title>` of both pages, at most 300 characters, no control characters; `maintenance.title` and
   * `'coming-soon'.title` win over it. When set it is shown in every language. Default: the built-in
   * title in the page's language (`'Down for maintenance'` / `'Coming soon'`).
   */
  title?: string;
  /** The main heading of both pages, as `title`. Default: the built-in heading (`'We’ll be back soon'` / `'Coming soon'`). */
  heading?: string;
  /** One paragraph under the heading, as `title`, at most 2000 characters; line feeds and tabs allowed. Default: a built-in sentence that fits the mode. */
  message?: string;
  /** A directory with your own `maintenance.ejs` and/or `coming-soon.ejs`. Default: the built-in views. */
  views?: string;
  /** Extra values for your own templates, available as `custom`. Default: `{}`. */
  locals?: Record<string, unknown>;
  /**
   * Language of the pages (their text, `<html lang dir>`, dates and countdown): a BCP 47 tag of a known
   * language (`'de'`, `'pt-BR'`, `'zh-Hans'`), or `'auto'` to answer each visitor in the best of the
   * built-in languages (and those `messages` adds) for their `Accept-Language`, English when none
   * fits. Built in: en, de, fr, es, it, pt, nl, pl, ja, zh-Hans, ar, he. A language without a catalogue
   * shows English text unless `messages` supplies it. Default: `'en'`.
   */
  lang?: string;
  /**
   * Your own strings, per language tag and message key (the keys of `src/i18n/messages/en.json`); they
   * win over the built-in ones, and a missing one falls back to the built-in text, then English.
   * `{ de: { 'maintenance.heading': 'Gleich zurück' } }`. Default: `{}`.
   */
  messages?: Record<string, Partial<Record<MessageKey, string>>>;
  /** `title`, `heading` and `message` for the maintenance page only; each wins over the mode-less one. Default: `{}`. */
  maintenance?: PageTexts;
  /** `title`, `heading` and `message` for the coming-soon page only; each wins over the mode-less one. Default: `{}`. */
  'coming-soon'?: PageTexts;
  /** Time zone the page shows dates in. Default: `'UTC'`. */
  timeZone?: string;
  /**
   * Origins allowed in the CSP `img-src` besides `'self'` and `data:`: http(s) URLs whose host a CSP
   * source can name (letters, digits, `-`, `.`, an optional leading `*.`). The static teaser image's
   * origin is added for you.
   */
  imageOrigins?: string[];
}

export interface CookieOptions {
  /**
   * Cookie name: 1 to 64 token characters, without a `__Host-` or `__Secure-` prefix, which
   * Intermission adds itself on secure requests (`__Host-`; `__Secure-` for a gate mounted below `/`,
   * whose cookie has `Path` set to the mount). Give every gate of an app its own name.
   * Default: `'intermission_bypass'`.
   */
  name?: string;
  /** Lifetime in **seconds**. Default: 43200 (12 hours). At most 30 days. */
  maxAge?: number;
}

/** Options of `intermission()`. Everything is optional; `undefined` means "use the default". */
export interface IntermissionOptions {
  /** Default: `'off'`. */
  mode?: Mode;
  /** Signs preview links and bypass cookies. At least 32 characters. A list rotates: the first signs, all verify. */
  secret?: string | string[];
  allow?: AllowOptions;
  /**
   * Close only these paths: exact (`/shop`) or prefixes (`/blog/*`, which closes `/blog` too), full
   * paths as in the address bar. Every other request passes through untouched. Matched
   * case-insensitively, and a path that could be read two ways (`/blog/%2e%2e/x`, `//blog`, `;`)
   * counts as closed. `allow` still opens paths inside. Default: every path (no list).
   */
  only?: string[];
  /** Seconds for `Retry-After` when no `until` is known. Default: 3600. */
  retryAfter?: number;
  /** When maintenance ends (ISO 8601 with a time zone, or a `Date`). The site opens by itself then. */
  until?: string | Date;
  /** When the coming-soon site launches. The site opens by itself then. */
  launchAt?: string | Date;
  /** The teaser: an object, a file read at start-up, or a function of the request. */
  teaser?: TeaserInput | TeaserFile | TeaserResolver;
  /** Teaser used when a resolver returns nothing, throws or is too slow. Default: none. */
  fallbackTeaser?: TeaserInput | TeaserFile;
  /** Milliseconds a teaser resolver may take. Default: 250. */
  teaserTimeout?: number;
  page?: PageOptions;
  /**
   * Status of the coming-soon page for GET and HEAD: 200 to 599, one that can carry a page (not 204,
   * 205, 206, a 3xx, 401, 405, 407, 416 or 426). Default: 200.
   */
  statusCode?: number;
  /** Adds `<meta name="robots" content="noindex">` and `X-Robots-Tag: noindex` to both pages. Default: `false`. */
  noindex?: boolean;
  /** Where preview links land: a path of its own (not `/`, not an exact open path). Default: `'/__intermission/preview'`. */
  previewPath?: string;
  /**
   * The launch list: an email form on the coming-soon page, its endpoint, where addresses are stored
   * and the hooks that use them. Off by default; `true` turns it on with the defaults.
   */
  signup?: boolean | SignupOptions;
  cookie?: CookieOptions;
  /** Default: `console` for warnings and errors. `false` silences everything. `debug` and `info`, when present, must be functions. */
  logger?: Logger | false;
  /** Environment variables read at start-up. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** A JSON config file. Default: `INTERMISSION_CONFIG`, else `config/intermission.json` when it exists. `false` reads none. */
  configFile?: string | false;
  /** The clock: epoch milliseconds or a valid `Date` (called once at start-up to check). Default: `Date.now`. */
  now?: Clock;
  /**
   * Where the runtime state lives (`fileStore(path)`, `redisStore({ url })` or your own). Its state,
   * when it holds one, wins over options and env. Default: from `INTERMISSION_STATE_FILE` or
   * `INTERMISSION_REDIS_URL`, else none.
   */
  store?: StateStore;
  /** Milliseconds between reads of a store that cannot push changes (no `subscribe`). Default: 1000. */
  pollInterval?: number;
  /** Called after the effective state changed (a store pushed a change), with the new and previous status. */
  onChange?: (status: IntermissionStatus, previous: IntermissionStatus) => void;
}

/** Where the state in force came from. */
export type StateSource = 'store' | 'env' | 'options' | 'config file' | 'default';

/** What `middleware.status()` and `intermission status` report. Times are ISO 8601. */
export interface IntermissionStatus {
  /** The mode in force now (a window not yet started, or an end passed, reads `off`). */
  mode: Mode;
  /** The mode that was asked for, before the schedule applies. */
  configuredMode: Mode;
  source: StateSource;
  message?: string;
  startsAt?: string;
  until?: string;
  launchAt?: string;
  /** When the stored state was written, and by whom (store only). */
  updatedAt?: string;
  updatedBy?: string;
  previewsValidAfter?: string;
  /** Set while the store cannot be read: the last known state stays in force. */
  storeError?: string;
}

/** The middleware returned by `intermission()`. */
export interface IntermissionMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /** Releases timers and stores. Resolves when done. */
  close(): Promise<void>;
  /** Resolves after the store (if any) was read once. Requests never wait for it. */
  ready(): Promise<void>;
  /** The state in force now and where it came from. */
  status(): IntermissionStatus;
  /**
   * A `node:http` request listener that answers gated requests before Express runs and hands the
   * rest to `app` (which must also mount this middleware): `http.createServer(gate.listener(app))`.
   */
  listener(app: ((req: IncomingMessage, res: ServerResponse) => void) & { get(setting: string): unknown }): RequestListener;
  /**
   * Closes WebSockets too. Upgrade requests never pass Express middleware, so a ws server on a
   * closed site would still answer them. After `gate.upgrade(server)`, while the site is closed, an
   * upgrade the built-in rules (allowed path, admin IP through the app's `trust proxy`, bypass
   * cookie) do not let through gets a `503` with `Retry-After` and its socket closed, and never
   * reaches the server's `upgrade` listeners (added before or after). `allow.bypass` is not asked:
   * it was written for requests that passed your middleware; give `options.bypass` instead. While
   * the site is open, nothing changes. Returns `server`: `gate.upgrade(app.listen(3000))`.
   */
  upgrade<S extends Server>(server: S, options?: UpgradeOptions): S;
}

/** Options of `gate.upgrade(server, options)`. */
export interface UpgradeOptions {
  /**
   * The Express app whose `trust proxy` and `strict routing` apply. Default: the server's request
   * listener when it is an Express app (`http.createServer(app)`, `app.listen()`); without one, no
   * proxy is trusted and IP rules see the socket's address.
   */
  app?: { get(setting: string): unknown };
  /**
   * A custom rule for upgrade requests, run after the built-in ones. It gets the raw
   * `IncomingMessage`: no `req.ip`, no parsed cookies, no session. Only `true` opens; a throw,
   * rejection or 2 s without an answer refuses. Default: none.
   */
  bypass?: BypassPredicate;
}

export interface CreatePreviewTokenOptions {
  /** Seconds the link works. Default: 3600. */
  ttlSeconds?: number;
  /** Same-origin path to land on after the preview cookie is set. Default: `/`. */
  next?: string;
  /** Clock for tests. Default: `Date.now`. */
  now?: Clock;
}

/**
 * The runtime state as stores keep it (a JSON file, a Redis key): what `intermission down` wrote.
 * Times are ISO 8601 strings so the file stays readable and editable by hand.
 */
export interface StoredState {
  mode: Mode;
  /** Replaces the page's message for this window. */
  message?: string;
  /** Seconds for `Retry-After` when no end is known. */
  retryAfter?: number;
  /** Maintenance ends (ISO 8601). */
  until?: string;
  /** Coming soon ends: the launch (ISO 8601). */
  launchAt?: string;
  /** Closed only from this instant on: a window planned ahead (ISO 8601). */
  startsAt?: string;
  /** When this state was written (ISO 8601). */
  updatedAt: string;
  /** Who wrote it (`user@host` from the CLI). */
  updatedBy?: string;
  /** Bypass cookies and preview links issued before this instant stop working (ISO 8601). */
  previewsValidAfter?: string;
}

/**
 * Where the runtime state lives. Only `get` is required; every method may be sync or async.
 *
 * | method | required | what it does |
 * | --- | --- | --- |
 * | `get()` | yes | The current state, or `null` when the store holds none (config and env decide). Throws or rejects when the store cannot answer or holds something invalid: the gate then keeps its last known state. |
 * | `set(state)` | no | Writes a state (used by the CLI and by `gate.set()`). |
 * | `subscribe(onChange, onError)` | no | Calls `onChange` with each new state (or `null`) as it sees it, `onError` when it cannot read; returns an unsubscribe function. Without it, the gate polls `get()`. |
 * | `close()` | no | Releases timers, watchers and connections. |
 */
export interface StateStore {
  get(): StoredState | null | Promise<StoredState | null>;
  set?(state: StoredState): void | Promise<void>;
  subscribe?(onChange: (state: StoredState | null) => void, onError: (error: unknown) => void): (() => void) | Promise<() => void>;
  close?(): void | Promise<void>;
}
