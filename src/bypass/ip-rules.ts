import { describeValue as describe } from '../shared/messages.js';
import { parseRuleList, type RuleListError, type RuleProblem } from './rule-list.js';
/**
 * The admin IP allow-list: which client addresses get through a closed site.
 *
 * Security code, so it fails closed: a rule that is not written in one unambiguous way is an error,
 * and an address that does not parse strictly never matches. Nothing here throws on bad input.
 *
 * One address space. IPv4 `a.b.c.d` and its IPv4-mapped IPv6 form `::ffff:a.b.c.d` are the same
 * address (decided from the 128 bits, not the text), because the same client shows up as either
 * depending on whether the server listens on `0.0.0.0` or `::`. So `1.2.3.0/24` matches
 * `::ffff:102:304`, `::ffff:10.0.0.0/104` is the same rule as `10.0.0.0/8`, and an IPv6 rule that
 * covers `::ffff:0:0/96` (`::/0`, `::/64`, `::ffff:0:0/96`) matches IPv4 clients too. This is the
 * model `net.BlockList` uses. IPv4-compatible (`::1.2.3.4`) and NAT64 (`64:ff9b::/96`) addresses are
 * plain IPv6.
 *
 * Zone ids. Rules may not carry one (`fe80::1%eth0` is an error). An address may carry one only on
 * a link-local address (`fe80::/10`, where Node reports one); the zone is then dropped, so
 * `fe80::1%eth0` matches the rule `fe80::1` on every interface. A zone on any other address, or a
 * malformed zone, never matches.
 *
 * Speed. Rules compile to sorted, merged, disjoint ranges: one list in IPv4 space (for IPv4 and
 * mapped clients) and one in IPv6 space (as 32-bit words). A check is a strict parse plus a binary
 * search (narrowed by a 4,096-block index for IPv4), so its cost grows with log2(ranges), not with
 * the number of rules or prefix lengths. A small bounded cache of matched addresses sits in front.
 */

export type IpRuleErrorCode = 'ERR_INTERMISSION_INVALID_IP' | 'ERR_INTERMISSION_INVALID_CIDR';

/** One rejected rule: which, where in the list (`-1`: not a list), and what is wrong. `…_INVALID_CIDR` for rules with a `/`. */
export type RuleError = RuleListError<IpRuleErrorCode>;

/** What `checkIpRule` reports for a bad rule. */
export type IpRuleProblem = RuleProblem<IpRuleErrorCode>;

export interface IpMatcher {
  /** How many rules were accepted. */
  readonly size: number;
  /** How many matched addresses the cache holds now (never more than its limit). */
  readonly cacheSize: number;
  /** `true` when `address` (a `req.ip`-style string) is in one of the rules. Never throws. */
  matches(address: string | undefined): boolean;
}

export interface CompileIpRulesOptions {
  /**
   * Most matching addresses remembered; the cache is emptied when it is full, so it never grows
   * past this. Non-matching addresses are never cached. `0` turns it off. Default: 4,096.
   */
  cacheLimit?: number;
}

/**
 * 4,096 matched addresses. Kept small on purpose: past ~5,000 entries V8 keeps a Map's or Set's
 * table in large-object space, and refilling one of 10,000 after each clear measured 0.5–1 µs per
 * insert here, more than a lookup costs.
 */
const DEFAULT_CACHE_LIMIT = 4096;
/** Longest accepted zone id: Linux interface names are at most 15 bytes, numeric ids 10 digits. */
const MAX_ZONE_LENGTH = 32;
/** `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255` is the longest textual IPv6 address (45). */
const MAX_ADDRESS_LENGTH = 45 + 1 + MAX_ZONE_LENGTH;
/** Rules get a little more room (for `/128`) before they are called too long. */
const MAX_RULE_LENGTH = 45 + 4;

/** The IPv4 block index is keyed by the top 12 bits (4,096 blocks, 16 KiB). */
const V4_BLOCK_SHIFT = 20;
const V4_BLOCKS = 2 ** (32 - V4_BLOCK_SHIFT);

const COLON = 0x3a;
const DOT = 0x2e;

