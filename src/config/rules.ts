import type { ConfigIssue } from '../errors.js';
import { admittedSpace } from '../bypass/ip-rule-parse.js';
import { compileIpRules } from '../bypass/ip-rules.js';
import { compileOnlyPaths } from '../bypass/only-paths.js';
import { compilePathRules } from '../bypass/path-rules.js';
import { MIN_SECRET_LENGTH } from '../shared/limits.js';
import { SECRET_FIX } from './issues.js';
import { isPlainObject, strings } from './plain-object.js';

/**
 * Checks secrets, IP and path rules in one layer: the schema knows their types, these know their
 * grammar (the same compilers the gate uses). Runs on the raw layer, so their problems are listed
 * even when the schema found others.
 */
export function checkRules(raw: unknown, name: (path: string) => string): ConfigIssue[] {
  if (!isPlainObject(raw)) return [];
  const issues: ConfigIssue[] = [];
  const secret = raw.secret;
  const secrets = typeof secret === 'string' ? [secret] : strings(secret);
  secrets.forEach((value, index) => {
    if (value.length < MIN_SECRET_LENGTH) {
      issues.push({
        field: name(Array.isArray(secret) ? `secret[${index}]` : 'secret'),
        code: 'ERR_INTERMISSION_INVALID_SECRET',
        message: `is ${value.length} characters long; ${SECRET_FIX}`,
      });
    }
  });
  const allow = isPlainObject(raw.allow) ? raw.allow : {};
  const ips = strings(allow.ips);
  for (const error of compileIpRules(ips).errors) {
    issues.push({ field: name(`allow.ips[${error.index}]`), code: error.code, message: `${JSON.stringify(error.rule)}: ${error.reason}` });
  }
  ips.forEach((rule, index) => {
    if (admitsEveryone(rule)) {
      issues.push({
        field: name(`allow.ips[${index}]`),
        code: 'ERR_INTERMISSION_INVALID_CIDR',
        message: `${JSON.stringify(rule)} admits every IPv4 or every IPv6 client, which opens the site to all; list your admins' addresses, or use mode "off"`,
      });
    }
  });
  // Rules that only together cover a whole space (0.0.0.0/1 + 128.0.0.0/1) open the site just as wide.
  const together = admittedSpace(ips);
  if (together !== undefined && !ips.some(admitsEveryone)) {
    issues.push({
      field: name('allow.ips'),
      code: 'ERR_INTERMISSION_INVALID_CIDR',
      message: `together the rules admit every ${together} client, which opens the site to all; list your admins' addresses, or use mode "off"`,
    });
  }
  for (const error of compilePathRules(strings(allow.paths)).errors) {
    issues.push({
      field: name(`allow.paths[${error.index}]`),
      code: error.code,
      message: `${JSON.stringify(error.rule)}: ${error.reason}`,
    });
  }
  issues.push(...checkOnly(raw.only, name));
  return issues;
}

/** `only` must name at least one valid path: an empty list would close nothing, which is never meant. */
function checkOnly(only: unknown, name: (path: string) => string): ConfigIssue[] {
  if (!Array.isArray(only)) return [];
  if (only.length === 0) {
    return [
      {
        field: name('only'),
        code: 'ERR_INTERMISSION_INVALID_PATH',
        message: 'is empty, which would close nothing; list the paths to close (e.g. ["/blog/*"]), or remove `only` to close every path',
      },
    ];
  }
  return compileOnlyPaths(strings(only)).errors.map((error) => ({
    field: name(`only[${error.index}]`),
    code: error.code,
    message: `${JSON.stringify(error.rule)}: ${error.reason}`,
  }));
}

/** A rule covering the whole IPv4 space (`0.0.0.0/0`, `::ffff:0:0/96`, `::/0`) or the whole IPv6 space. */
function admitsEveryone(rule: string): boolean {
  return admittedSpace([rule]) !== undefined;
}

/**
 * An exact open path that is also the preview path never reaches the app: the preview endpoint
 * answers first, in every mode (a health check at `/healthz` would get a redirect). Checked on the
 * merged config, since the two may come from different layers.
 */
export function checkPreviewPath(previewPath: string, openPaths: readonly string[], defaults: readonly string[]): ConfigIssue[] {
  const bare = (path: string): string => (path.length > 1 ? path.replace(/\/$/, '') : path);
  const clash = openPaths.find((rule) => !rule.endsWith('/*') && bare(rule) === bare(previewPath));
  if (clash === undefined) return [];
  const where = defaults.includes(clash)
    ? 'a default open path (allow.defaultPaths)'
    : `the open path ${JSON.stringify(clash)} in allow.paths`;
  return [
    {
      field: 'previewPath',
      code: 'ERR_INTERMISSION_INVALID_PATH',
      message: `${JSON.stringify(previewPath)} is also ${where}, which would stop reaching the app; use a path of its own, like /__intermission/preview`,
    },
  ];
}
