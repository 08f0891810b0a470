import type { ConfigIssue } from '../errors.js';
import { validateLanguageOption, validateMessageOverrides, type MessageOverrides, type MessageProblem } from '../i18n/index.js';
import { isPlainObject } from './plain-object.js';

/**
 * `page.lang` and `page.messages` of one config layer, checked by the i18n validators, whose problems
 * keep their own codes (the zod schema only describes these two for the JSON Schema).
 */
export function checkPageLanguage(raw: unknown, name: (path: string) => string): ConfigIssue[] {
  const page = isPlainObject(raw) && isPlainObject(raw.page) ? raw.page : undefined;
  if (page === undefined) return [];
  const problems: MessageProblem[] = [];
  // A non-string is zod's to report.
  if (typeof page.lang === 'string') problems.push(...validateLanguageOption(page.lang, 'page.lang', true));
  problems.push(...validateMessageOverrides(page.messages).problems);
  return problems.map((problem) => ({ field: name(problem.path), code: problem.code, message: `${problem.message}; ${problem.fix}` }));
}

/** The valid overrides of `page.messages` (call after `checkPageLanguage` found no problem). */
export function pageMessages(value: unknown): MessageOverrides {
  return validateMessageOverrides(value).overrides;
}
