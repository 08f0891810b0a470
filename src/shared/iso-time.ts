/** ISO 8601 date-time with an explicit zone: `2026-12-24T18:00:00Z` or `…+01:00`. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an ISO 8601 date-time with a zone, or `undefined` when it is not one (or names no real day). */
export function parseIsoDateTime(text: string): number | undefined {
  if (!ISO_DATE_TIME.test(text)) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse rolls 2026-02-30 over into March; a date that does not exist is a typo, not a wish.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const probe = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 0));
  if (probe.getUTCMonth() + 1 !== month || probe.getUTCDate() !== day) return undefined;
  return ms;
}

/** Epoch ms to ISO 8601, keeping `undefined`. */
export function isoOrUndefined(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
