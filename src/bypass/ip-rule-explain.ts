/**
 * Why a rule is not an IP address: one precise sentence with the fix, for configuration errors.
 * Slow path, only reached after the strict parser said no.
 */
import { parseV4 } from './ip-address.js';

export function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** Why `text` (no `:`) is not a strict IPv4 address. Only called after `parseV4` said no. */
export function explainV4(text: string): string {
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
export function explainV6(text: string): string {
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
