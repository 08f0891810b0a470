/**
 * Pages kept by key with a bound on their number and on their bytes, least recently used first out.
 * Keys and sizes come from request-dependent data (a resolver's teaser), so both must stay bounded;
 * a hit only moves its entry to the back, so a flood of new keys evicts the flood, not the pages in use.
 */
export interface PageCacheLimits {
  entries: number;
  bytes: number;
}

export interface PageCache<T> {
  get(key: string): T | undefined;
  /** Keeps `value`, charged `bytes` plus its key, unless that alone is over the byte bound. */
  set(key: string, value: T, bytes: number): void;
  readonly size: number;
  /** Bytes charged for what is kept now. */
  readonly bytes: number;
}

/** A JS string holds up to two bytes a character. */
const keyBytes = (key: string): number => 2 * key.length;

export function createPageCache<T>(limits: PageCacheLimits): PageCache<T> {
  const entries = new Map<string, { value: T; bytes: number }>();
  let total = 0;

  const remove = (key: string): void => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    total -= entry.bytes;
  };

  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      // Map order is insertion order: re-inserting makes this the most recently used.
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, bytes) {
      remove(key);
      const charged = bytes + keyBytes(key);
      if (charged > limits.bytes || limits.entries < 1) return;
      for (const oldest of entries.keys()) {
        if (entries.size < limits.entries && total + charged <= limits.bytes) break;
        remove(oldest);
      }
      entries.set(key, { value, bytes: charged });
      total += charged;
    },
    get size() {
      return entries.size;
    },
    get bytes() {
      return total;
    },
  };
}