/** `::ffff:0:0`, where IPv4 lives in the unified 128-bit space. */
const MAPPED_BASE = 0xffffn << 32n;
const MAPPED_LAST = MAPPED_BASE + 0xffffffffn;
const ALL_128 = (1n << 128n) - 1n;

// Scratch space for the hot path: JavaScript runs one check at a time, and nothing here re-enters.
// Addresses are kept as int32 bit patterns, never as numbers above 2^31: V8 would turn those into
// doubles (and box them across calls), which cost more than the whole lookup.
const GROUPS = new Uint16Array(8);
/** The address `parseV4` read, as the int32 with the same 32 bits. */
const V4_OUT = new Int32Array(1);
/** The address `parseV6` read, as four int32 words, high first. */
const WORDS = new Int32Array(4);
/** XOR with this maps unsigned order onto signed order, so int32 `<` compares addresses. */
const BIAS = -0x80000000;

/** Hex digit values by char code, -1 for the rest: a table beats branches on random digits (~1.6x). */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  const digit = i.toString(16);
  HEX[digit.charCodeAt(0)] = i;
  HEX[digit.toUpperCase().charCodeAt(0)] = i;
}

/**
 * Strict dotted quad in `s[start, end)`: exactly four decimal octets, 0–255, no leading zeros, no
 * signs, no hex, no short forms. Leaves the address in `V4_OUT[0]` and returns true, or returns false.
 */
function parseV4(s: string, start: number, end: number): boolean {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      // A second digit after a leading 0 is the octal-looking form some parsers misread.
      if (digits === 1 && octet === 0) return false;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return false;
      digits++;
    } else if (c === DOT) {
      if (digits === 0 || dots === 3) return false;
      value = (value << 8) | octet;
      dots++;
      octet = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (digits === 0 || dots !== 3) return false;
  V4_OUT[0] = (value << 8) | octet;
  return true;
}

/**
 * Any RFC 4291 textual IPv6 address in `s[start, end)` (compressed or not, any case, leading zeros
 * in groups, a strict dotted quad in the last 32 bits) into `out` as four 32-bit words, high first.
 * No zone, no brackets. Returns false when the text is not exactly one address.
 */
function parseV6(s: string, start: number, end: number, out: Int32Array): boolean {
  const g = GROUPS;
  let n = 0;
  let gap = -1;
  let i = start;
  if (end - start < 2) return false;
  if (s.charCodeAt(i) === COLON) {
    if (s.charCodeAt(i + 1) !== COLON) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    if (n === 8) return false;
    let value = 0;
    let j = i;
    for (; j < end; j++) {
      const c = s.charCodeAt(j);
      const h = c < 128 ? (HEX[c] ?? -1) : -1;
      if (h < 0) break;
      if (j - i === 4) return false;
      value = (value << 4) | h;
    }
    if (j < end && s.charCodeAt(j) === DOT) {
      // An embedded IPv4 address fills the last two groups and must end the text.
      if (n > 6) return false;
      if (!parseV4(s, i, end)) return false;
      const v4 = V4_OUT[0] ?? 0;
      g[n++] = v4 >>> 16;
      g[n++] = v4 & 0xffff;
      break;
    }
    if (j === i) return false;
    g[n++] = value;
    if (j === end) break;
    if (s.charCodeAt(j) !== COLON) return false;
    j++;
    if (j === end) return false;
    if (s.charCodeAt(j) === COLON) {
      if (gap >= 0) return false;
      gap = n;
      j++;
    }
    i = j;
  }
  if (gap < 0) {
    if (n !== 8) return false;
  } else {
    // `::` stands for one or more zero groups, so it cannot sit in an address that has all eight.
    if (n === 8) return false;
    const tail = n - gap;
    for (let k = 1; k <= tail; k++) g[8 - k] = g[n - k] ?? 0;
    for (let k = gap; k < 8 - tail; k++) g[k] = 0;
  }
  out[0] = ((g[0] ?? 0) << 16) | (g[1] ?? 0);
  out[1] = ((g[2] ?? 0) << 16) | (g[3] ?? 0);
  out[2] = ((g[4] ?? 0) << 16) | (g[5] ?? 0);
  out[3] = ((g[6] ?? 0) << 16) | (g[7] ?? 0);
  return true;
}

