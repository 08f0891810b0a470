import Negotiator from 'negotiator';

/** The response formats of the gate. */
export type Format = 'html' | 'json' | 'problem' | 'text';
export type Encoding = 'br' | 'gzip' | 'identity';

const MEDIA_TYPES = ['text/html', 'application/json', 'application/problem+json', 'text/plain'] as const;
const FORMAT_OF: Record<(typeof MEDIA_TYPES)[number], Format> = {
  'text/html': 'html',
  'application/json': 'json',
  'application/problem+json': 'problem',
  'text/plain': 'text',
};
const ENCODINGS: Encoding[] = ['br', 'gzip', 'identity'];

/** Bounded: header values are attacker-chosen, so the caches are cleared rather than allowed to grow. */
const CACHE_LIMIT = 256;
const MAX_HEADER_LENGTH = 1024;
const formatCache = new Map<string, Format>();
const encodingCache = new Map<string, Encoding>();

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** How many header values each cache holds now, and the bound (tests check the bound holds). */
export function negotiationCacheSizes(): { format: number; encoding: number; limit: number } {
  return { format: formatCache.size, encoding: encodingCache.size, limit: CACHE_LIMIT };
}

/** HTML unless the client prefers one of the other formats; `*\/*` and a missing header get HTML. */
export function negotiateFormat(accept: string | undefined): Format {
  // Real clients send short headers; a huge one only makes negotiation slow, so it gets the default.
  if (!accept || accept === '*/*' || accept.length > MAX_HEADER_LENGTH) return 'html';
  const cached = formatCache.get(accept);
  if (cached) return cached;
  const type = new Negotiator({ headers: { accept } }).mediaType([...MEDIA_TYPES]) as (typeof MEDIA_TYPES)[number] | undefined;
  return remember(formatCache, accept, type ? FORMAT_OF[type] : 'html');
}

/** Brotli, then gzip, then none, as the client's `Accept-Encoding` allows. */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding || acceptEncoding.length > MAX_HEADER_LENGTH) return 'identity';
  const cached = encodingCache.get(acceptEncoding);
  if (cached) return cached;
  // `preferred` breaks ties our way: `gzip, br` gets brotli, which is smaller.
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }) as unknown as {
    encoding(available: Encoding[], options: { preferred: Encoding[] }): Encoding | undefined;
  };
  const encoding = negotiator.encoding(ENCODINGS, { preferred: ENCODINGS });
  return remember(encodingCache, acceptEncoding, encoding ?? 'identity');
}
