import { describeValue as describe } from '../shared/messages.js';
import { parseRuleList, type RuleListError, type RuleProblem } from './rule-list.js';
/**
 * Paths that stay open while the site is closed: health checks, assets, webhooks.
 *
 * Security code, so it fails closed. A request path is first brought to one canonical form
 * (`canonicalPath`); anything that could be read two ways by the gate and by what runs after it
 * (a router, `express.static`, a proxy in front) has no canonical form and is never exempt.
 *
 * Rules are plain strings compared with `===`/`startsWith`, never compiled into regular expressions:
 * - exact: `/healthz` matches `/healthz` and `/healthz/` (one trailing slash, as Express's non-strict
 *   routing treats them alike), case-sensitively (`/HEALTHZ` stays closed);
 * - prefix: `/assets/*` matches `/assets/` and everything below it, at a segment boundary
 *   (`/assets-private/x` and `/assetsx` stay closed). It does NOT match bare `/assets`: add the
 *   exact rule `/assets` too if that should be open.
 *
 * Semicolons: Express and `express.static` treat `;` as an ordinary character, but some servers and
 * proxies read it as a path-parameter delimiter (`/assets/..;/admin`), so a path with `;` (raw or
 * encoded) is never exempt, and rules may not contain one.
 */

/** One rejected rule: which, where in the list (`-1`: not a list), and what is wrong. */
export type PathRuleError = RuleListError<'ERR_INTERMISSION_INVALID_PATH'>;

/** What `checkPathRule` reports for a bad rule. */
export type PathRuleProblem = RuleProblem<'ERR_INTERMISSION_INVALID_PATH'>;

export interface PathMatcher {
  /** How many rules were accepted. */
  readonly size: number;
  /**
   * `true` when `url`, the URL Express is routing (`req.baseUrl + req.url`), names an open path.
   * `strictRouting`: the app's `strict routing` setting, which decides whether `/x/` reaches `/x`.
   * Never throws.
   */
  matches(url: string, strictRouting?: boolean): boolean;
}

/** Kept open unless `allow.defaultPaths` is `false`. */
export const DEFAULT_OPEN_PATHS: readonly string[] = Object.freeze([
  '/healthz',
  '/readyz',
  '/livez',
  '/robots.txt',
  '/favicon.ico',
  '/.well-known/*',
]);

/** Longer paths (before the query) are never exempt, and longer rules are refused. */
const MAX_PATH_LENGTH = 4096;

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const PERCENT = 0x25;
const SEMICOLON = 0x3b;
const QUESTION = 0x3f;
const HASH = 0x23;
const DOT = 0x2e;
const SPACE = 0x20;

/** C0 controls, DEL and C1 controls: never part of a path we exempt. */
function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/**
 * `%2f`/`%2F` (an encoded `/` would change the segments after decoding). Encoded `\` and NUL need no
 * special case: they decode to characters `isSafePath` refuses.
 */
function hasEncodedSlash(path: string): boolean {
  for (let i = path.indexOf('%'); i >= 0 && i + 2 < path.length; i = path.indexOf('%', i + 1)) {
    if (path.charCodeAt(i + 1) === 0x32 && (path.charCodeAt(i + 2) | 0x20) === 0x66) return true;
  }
  return false;
}

/**
 * A decoded path we are willing to compare: starts with `/`, no empty segment (`//`), no segment made
 * only of dots and spaces (`.`, `..`, and `.. `/`...` which Windows reduces to them), no control
 * characters, `\`, `%` (a second layer of encoding) or `;`.
 */
function isSafePath(path: string): boolean {
  const length = path.length;
  if (length === 0 || path.charCodeAt(0) !== SLASH) return false;
  let segmentStart = 1;
  let dotsOnly = true;
  for (let i = 1; i <= length; i++) {
    const c = i < length ? path.charCodeAt(i) : SLASH;
    if (c === SLASH) {
      if (i === segmentStart) {
        // An empty segment is only fine as the very end: one trailing slash.
        if (i !== length) return false;
      } else if (dotsOnly) {
        return false;
      }
      segmentStart = i + 1;
      dotsOnly = true;
    } else if (isControl(c) || c === BACKSLASH || c === PERCENT || c === SEMICOLON) {
      return false;
    } else if (c !== DOT && c !== SPACE) {
      dotsOnly = false;
    }
  }
  return true;
}

/**
 * The path of a request URL as open-path rules see it: query and fragment cut off,
 * percent-escapes decoded exactly once. `undefined` means "this request is never exempt": not a
 * string, empty or too long, not origin-form (`http://host/x`, `*`), a backslash, an encoded slash,
 * a NUL or other control character (raw or encoded), bad percent-encoding or UTF-8, a `%` left after
 * decoding (`%252e`), a `;`, a `.`/`..` segment, or `//`.
 */
