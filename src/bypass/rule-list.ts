import { describeValue } from '../shared/messages.js';

/** What is wrong with one rule, and how to fix it. */
export interface RuleProblem<Code extends string> {
  code: Code;
  reason: string;
}

/** A rule of a list that was refused: the rule as written, where it stood, and why. */
export interface RuleListError<Code extends string> extends RuleProblem<Code> {
  rule: string;
  index: number;
}

function isProblem<Code extends string>(value: object): value is RuleProblem<Code> {
  return 'code' in value && 'reason' in value;
}

/**
 * Parses a user's list of rules (IPs, paths): a value that is not an array is one error at index -1;
 * otherwise each rule is parsed, the valid ones kept in order and every refused one listed, so a
 * configuration error can name them all at once. A refused rule never takes part in matching.
 */
export function parseRuleList<Rule extends object, Code extends string>(
  rules: unknown,
  parse: (rule: unknown) => Rule | RuleProblem<Code>,
  notAList: RuleProblem<Code>,
): { valid: Rule[]; errors: RuleListError<Code>[] } {
  if (!Array.isArray(rules)) return { valid: [], errors: [{ rule: describeValue(rules), index: -1, ...notAList }] };
  const valid: Rule[] = [];
  const errors: RuleListError<Code>[] = [];
  (rules as readonly unknown[]).forEach((rule, index) => {
    const parsed = parse(rule);
    if (isProblem<Code>(parsed)) errors.push({ rule: typeof rule === 'string' ? rule : describeValue(rule), index, ...parsed });
    else valid.push(parsed);
  });
  return { valid, errors };
}
