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
 *
 * Not `net.BlockList`: on Node 20 its `check()` re-parses the address in C++ and walks every rule,
 * so with 1,000 CIDRs a miss costs ~8 µs against ~0.1 µs here (bench/micro.mjs, medians of four
 * alternating runs), and most gated visitors are misses. It stays the oracle of the unit tests.
 *
 * Rules are parsed (with a reason for every refusal) in ip-rule-parse.ts, addresses in ip-address.ts.
 */
import { isZone, MAX_ZONE_LENGTH, parseV4, parseV6, V4_OUT, WORDS } from './ip-address.js';
import { MAPPED_BASE, MAPPED_LAST, parseIpRules, type Range, type RuleError } from './ip-rule-parse.js';

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
/** `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255` is the longest textual IPv6 address (45). */
const MAX_ADDRESS_LENGTH = 45 + 1 + MAX_ZONE_LENGTH;

/** The IPv4 block index is keyed by the top 12 bits (4,096 blocks, 16 KiB). */
const V4_BLOCK_SHIFT = 20;
const V4_BLOCKS = 2 ** (32 - V4_BLOCK_SHIFT);

/** XOR with this maps unsigned order onto signed order, so int32 `<` compares addresses. */
const BIAS = -0x80000000;

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
export function compileIpRules(rules: readonly string[], options: CompileIpRulesOptions = {}): { matcher: IpMatcher; errors: RuleError[] } {
  const limit = options.cacheLimit;
  const cacheLimit = typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 0 ? limit : DEFAULT_CACHE_LIMIT;
  // Merged ranges (overlapping or touching ones become one), so the binary search sees disjoint ranges.
  const { ranges, count, errors } = parseIpRules(rules);
  return { matcher: new CompiledIpMatcher(count, ranges, cacheLimit), errors };
}
