/**
 * IP allow-list rules at start-up: each rule parsed into one range of the unified 128-bit space
 * (IPv4 `a.b.c.d` is `::ffff:a.b.c.d`, see ip-rules.ts), with a reason for every refusal; ranges
 * sorted and merged; and whether a list together admits a whole address space. Slow paths, so
 * BigInt is fine here.
 */
import { describeValue as describe } from '../shared/messages.js';
import { parseV4, parseV6, V4_OUT, WORDS } from './ip-address.js';
import { explainV4, explainV6, quote } from './ip-rule-explain.js';
import { parseRuleList, type RuleListError, type RuleProblem } from './rule-list.js';

export type IpRuleErrorCode = 'ERR_INTERMISSION_INVALID_IP' | 'ERR_INTERMISSION_INVALID_CIDR';

/** One rejected rule: which, where in the list (`-1`: not a list), and what is wrong. `…_INVALID_CIDR` for rules with a `/`. */
export type RuleError = RuleListError<IpRuleErrorCode>;

/** What `checkIpRule` reports for a bad rule. */
export type IpRuleProblem = RuleProblem<IpRuleErrorCode>;

/** Inclusive bounds in the unified 128-bit space. */
export interface Range {
  start: bigint;
  end: bigint;
}

/** `::ffff:0:0`, where IPv4 lives in the unified 128-bit space. */
export const MAPPED_BASE = 0xffffn << 32n;
export const MAPPED_LAST = MAPPED_BASE + 0xffffffffn;
const ALL_128 = (1n << 128n) - 1n;

/** `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255` is the longest textual IPv6 address (45); rules get room for `/128`. */
const MAX_RULE_LENGTH = 45 + 4;

function wordsToBigInt(w: Int32Array): bigint {
  const word = (i: number): bigint => BigInt((w[i] ?? 0) >>> 0);
  return (word(0) << 96n) | (word(1) << 64n) | (word(2) << 32n) | word(3);
}