/**
 * A zone id after `%`: 1–32 of `A-Z a-z 0-9 _ . -`, which covers interface names and numeric ids
 * as Node reports them. It is dropped, but anything stranger is not a `req.ip` we trust.
 */
function isZone(s: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 1 || length > MAX_ZONE_LENGTH) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    const lower = c | 0x20;
    if (!((c >= 48 && c <= 57) || (lower >= 97 && lower <= 122) || c === 0x5f || c === 0x2e || c === 0x2d)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Rules: compile-time parsing with reasons. Slow paths, BigInt is fine here.

interface Range {
  start: bigint;
  end: bigint;
}

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
  for (let i = 0; i < 8; ) {
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

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** Why `text` (no `:`) is not a strict IPv4 address. Only called after `parseV4` said no. */
function explainV4(text: string): string {
  if (!/^[0-9.]*$/.test(text)) {
    if (/(^|\.)0x/i.test(text)) {
      return 'hexadecimal octets (0x…) are read differently by different parsers; write four decimal octets, e.g. 127.0.0.1';
    }
    if (/[a-z]/i.test(text)) {
      return 'not an IP address (host names are not resolved); write an IPv4 or IPv6 address, e.g. 10.0.0.1';
    }
    return 'contains characters other than digits and dots; write an IPv4 address such as 10.0.0.1';
  }
  const parts = text.split('.');
  if (parts.length !== 4) {
    return `an IPv4 address needs exactly four dotted decimal octets, got ${parts.length}; short forms like 127.1 are expanded differently by different parsers, so write all four, e.g. 127.0.0.1`;
  }
  if (parts.some((part) => part === '')) return 'an octet is empty (two dots in a row, or a dot at an end)';
  if (parts.some((part) => part.length > 1 && part.startsWith('0'))) {
    const decimal = parts.map((part) => Number(part));
    return decimal.every((octet) => octet <= 255)
      ? `leading zeros are ambiguous (octal?); write ${decimal.join('.')}`
      : 'leading zeros are ambiguous (octal?); write each octet without them';
  }
  const big = parts.find((part) => Number(part) > 255);
  if (big !== undefined) return `octet ${quote(big)} is out of range; each octet is 0 to 255`;
  return 'not a valid IPv4 address; write four decimal octets, e.g. 10.0.0.1';
}

/** Why `text` (has a `:`) is not an IPv6 address. Only called after `parseV6` said no. */
function explainV6(text: string): string {
  const bad = /[^0-9a-f:.]/i.exec(text);
  if (bad) return `invalid character ${quote(bad[0])}; IPv6 addresses are hex groups separated by ':'`;
  if (text.includes(':::')) return "':::' is not valid; use '::' once for a run of zero groups";
  if (text.split('::').length > 2) return "'::' may appear only once (it stands for one run of zero groups)";
  if (/^:[^:]/.test(text)) return "starts with a single ':'; write '::' or remove it";
  if (/[^:]:$/.test(text)) return "ends with a single ':'; write '::' or remove it";
  const groups = text.split(':').filter((group) => group !== '');
  const dotted = groups.findIndex((group) => group.includes('.'));
  if (dotted >= 0 && (dotted !== groups.length - 1 || !text.endsWith(groups[dotted] ?? ''))) {
    return 'an embedded IPv4 address may only come last, e.g. ::ffff:192.0.2.1';
  }
  if (dotted >= 0) {
    const v4 = groups[dotted] ?? '';
    if (!parseV4(v4, 0, v4.length)) return `embedded IPv4 part: ${explainV4(v4)}`;
  }
  const long = groups.find((group) => !group.includes('.') && group.length > 4);
  if (long !== undefined) return `group ${quote(long)} has more than four hex digits`;
  const count = groups.length + (dotted >= 0 ? 1 : 0);
  if (!text.includes('::')) {
    return `has ${count} groups; an IPv6 address has 8 (or fewer with '::' for a run of zeros)`;
  }
  if (count >= 8) return `has ${count} groups besides '::', which must stand for at least one zero group; remove '::'`;
  return 'not a valid IPv6 address';
}

/** Parses one rule into its range in the unified 128-bit space, or says why it cannot. */
function parseRule(input: unknown): Range | IpRuleProblem {
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
  const parsed = parseRule(rule);
  return 'code' in parsed ? parsed : undefined;
}

// ---------------------------------------------------------------------------------------------
// The compiled matcher.

/** Top 32 bits of a 128-bit value's word `k` (0 = high), biased for signed comparison. */
function biasedWord(value: bigint, k: number): number {
  return Number((value >> BigInt(96 - 32 * k)) & 0xffffffffn) ^ BIAS;
}

class CompiledIpMatcher implements IpMatcher {
  readonly size: number;
  /** IPv4 ranges, inclusive, sorted and disjoint, biased (see BIAS): v4Starts[i]..v4Ends[i]. */
  readonly #v4Starts: Int32Array;
  readonly #v4Ends: Int32Array;
  /**
   * For each value of the top 12 bits, the first range starting at or after that block: it narrows
   * the binary search to the few ranges starting in the address's own block (plus the one before),
   * which matters because a search over random addresses mispredicts nearly every branch.
   */
  readonly #v4Index: Int32Array;
  /** IPv6 ranges as four biased words each (high first), sorted and disjoint. */
  readonly #v6Starts: Int32Array;
  readonly #v6Ends: Int32Array;
  readonly #v6Count: number;
  /** Addresses that matched (see `matches` for why only those). */
  readonly #cache: Set<string> | undefined;
  readonly #cacheLimit: number;

  constructor(size: number, ranges: readonly Range[], cacheLimit: number) {
    this.size = size;
    const starts: number[] = [];
    const ends: number[] = [];
    for (const { start, end } of ranges) {
      // Clip every range to the mapped block: that part is what IPv4 clients can match.
      const low = start > MAPPED_BASE ? start : MAPPED_BASE;
      const high = end < MAPPED_LAST ? end : MAPPED_LAST;
      if (low <= high) {
        starts.push(biasedWord(low, 3));
        ends.push(biasedWord(high, 3));
      }
    }
    this.#v4Starts = Int32Array.from(starts);
    this.#v4Ends = Int32Array.from(ends);
    this.#v4Index = new Int32Array(V4_BLOCKS + 1);
    for (let block = 0, i = 0; block <= V4_BLOCKS; block++) {
      const blockStart = block * 2 ** V4_BLOCK_SHIFT - 2 ** 31;
      while (i < starts.length && (starts[i] ?? 0) < blockStart) i++;
      this.#v4Index[block] = i;
    }
    // Mapped clients are answered from the IPv4 list, so the IPv6 list only needs the rest.
    const v6 = ranges.filter(({ start, end }) => start < MAPPED_BASE || end > MAPPED_LAST);
    this.#v6Count = v6.length;
    this.#v6Starts = new Int32Array(v6.length * 4);
    this.#v6Ends = new Int32Array(v6.length * 4);
    v6.forEach(({ start, end }, i) => {
      for (let k = 0; k < 4; k++) {
        this.#v6Starts[i * 4 + k] = biasedWord(start, k);
        this.#v6Ends[i * 4 + k] = biasedWord(end, k);
      }
    });
    this.#cacheLimit = cacheLimit;
    this.#cache = size > 0 && cacheLimit > 0 ? new Set() : undefined;
  }

  get cacheSize(): number {
    return this.#cache?.size ?? 0;
  }

  matches(address: string | undefined): boolean {
    if (this.size === 0) return false;
    if (typeof address !== 'string') return false;
    const length = address.length;
    if (length === 0 || length > MAX_ADDRESS_LENGTH) return false;
    const cache = this.#cache;
    if (cache === undefined) return this.#lookup(address);
    if (cache.has(address)) return true;
    const result = this.#lookup(address);
    // Only matches are remembered. Misses are what random addresses (a flood, IPv6 privacy
    // addresses) produce: caching them would churn the cache, and refilling a Set of thousands of
    // entries costs far more per request than the lookup it saves. Emptying when full keeps the
    // memory bounded even when an allowed range is large.
    if (result) {
      if (cache.size >= this.#cacheLimit) cache.clear();
      cache.add(address);
    }
    return result;
  }

  #lookup(address: string): boolean {
    const length = address.length;
    // Try IPv4 first: it fails within a few characters on IPv6 text, which has a ':' in its first five.
    if (parseV4(address, 0, length)) return this.#inV4(V4_OUT[0] ?? 0);
    const w = WORDS;
    if (!parseV6(address, 0, length, w)) {
      // Only now look for a zone, which only link-local addresses (fe80::/10: top ten bits
      // 1111111010) legitimately carry.
      const percent = address.indexOf('%');
      if (percent < 0 || !isZone(address, percent + 1, length) || !parseV6(address, 0, percent, w)) return false;
      if ((w[0] ?? 0) >>> 22 !== 0x3fa) return false;
    }
    const w0 = w[0] ?? 0;
    const w1 = w[1] ?? 0;
    const w2 = w[2] ?? 0;
    const w3 = w[3] ?? 0;
    if (w0 === 0 && w1 === 0 && w2 === 0xffff) return this.#inV4(w3);
    return this.#inV6(w0 ^ BIAS, w1 ^ BIAS, w2 ^ BIAS, w3 ^ BIAS);
  }

  /** `bits`: the IPv4 address as an int32 bit pattern. */
  #inV4(bits: number): boolean {
    const x = bits ^ BIAS;
    const starts = this.#v4Starts;
    // First range whose start is above x; the one before it is the only candidate. Ranges that
    // start in x's block lie between index[block] and index[block + 1].
    const block = bits >>> V4_BLOCK_SHIFT;
    const index = this.#v4Index;
    let low = index[block] ?? 0;
    let high = index[block + 1] ?? 0;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((starts[mid] ?? 0) <= x) low = mid + 1;
      else high = mid;
    }
    return low > 0 && x <= (this.#v4Ends[low - 1] ?? BIAS);
  }

  /** x0..x3: the address's words, biased. */
  #inV6(x0: number, x1: number, x2: number, x3: number): boolean {
    const starts = this.#v6Starts;
    let low = 0;
    let high = this.#v6Count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareWords(starts, mid * 4, x0, x1, x2, x3) <= 0) low = mid + 1;
      else high = mid;
    }
    return low > 0 && compareWords(this.#v6Ends, (low - 1) * 4, x0, x1, x2, x3) >= 0;
  }
}

