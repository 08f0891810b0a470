import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Encoding } from './negotiate.js';

/**
 * How hard to compress. `best` is for pages rendered once per state (the static page): the bytes are
 * sent many times. `fast` is for pages rendered per request (resolver teasers): brotli at quality 10
 * costs ~9 ms for a 14 KB page, quality 5 well under 1 ms for ~5% more bytes.
 */
export type Compression = 'best' | 'fast';

export const COMPRESSION_LEVELS: Record<Compression, { gzip: number; br: number }> = {
  best: { gzip: 9, br: 10 },
  fast: { gzip: 6, br: 5 },
};

/**
 * The most gzip or brotli output can be for `length` input bytes: above zlib's `compressBound`
 * (length + length/4096 + length/16384 + 13, plus gzip's 18-byte wrapper) and brotli's much smaller one.
 */
const compressedBound = (length: number): number => length + (length >> 10) + 64;

/** One representation of the page. Each encoding is made on its first use and kept, so a request only picks one. */
export interface Body {
  contentType: string;
  identity: Buffer;
  /** The bytes in `encoding`, compressed on the first call for it (nonce bodies: always `identity`). */
  bytes(encoding: Encoding): Buffer;
  /** Bytes held now: the identity bytes and every encoding made so far. */
  heldBytes(): number;
  /** The most this body can ever hold, whichever encodings are asked for. */
  maxBytes: number;
  /**
   * Set when a user template printed the CSP nonce: the body is split around the placeholder and
   * joined with a fresh nonce per response (such bodies are not compressed).
   */
  nonceParts: string[] | undefined;
}

function compress(identity: Buffer, encoding: Exclude<Encoding, 'identity'>, compression: Compression): Buffer {
  const levels = COMPRESSION_LEVELS[compression];
  if (encoding === 'gzip') return gzipSync(identity, { level: levels.gzip });
  return brotliCompressSync(identity, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: levels.br, [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length },
  });
}

export function makeBody(contentType: string, text: string, nonce: string | undefined, compression: Compression): Body {
  const identity = Buffer.from(text);
  const nonceParts = nonce && text.includes(nonce) ? text.split(nonce) : undefined;
  let gzip: Buffer | undefined;
  let br: Buffer | undefined;
  return {
    contentType,
    identity,
    bytes(encoding) {
      if (encoding === 'identity' || nonceParts) return identity;
      if (encoding === 'gzip') return (gzip ??= compress(identity, 'gzip', compression));
      return (br ??= compress(identity, 'br', compression));
    },
    heldBytes: () => identity.length + (gzip?.length ?? 0) + (br?.length ?? 0),
    maxBytes: nonceParts ? identity.length : identity.length + 2 * compressedBound(identity.length),
    nonceParts,
  };
}
