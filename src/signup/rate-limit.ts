import { parseV6 } from '../bypass/ip-address.js';

/**
 * Per-client token buckets with bounded memory: a burst of `capacity` signups, then one every
 * `refillMs`. At most `maxClients` buckets are kept; the least recently seen goes first when a new
 * client arrives (a flood of addresses can only evict buckets, never grow memory). IPv6 clients are
 * counted per /64, the block one subscriber line usually gets, so rotating through it buys nothing.
 */
export interface TokenBucketOptions {
  capacity: number;
  refillMs: number;
  maxClients: number;
}

export const SIGNUP_RATE_LIMIT: TokenBucketOptions = { capacity: 5, refillMs: 12_000, maxClients: 10_000 };

export interface TokenBuckets {
  /** Takes a token for `client`: 0 when allowed, else milliseconds until the next token. */
  take(client: string, now: number): number;
  readonly size: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const V6_WORDS = new Int32Array(4);

/** The key a client is counted under: an IPv4 address as is, an IPv6 address by its /64. */
export function clientKey(ip: string | undefined): string {
  if (ip === undefined || ip === '') return '?';
  const mapped = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  if (!mapped.includes(':')) return mapped;
  const zone = mapped.indexOf('%');
  if (!parseV6(mapped, 0, zone === -1 ? mapped.length : zone, V6_WORDS)) return mapped;
  return `${(V6_WORDS[0] ?? 0) >>> 0}:${(V6_WORDS[1] ?? 0) >>> 0}/64`;
}

export function createTokenBuckets(options: TokenBucketOptions): TokenBuckets {
  const { capacity, refillMs, maxClients } = options;
  const buckets = new Map<string, Bucket>();
  return {
    take(client, now) {
      let bucket = buckets.get(client);
      if (bucket) {
        buckets.delete(client);
        bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) / refillMs);
        bucket.at = now;
      } else {
        if (buckets.size >= maxClients) {
          const oldest = buckets.keys().next();
          if (!oldest.done) buckets.delete(oldest.value);
        }
        bucket = { tokens: capacity, at: now };
      }
      // Re-inserted: Map order is the eviction order, least recently seen first.
      buckets.set(client, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - bucket.tokens) * refillMs);
    },
    get size() {
      return buckets.size;
    },
  };
}