export function canonicalPath(url: string): string | undefined {
  if (typeof url !== 'string') return undefined;
  const length = url.length;
  // Origin-form only. In an absolute-form target (`http://host/x`) parseurl finds a path we would
  // have to extract the same way; asterisk-form (`*`) has none. Neither is ever exempt.
  if (length === 0 || url.charCodeAt(0) !== SLASH) return undefined;
  let end = length;
  let encoded = false;
  for (let i = 0; i < length; i++) {
    const c = url.charCodeAt(i);
    // url.parse/parseurl end the path at the first `?` or `#`; so do we. The query may be long.
    if (c === QUESTION || c === HASH) {
      end = i;
      break;
    }
    if (c === PERCENT) encoded = true;
    if (i === MAX_PATH_LENGTH) return undefined;
  }
  let path = end === length ? url : url.slice(0, end);
  if (encoded) {
    if (hasEncodedSlash(path)) return undefined;
    try {
      // Exactly once, like `send`; it throws on bad escapes and invalid or overlong UTF-8.
      path = decodeURIComponent(path);
    } catch {
      return undefined;
    }
  }
  return isSafePath(path) ? path : undefined;
}

// ---------------------------------------------------------------------------------------------
// Rules.

/** A valid rule: an exact path (no trailing slash) or a prefix (ends in `/`). */
export type ParsedPathRule = { kind: 'exact'; path: string } | { kind: 'prefix'; prefix: string };
type ParsedRule = ParsedPathRule;

/** Parses one rule with the grammar of `allow.paths` (also used by `only`). */
export function parsePathRule(input: unknown): ParsedPathRule | PathRuleProblem {
  return parseRule(input);
}

function parseRule(input: unknown): ParsedRule | PathRuleProblem {
  const fail = (reason: string): PathRuleProblem => ({ code: 'ERR_INTERMISSION_INVALID_PATH', reason });
  if (typeof input !== 'string') return fail(`must be a string, got ${describe(input)}; write a path such as "/healthz"`);
  // Surrounding whitespace is trimmed: lists from environment variables are written "a, b".
  const rule = input.trim();
  if (rule === '') return fail('empty rule; remove it, or write a path such as /healthz or /assets/*');
  if (rule.length > MAX_PATH_LENGTH) return fail(`longer than ${MAX_PATH_LENGTH} characters`);
  if (/^[a-z][a-z0-9+.-]*:/i.test(rule)) return fail('write only the path, e.g. /healthz, not a full URL');
  if (rule.charCodeAt(0) !== SLASH) {
    const suggestion = `/${rule.replace(/^[\\/]+/, '')}`;
    const valid = !('code' in parseRule(suggestion));
    return fail(valid ? `must start with '/'; write ${suggestion}` : "must start with '/', e.g. /healthz");
  }
  for (const char of rule) {
    const c = char.codePointAt(0) ?? 0;
    if (c <= SPACE || c === 0x7f || /\s/u.test(char)) return fail('contains whitespace or a control character');
    if (c > 0x7e) {
      const code = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
      return fail(`contains ${code}; rules take visible ASCII only (a copied invisible or look-alike character would never match)`);
    }
  }
  if (rule.includes('?')) {
    return fail(`a query string is not part of the path; write ${rule.slice(0, rule.indexOf('?'))} (queries are ignored when matching)`);
  }
  if (rule.includes('#')) return fail(`a fragment is never sent to the server; write ${rule.slice(0, rule.indexOf('#'))}`);
  if (rule.includes('%')) {
    return fail('percent-escapes are not allowed; requests are decoded before matching, so write the plain characters');
  }
  if (rule.includes('\\')) return fail("a backslash is not a path separator; use '/'");
  if (rule.includes(';'))
    return fail("';' is not allowed: paths containing ';' are never exempt (some servers read it as a parameter delimiter)");
  const star = rule.indexOf('*');
  const isPrefix = rule.endsWith('/*');
  if (star >= 0 && (!isPrefix || star !== rule.length - 1)) {
    return fail("'*' is only allowed as a final '/*' (a prefix rule), e.g. /assets/*");
  }
  if (rule === '/*') return fail("'/*' would open every path; to open the site, turn the gate off instead");
  const path = isPrefix ? rule.slice(0, -1) : rule;
  if (path.includes('//')) return fail(`has an empty segment ('//'); write ${rule.replace(/\/{2,}/g, '/')}`);
  if (path.split('/').some((segment) => segment !== '' && /^\.+$/.test(segment))) {
    return fail("'.' and '..' segments are not allowed; write the path they resolve to");
  }
  if (isPrefix) return { kind: 'prefix', prefix: path };
  // `/healthz/` and `/healthz` are the same exact rule: requests match with or without one trailing slash.
  return { kind: 'exact', path: path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path };
}

/** Says what is wrong with one rule, or `undefined` when it is valid. For config validation. */
export function checkPathRule(rule: unknown): PathRuleProblem | undefined {
  const parsed = parseRule(rule);
  return 'code' in parsed ? parsed : undefined;
}