/** Compares the biased 128-bit value at `words[at..at+3]` with x0..x3: -1, 0 or 1. */
function compareWords(words: Int32Array, at: number, x0: number, x1: number, x2: number, x3: number): number {
  const a0 = words[at] ?? 0;
  if (a0 !== x0) return a0 < x0 ? -1 : 1;
  const a1 = words[at + 1] ?? 0;
  if (a1 !== x1) return a1 < x1 ? -1 : 1;
  const a2 = words[at + 2] ?? 0;
  if (a2 !== x2) return a2 < x2 ? -1 : 1;
  const a3 = words[at + 3] ?? 0;
  return a3 === x3 ? 0 : a3 < x3 ? -1 : 1;
}

/**
 * Compiles the allow-list once. Invalid rules are reported in `errors` and left out of the matcher
 * (the caller decides whether to refuse to start); they never widen it.
 */
export function compileIpRules(
  rules: readonly string[],
  options: CompileIpRulesOptions = {},
): { matcher: IpMatcher; errors: RuleError[] } {
  const limit = options.cacheLimit;
  const cacheLimit = typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 0 ? limit : DEFAULT_CACHE_LIMIT;
  const { valid: ranges, errors } = parseRuleList(rules, parseRule, {
    code: 'ERR_INTERMISSION_INVALID_IP',
    reason: 'the rules must be an array of strings, e.g. ["10.0.0.0/8", "2001:db8::1"]',
  });
  ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: Range[] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    // Overlapping or touching ranges become one, so the binary search sees disjoint ranges.
    if (last !== undefined && range.start <= last.end + 1n) {
      if (range.end > last.end) last.end = range.end;
    } else {
      merged.push({ start: range.start, end: range.end });
    }
  }
  return { matcher: new CompiledIpMatcher(ranges.length, merged, cacheLimit), errors };
}
