/** Helpers for reading options that arrive as `unknown`. */

/** An object literal (or `Object.create(null)`), not an array, class instance or request. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Drops keys whose value is `undefined`, deeply: an explicit `undefined` means "the default". */
export function withoutUndefined(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) out[key] = withoutUndefined(item);
  }
  return out;
}

/** The strings of an array, skipping anything else (the schema reports those). */
export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
