import { canonicalPath, parsePathRule, rawPath, type ParsedPathRule, type PathRuleError, type PathRuleProblem } from './path-rules.js';
import { parseRuleList } from './rule-list.js';

/**
 * The `only` option: the paths a gate closes, everything else passing through untouched. Same
 * grammar as `allow.paths` (exact `/blog`, prefix `/blog/*`), read on the closing side, so every
 * doubt closes:
 * - a request path with no canonical form (`/blog/%2e%2e/x`, `//blog`, `/blog;x`, `/a%2fb`, bad
 *   escapes, control characters…) is closed wherever it points, since a proxy or `express.static`
 *   may read it as a closed path;
 * - comparison is case-insensitive (Express routes `/BLOG` to `/blog` unless `case sensitive
 *   routing` is on), and both the raw and the decoded path are tried (the router reads raw paths,
 *   `express.static` decoded ones);
 * - an exact rule closes its path with a trailing slash too, whatever `strict routing` says, and a
 *   prefix `/blog/*` closes the bare `/blog` as well.
 */

export interface OnlyMatcher {
  /** How many rules were accepted; `0` means the option is unused and the gate closes every path. */
  readonly size: number;
  /** `true` when the gate must close `url` (the request target). Never throws. */
  closes(url: string): boolean;
}

function parseOnlyRule(input: unknown): ParsedPathRule | PathRuleProblem {
  if (typeof input === 'string' && input.trim() === '/*') {
    return {
      code: 'ERR_INTERMISSION_INVALID_PATH',
      reason: "'/*' closes every path, which the gate does without `only`; remove the option, or list the sections to close",
    };
  }
  return parsePathRule(input);
}

class CompiledOnlyMatcher implements OnlyMatcher {
  readonly size: number;
  /** Exact paths, lower-cased, without a trailing slash; prefixes lower-cased, each ending in `/`. */
  readonly #exact: Set<string>;
  readonly #prefixes: readonly string[];

  constructor(rules: readonly ParsedPathRule[]) {
    this.size = rules.length;
    this.#exact = new Set();
    const prefixes: string[] = [];
    for (const rule of rules) {
      if (rule.kind === 'exact') this.#exact.add(rule.path.toLowerCase());
      else {
        const prefix = rule.prefix.toLowerCase();
        prefixes.push(prefix);
        // `/blog/*` closes `/blog` too: the section's index page belongs to the section.
        this.#exact.add(prefix.slice(0, -1));
      }
    }
    this.#prefixes = prefixes;
  }

  #covers(path: string): boolean {
    const lower = path.toLowerCase();
    if (this.#exact.has(lower)) return true;
    const last = lower.length - 1;
    if (last > 0 && lower.charCodeAt(last) === 0x2f && this.#exact.has(lower.slice(0, last))) return true;
    for (const prefix of this.#prefixes) if (lower.startsWith(prefix)) return true;
    return false;
  }

  closes(url: string): boolean {
    if (this.size === 0) return true;
    const canonical = canonicalPath(url);
    // Ambiguous: some layer may read it as a closed path, so it is closed.
    if (canonical === undefined) return true;
    if (this.#covers(canonical)) return true;
    const raw = rawPath(url);
    return raw !== canonical && this.#covers(raw);
  }
}

/**
 * Compiles the `only` rules once. Invalid rules are reported in `errors` and left out; the caller
 * refuses to start when there are any, so a typo never opens what was meant to be closed.
 */
export function compileOnlyPaths(rules: readonly string[]): { matcher: OnlyMatcher; errors: PathRuleError[] } {
  const { valid, errors } = parseRuleList(rules, parseOnlyRule, {
    code: 'ERR_INTERMISSION_INVALID_PATH',
    reason: 'must be an array of paths, e.g. ["/blog/*", "/shop/*"]',
  });
  return { matcher: new CompiledOnlyMatcher(valid), errors };
}
