/**
 * Every code the package can throw or log, and the one error class they all share. Each code has a
 * section of docs/errors.md (the file ships with the package) whose anchor is the code in lower case.
 */

/** Where each code is explained. */
export const ERRORS_DOC = 'node_modules/intermission/docs/errors.md';

/** Every message of an Intermission error starts with this, once. */
export const MESSAGE_PREFIX = 'Intermission: ';

/** Codes of configuration errors, thrown once by `intermission()` at start-up. */
export const CONFIG_ERROR_CODES = [
  'ERR_INTERMISSION_NOT_CALLED',
  'ERR_INTERMISSION_UNKNOWN_OPTION',
  'ERR_INTERMISSION_INVALID_OPTION',
  'ERR_INTERMISSION_INVALID_MODE',
  'ERR_INTERMISSION_INVALID_SECRET',
  'ERR_INTERMISSION_INVALID_DATE',
  'ERR_INTERMISSION_INVALID_NUMBER',
  'ERR_INTERMISSION_INVALID_IP',
  'ERR_INTERMISSION_INVALID_CIDR',
  'ERR_INTERMISSION_INVALID_PATH',
  'ERR_INTERMISSION_INVALID_URL',
  'ERR_INTERMISSION_INVALID_COOKIE',
  'ERR_INTERMISSION_INVALID_LANGUAGE',
  'ERR_INTERMISSION_INVALID_MESSAGES',
  'ERR_INTERMISSION_UNKNOWN_MESSAGE',
  'ERR_INTERMISSION_INVALID_MESSAGE',
  'ERR_INTERMISSION_CONFIG_FILE',
  'ERR_INTERMISSION_TEASER_FILE',
  'ERR_INTERMISSION_TEMPLATE',
  'ERR_INTERMISSION_STORE',
] as const;
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** Codes of `StateStoreError`: a store that cannot answer, or holds something that is not a state. */
export const STATE_ERROR_CODES = ['ERR_INTERMISSION_STATE_UNAVAILABLE', 'ERR_INTERMISSION_STATE_INVALID'] as const;
export type StateErrorCode = (typeof STATE_ERROR_CODES)[number];

/**
 * Codes of `SubscriberStoreError` (src/signup/subscriber.ts): a launch list that cannot be reached, or
 * data that is not valid. The CLI reports them with exit 3 and 4.
 */
export const SUBSCRIBER_ERROR_CODES = ['ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE', 'ERR_INTERMISSION_SUBSCRIBERS_INVALID'] as const;
export type SubscriberErrorCode = (typeof SUBSCRIBER_ERROR_CODES)[number];

/** Codes only the CLI reports (it also reports the codes above). */
export const CLI_ERROR_CODES = [
  'ERR_INTERMISSION_STATE_UNKNOWN',
  'ERR_INTERMISSION_USAGE',
  'ERR_INTERMISSION_NO_SECRET',
  'ERR_INTERMISSION_REDIS_MISSING',
  'ERR_INTERMISSION_OUTPUT_FILE',
  'ERR_INTERMISSION_CLI',
] as const;
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

export type ErrorCode = ConfigErrorCode | StateErrorCode | SubscriberErrorCode | CliErrorCode;

/** Codes of warnings: the setup works but is risky, or something failed at run time and was contained. */
export const WARNING_CODES = [
  'WRN_INTERMISSION_TRUST_PROXY_ALL',
  'WRN_INTERMISSION_FORWARDED_IGNORED',
  'WRN_INTERMISSION_PREVIEW_OVER_HTTP',
  'WRN_INTERMISSION_TEMPLATE_FAILED',
  'WRN_INTERMISSION_TEASER_FAILED',
  'WRN_INTERMISSION_BYPASS_FAILED',
  'WRN_INTERMISSION_STORE_FAILED',
  'WRN_INTERMISSION_LISTENER_MOUNTED',
  'WRN_INTERMISSION_SIGNUP_HOOK_FAILED',
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

/** The section of docs/errors.md that explains `code` (its heading's anchor is the code in lower case). */
export function docsLink(code: ErrorCode | WarningCode): string {
  return `${ERRORS_DOC}#${code.toLowerCase()}`;
}

/** `message` without the package prefix, for places that add their own (the CLI, a list of issues). */
export function withoutPrefix(message: string): string {
  return message.startsWith(MESSAGE_PREFIX) ? message.slice(MESSAGE_PREFIX.length) : message;
}

/**
 * The base of every error the package throws: a stable `code`, a `docs` link to the code's section of
 * docs/errors.md, and a message that starts with `Intermission: ` exactly once.
 */
export class IntermissionError<Code extends ErrorCode = ErrorCode> extends Error {
  override readonly name: string = 'IntermissionError';
  readonly code: Code;
  /** The section of docs/errors.md that explains `code`. */
  readonly docs: string;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(MESSAGE_PREFIX + withoutPrefix(message), options);
    this.code = code;
    this.docs = docsLink(code);
  }
}

/** One problem in the configuration: where, what is wrong, and how to fix it. */
export interface ConfigIssue {
  /** The option path (`allow.ips[2]`), environment variable (`INTERMISSION_MODE`) or file it came from. */
  field: string;
  code: ConfigErrorCode;
  /** What is wrong and how to fix it, in one sentence or two. */
  message: string;
}

/** Thrown by stores when the stored state cannot be used; the gate keeps its last known state. */
export class StateStoreError extends IntermissionError<StateErrorCode> {
  override readonly name = 'StateStoreError';
}

/**
 * Thrown by `intermission()` when the configuration is invalid. Lists every problem at once, so a
 * deploy fails with the whole list rather than one fix per restart. `code` and `docs` are those of
 * the first issue; each line names its own code.
 */
export class IntermissionConfigError extends IntermissionError<ConfigErrorCode> {
  override readonly name = 'IntermissionConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const first = issues[0];
    if (!first) throw new TypeError('IntermissionConfigError needs at least one issue');
    // Messages borrowed from other errors (a teaser file, a template) carry the prefix already.
    const clean = issues.map((issue) => ({ ...issue, message: withoutPrefix(issue.message) }));
    const lines = clean.map((issue) => `  - ${issue.field}: ${issue.message} [${issue.code}]`);
    const codes = [...new Set(clean.map((issue) => issue.code))];
    super(
      first.code,
      `invalid configuration (${clean.length} ${clean.length === 1 ? 'problem' : 'problems'}):\n${lines.join('\n')}\n` +
        `See ${codes.map(docsLink).join(', ')}`,
    );
    this.issues = clean;
  }
}