/** The request target up to its query or fragment, undecoded. */
export function rawPath(url: string): string {
  const query = url.indexOf('?');
  const hash = url.indexOf('#');
  const end = query < 0 ? hash : hash < 0 ? query : Math.min(query, hash);
  return end < 0 ? url : url.slice(0, end);
}

/**
 * Whether the app's `strict routing` can change what `matches(url)` answers: only for a path that
 * ends in `/` (and is not `/`). Reading the setting costs a bypassed request about 3,000 instructions
 * (bench/analysis.md), so the caller reads it only then.
 */
export function dependsOnStrictRouting(url: string): boolean {
  const path = rawPath(url);
  return path.length > 1 && path.charCodeAt(path.length - 1) === SLASH;
}

/** The first segment of a path that starts with `/`: `assets` for `/assets/x` and `/assets`. */
function firstSegment(path: string): string {
  const slash = path.indexOf('/', 1);
  return slash < 0 ? path.slice(1) : path.slice(1, slash);
}

/** Up to this many prefixes, a plain `startsWith` loop beats slicing out the first segment. */
const PREFIX_SCAN_LIMIT = 8;

class CompiledPathMatcher implements PathMatcher {
  readonly size: number;
  readonly #exact: Set<string>;
  /** Every prefix (each ends in `/`), scanned directly when there are few. */
  readonly #prefixList: readonly string[];
  /** Prefixes grouped by their first segment, so a check with many prefixes scans only its group. */
  readonly #prefixGroups: Map<string, string[]> | undefined;
  /** The first segment of every rule: a request whose raw first segment is none of these cannot match. */
  readonly #firstSegments: Set<string>;

  constructor(size: number, exact: Set<string>, prefixes: Map<string, string[]>) {
    this.size = size;
    this.#exact = exact;
    this.#prefixList = [...prefixes.values()].flat();
    this.#prefixGroups = this.#prefixList.length > PREFIX_SCAN_LIMIT ? prefixes : undefined;
    this.#firstSegments = new Set([...exact, ...this.#prefixList].map(firstSegment));
  }

  /**
   * Most requests of a closed site match no rule. When the raw first segment holds no escape it is
   * what decoding would give, so a segment no rule starts with settles it before canonicalisation.
   */
  #cannotMatch(url: string): boolean {
    if (typeof url !== 'string' || url.charCodeAt(0) !== SLASH) return false;
    let end = 1;
    for (; end < url.length; end++) {
      const c = url.charCodeAt(end);
      if (c === SLASH || c === QUESTION || c === HASH) break;
      if (c === PERCENT || c === BACKSLASH) return false;
    }
    return !this.#firstSegments.has(url.slice(1, end));
  }

  matches(url: string, strictRouting = false): boolean {
    if (this.size === 0 || this.#cannotMatch(url)) return false;
    // The decoded form only vets the request; the match itself is on the raw path, because
    // Express's router matches raw paths: `/%68ealthz` decodes to `/healthz` but no `/healthz`
    // route would see it, and it would fall through to a catch-all of the real site.
    if (canonicalPath(url) === undefined) return false;
    const path = rawPath(url);
    const exact = this.#exact;
    if (exact.size > 0) {
      if (exact.has(path)) return true;
      // `/healthz/` reaches the `/healthz` route only while `strict routing` is off.
      const last = path.length - 1;
      if (!strictRouting && last > 0 && path.charCodeAt(last) === SLASH && exact.has(path.slice(0, last))) return true;
    }
    const groups = this.#prefixGroups;
    const candidates = groups === undefined ? this.#prefixList : groups.get(firstSegment(path));
    if (candidates !== undefined) {
      for (const prefix of candidates) if (path.startsWith(prefix)) return true;
    }
    return false;
  }
}

/**
 * Compiles the open-path rules once. Invalid rules are reported in `errors` and left out of the
 * matcher (the caller decides whether to refuse to start); they never widen it.
 */
export function compilePathRules(rules: readonly string[]): { matcher: PathMatcher; errors: PathRuleError[] } {
  const exact = new Set<string>();
  const prefixes = new Map<string, string[]>();
  const { valid, errors } = parseRuleList(rules, parseRule, {
    code: 'ERR_INTERMISSION_INVALID_PATH',
    reason: 'the rules must be an array of strings, e.g. ["/healthz", "/assets/*"]',
  });
  for (const parsed of valid) {
    if (parsed.kind === 'exact') {
      exact.add(parsed.path);
    } else {
      const key = firstSegment(parsed.prefix);
      const group = prefixes.get(key);
      if (group === undefined) prefixes.set(key, [parsed.prefix]);
      else if (!group.includes(parsed.prefix)) group.push(parsed.prefix);
    }
  }
  return { matcher: new CompiledPathMatcher(valid.length, exact, prefixes), errors };
}
