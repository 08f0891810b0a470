import type { StatusReport } from '../state/status.js';
import { CONTROL_CHARACTERS } from '../state/stored-state.js';

/** Every control character (C0, DEL, C1), all matches. */
const CONTROL = new RegExp(CONTROL_CHARACTERS.source, 'g');

/**
 * Text from a store, a path or a URL, safe to print on one terminal line: each control character is
 * written as a visible `\xNN`, so a value can neither move the cursor, recolour, nor fake a line.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `text` with its control characters dropped. */
export function withoutControl(text: string): string {
  return text.replace(CONTROL, '');
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `1h 20m`, `2d 3h`, `45s`: the two largest units, enough to read at a glance. */
export function formatSpan(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000));
  const parts: [number, string][] = [];
  for (const [size, unit] of [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'm'],
    [1, 's'],
  ] as const) {
    parts.push([Math.floor(rest / size), unit]);
    rest %= size;
  }
  const first = parts.findIndex(([count]) => count > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([count]) => count > 0)
    .map(([count, unit]) => `${count}${unit}`)
    .join(' ');
}

/** `status` for a person: one `Label: value` row per fact that is set. */
export function formatStatus(report: StatusReport, now: number): string {
  const rows: [string, string][] = [];
  const closed = report.mode !== 'off';
  rows.push(['Mode', `${report.mode} (${closed ? 'closed' : 'open'} now)`]);
  if (report.changesAt !== null && report.secondsLeft !== null) {
    const left = formatSpan(report.secondsLeft * 1000);
    rows.push([closed ? 'Opens' : 'Closes', `${report.changesAt}, in ${left}${closed ? '' : ` (${report.changesTo})`}`]);
  }
  if (report.configuredMode !== report.mode) {
    const end = report.launchAt ?? report.until;
    const ended = end !== null && Date.parse(end) <= now;
    rows.push(['Configured', `${report.configuredMode}${ended ? `, ended at ${end} (${formatSpan(now - Date.parse(end))} ago)` : ''}`]);
  }
  if (report.startsAt !== null) rows.push(['Starts at', report.startsAt]);
  if (report.until !== null) rows.push(['Until', report.until]);
  if (report.launchAt !== null) rows.push(['Launch at', report.launchAt]);
  if (report.message !== null) rows.push(['Message', report.message]);
  if (report.retryAfter !== null) rows.push(['Retry-After', `${report.retryAfter} s (when no end is known)`]);
  const stored = report.source === report.target;
  rows.push(['Source', stored ? report.source : `${report.source} (${report.target} holds no state)`]);
  if (report.updatedAt !== null) rows.push(['Updated', `${report.updatedAt}${report.updatedBy === null ? '' : ` by ${report.updatedBy}`}`]);
  if (report.previewsValidAfter !== null) rows.push(['Previews', `only links and cookies issued after ${report.previewsValidAfter} work`]);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  // Message, updatedBy and the store's name come from outside: one escaped line each.
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${escapeControl(value)}`).join('\n');
}