function formatV4(v: number): string {
  return `${Math.floor(v / 0x1000000) & 0xff}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

/** RFC 5952 text: lowercase, longest run of two or more zero groups as `::`, mapped IPv4 dotted. */
function formatV6(v: bigint): string {
  if (v >= MAPPED_BASE && v <= MAPPED_LAST) return `::ffff:${formatV4(Number(v - MAPPED_BASE))}`;
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((v >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Parses one rule into its range in the unified 128-bit space, or says why it cannot. */
export function parseIpRule(input: unknown): Range | IpRuleProblem {
  if (typeof input !== 'string') {
    return { code: 'ERR_INTERMISSION_INVALID_IP', reason: `must be a string, got ${describe(input)}; quote it, e.g. "10.0.0.1"` };
  }
  // Surrounding whitespace is trimmed: lists from environment variables are written "a, b".
  const rule = input.trim();
  const code = rule.includes('/') ? 'ERR_INTERMISSION_INVALID_CIDR' : 'ERR_INTERMISSION_INVALID_IP';
  const fail = (reason: string): IpRuleProblem => ({ code, reason });
  if (rule === '') return fail('empty rule; remove it, or write an address such as 10.0.0.1 or a range such as 10.0.0.0/8');
  if (rule.length > MAX_RULE_LENGTH) return fail('too long to be an address or CIDR range');
  if (rule.includes(',')) return fail('contains a comma; give each address or range as its own list item');
  if (/\s/.test(rule)) return fail('contains whitespace; write one address or range per rule, e.g. 10.0.0.0/8');
  if (rule.includes('%')) {
    return fail(
      `zone ids are not allowed in rules; write ${quote(rule.replace(/%[^/]*/, ''))} (it matches that address on every interface)`,
    );
  }
  if (rule.startsWith('[')) return fail(`remove the brackets; write ${quote(rule.replace(/[[\]]/g, ''))}`);

  const slash = rule.indexOf('/');
  const address = slash < 0 ? rule : rule.slice(0, slash);
  if (address === '') return fail('missing address before the prefix; write e.g. 10.0.0.0/8');
  const isV6 = address.includes(':');
  let value: bigint;
  if (isV6) {
    if (!parseV6(address, 0, address.length, WORDS)) return fail(explainV6(address));
    value = wordsToBigInt(WORDS);
  } else {
    if (!parseV4(address, 0, address.length)) return fail(explainV4(address));
    value = MAPPED_BASE + BigInt((V4_OUT[0] ?? 0) >>> 0);
  }
  const bits = isV6 ? 128 : 32;
  if (slash < 0) return { start: value, end: value };

  const text = rule.slice(slash + 1);
  const example = isV6 ? '2001:db8::/32' : '10.0.0.0/8';
  if (text === '') return fail(`missing prefix length after '/'; write e.g. ${example}`);
  if (text.includes('/')) return fail(`more than one '/'; write e.g. ${example}`);
  if (!/^[0-9]+$/.test(text)) return fail(`prefix length ${quote(text)} is not a decimal number; write e.g. ${example}`);
  if (text.length > 1 && text.startsWith('0')) {
    return fail(`prefix /${text} has a leading zero; write /${String(Number(text))}`);
  }
  const prefix = Number(text);
  if (prefix > bits) {
    return fail(`prefix /${text} is out of range for ${isV6 ? 'IPv6' : 'IPv4'}; use /0 to /${bits}`);
  }
  // In the unified space an IPv4 prefix p is an IPv6 prefix 96 + p.
  const hostBits = BigInt(bits - prefix);
  const hostMask = (1n << hostBits) - 1n;
  if ((value & hostMask) !== 0n) {
    // Refuse rather than round down: 10.0.0.1/8 may be a typo for 10.0.0.1/32.
    const network = value & ~hostMask & ALL_128;
    const shown = isV6 ? formatV6(network) : formatV4(Number(network - MAPPED_BASE));
    return fail(
      `host bits are set, so this is not a network address; write ${shown}/${prefix} for the range, or ${address}/${bits} for one address`,
    );
  }
  return { start: value, end: value | hostMask };
}

/** Says what is wrong with one rule, or `undefined` when it is valid. For config validation. */
export function checkIpRule(rule: unknown): IpRuleProblem | undefined {
  const parsed = parseIpRule(rule);
  return 'code' in parsed ? parsed : undefined;
}

/**
 * Parses a list of rules into sorted, disjoint, non-touching ranges (overlapping or adjacent ones
 * merged), plus every refused rule. `count` is how many rules were accepted.
 */
export function parseIpRules(rules: unknown): { ranges: Range[]; count: number; errors: RuleError[] } {
  const { valid, errors } = parseRuleList(rules, parseIpRule, {
    code: 'ERR_INTERMISSION_INVALID_IP',
    reason: 'the rules must be an array of strings, e.g. ["10.0.0.0/8", "2001:db8::1"]',
  });
  const sorted = [...valid].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const ranges: Range[] = [];
  for (const range of sorted) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && range.start <= last.end + 1n) {
      if (range.end > last.end) last.end = range.end;
    } else {
      ranges.push({ start: range.start, end: range.end });
    }
  }
  return { ranges, count: valid.length, errors };
}
/**
 * The whole address space the valid rules admit together, if any: `IPv4` when every IPv4 client
 * (the mapped block) is inside, `IPv6` when every IPv6 client is (everything outside the mapped
 * block, which only IPv4 clients use). Two `/1` ranges count as much as one `/0`. Merged ranges
 * are disjoint and do not touch, so an interval is covered only if one of them holds it whole.
 */
export function admittedSpace(rules: unknown): 'IPv4' | 'IPv6' | undefined {
  const { ranges } = parseIpRules(rules);
  const covers = (low: bigint, high: bigint): boolean => ranges.some(({ start, end }) => start <= low && end >= high);
  if (covers(0n, MAPPED_BASE - 1n) && covers(MAPPED_LAST + 1n, ALL_128)) return 'IPv6';
  if (covers(MAPPED_BASE, MAPPED_LAST)) return 'IPv4';
  return undefined;
}
