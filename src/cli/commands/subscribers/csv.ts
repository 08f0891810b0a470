import type { Subscriber } from '../../../signup/subscriber.js';

/**
 * Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"). An address may
 * legally start with `=`, `+` or `-` (`=cmd@example.com`), so the cell is kept and defused instead.
 */
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r']);

/** The first line of an export; the columns of `Subscriber`. */
export const CSV_HEADER = 'email,subscribedAt,consent,lang\r\n';

/**
 * One RFC 4180 field: a cell that a spreadsheet would run as a formula gets a leading `'` (shown by
 * none of them, dropped by none of them either: strip it when importing elsewhere), then the field is
 * quoted when it holds a quote, a comma or a line break.
 */
export function csvField(value: string): string {
  const safe = FORMULA_START.has(value.charAt(0)) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One record, CRLF-terminated as RFC 4180 says. `lang` is empty when unknown. */
export function csvRecord(subscriber: Subscriber): string {
  const { email, subscribedAt, consent, lang } = subscriber;
  return `${[email, subscribedAt, String(consent), lang ?? ''].map(csvField).join(',')}\r\n`;
}
