/**
 * Strict textual IP parsing for the per-request path: no allocation, no BigInt, no regular
 * expression. What it accepts is exactly what the rule parser accepts (it uses these same
 * functions), so an address and a rule can never be read two ways.
 */

/** Longest accepted zone id: Linux interface names are at most 15 bytes, numeric ids 10 digits. */
export const MAX_ZONE_LENGTH = 32;

const COLON = 0x3a;
const DOT = 0x2e;

// Scratch space for the hot path: JavaScript runs one check at a time, and nothing here re-enters.
// Addresses are kept as int32 bit patterns, never as numbers above 2^31: V8 would turn those into
// doubles (and box them across calls), which cost more than the whole lookup.
const GROUPS = new Uint16Array(8);
/** The address `parseV4` read, as the int32 with the same 32 bits. */
export const V4_OUT = new Int32Array(1);
/** The address `parseV6` read, as four int32 words, high first. */
export const WORDS = new Int32Array(4);

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
export function parseV4(s: string, start: number, end: number): boolean {
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
export function parseV6(s: string, start: number, end: number, out: Int32Array): boolean {
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
export function isZone(s: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 1 || length > MAX_ZONE_LENGTH) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    const lower = c | 0x20;
    if (!((c >= 48 && c <= 57) || (lower >= 97 && lower <= 122) || c === 0x5f || c === 0x2e || c === 0x2d)) return false;
  }
  return true;
}
