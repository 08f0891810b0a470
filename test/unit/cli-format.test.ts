import { describe, expect, it } from 'vitest';
import { escapeControl, formatStatus, formatSpan } from '../../src/cli/format.js';
import type { StatusReport } from '../../src/state/status.js';

describe('escapeControl', () => {
  it.each([
    ['ESC', 'a\u001b[2Jb', 'a\\x1b[2Jb'],
    ['NUL', 'a\u0000b', 'a\\x00b'],
    ['newline and carriage return', 'a\nb\rc', 'a\\x0ab\\x0dc'],
    ['tab', 'a\tb', 'a\\x09b'],
    ['DEL', 'a\u007fb', 'a\\x7fb'],
    ['C1 CSI and NEL', 'a\u009bb\u0085c', 'a\\x9bb\\x85c'],
  ])('writes %s as a visible \\xNN', (_name, text, expected) => {
    expect(escapeControl(text)).toBe(expected);
  });

  it('leaves printable text alone, Unicode included', () => {
    const text = 'Zurück um 18:00 — 回来 🚧 \u00a0 ~';
    expect(escapeControl(text)).toBe(text);
  });
});

describe('formatStatus', () => {
  const report: StatusReport = {
    mode: 'maintenance',
    configuredMode: 'maintenance',
    source: 'state file /tmp/\u001b[31mred.json',
    target: 'state file /tmp/\u001b[31mred.json',
    updatedAt: '2030-01-01T00:00:00.000Z',
    updatedBy: 'ops\r\u001b[32mroot@prod',
    message: 'Back soon\nMode:      off (open now)',
    retryAfter: null,
    startsAt: null,
    until: null,
    launchAt: null,
    changesAt: null,
    changesTo: null,
    secondsLeft: null,
    previewsValidAfter: null,
    now: '2030-01-01T00:00:00.000Z',
  };

  it('keeps one line per row: message, updatedBy and the store name are escaped', () => {
    const text = formatStatus(report, Date.parse(report.now));
    expect(text.split('\n')).toEqual([
      'Mode:    maintenance (closed now)',
      'Message: Back soon\\x0aMode:      off (open now)',
      'Source:  state file /tmp/\\x1b[31mred.json',
      'Updated: 2030-01-01T00:00:00.000Z by ops\\x0d\\x1b[32mroot@prod',
    ]);
  });
});

describe('formatSpan', () => {
  it.each<[number, string]>([
    [0, '0s'],
    [-5000, '0s'],
    [45_000, '45s'],
    [4_800_000, '1h 20m'],
    [183_600_000, '2d 3h'],
  ])('%s ms reads %s', (ms, expected) => {
    expect(formatSpan(ms)).toBe(expected);
  });
});
