/** Where each code is explained; the file ships with the package. */
const DOCS = 'node_modules/intermission/docs/errors.md';

/** Codes of configuration errors, thrown once by `intermission()` at start-up. */
export type ConfigErrorCode =
  | 'ERR_INTERMISSION_NOT_CALLED'
  | 'ERR_INTERMISSION_UNKNOWN_OPTION'
  | 'ERR_INTERMISSION_INVALID_OPTION'
  | 'ERR_INTERMISSION_INVALID_MODE'
  | 'ERR_INTERMISSION_INVALID_SECRET'
  | 'ERR_INTERMISSION_INVALID_DATE'
  | 'ERR_INTERMISSION_INVALID_NUMBER'
  | 'ERR_INTERMISSION_INVALID_IP'
  | 'ERR_INTERMISSION_INVALID_CIDR'
  | 'ERR_INTERMISSION_INVALID_PATH'
  | 'ERR_INTERMISSION_CONFIG_FILE'
  | 'ERR_INTERMISSION_TEASER_FILE'
  | 'ERR_INTERMISSION_TEMPLATE'
  | 'ERR_INTERMISSION_STORE';

/** Codes of warnings: the setup works but is risky, or something failed at run time and was contained. */
export type WarningCode =
  | 'WRN_INTERMISSION_TRUST_PROXY_ALL'
  | 'WRN_INTERMISSION_FORWARDED_IGNORED'
  | 'WRN_INTERMISSION_PREVIEW_OVER_HTTP'
  | 'WRN_INTERMISSION_TEMPLATE_FAILED'
  | 'WRN_INTERMISSION_TEASER_FAILED'
  | 'WRN_INTERMISSION_BYPASS_FAILED'
  | 'WRN_INTERMISSION_STORE_FAILED';

/** One problem in the configuration: where, what is wrong, and how to fix it. */
export interface ConfigIssue {
  /** The option path (`allow.ips[2]`), environment variable (`INTERMISSION_MODE`) or file it came from. */
  field: string;
  code: ConfigErrorCode;
  /** What is wrong and how to fix it, in one sentence or two. */
  message: string;
}

/**
 * Thrown by `intermission()` when the configuration is invalid. Lists every problem at once, so a
 * deploy fails with the whole list rather than one fix per restart.
 */
export class IntermissionConfigError extends Error {
  override readonly name = 'IntermissionConfigError';
  readonly issues: readonly ConfigIssue[];
  /** The code of the first issue, for `err.code` checks. */
  readonly code: ConfigErrorCode;

  constructor(issues: readonly ConfigIssue[]) {
    const first = issues[0];
    if (!first) throw new TypeError('IntermissionConfigError needs at least one issue');
    const lines = issues.map((issue) => `  - ${issue.field}: ${issue.message} [${issue.code}]`);
    super(
      `Invalid Intermission configuration (${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}):\n` +
        `${lines.join('\n')}\nSee ${DOCS}`,
    );
    this.issues = issues;
    this.code = first.code;
  }
}
