import { describe, expect, it } from 'vitest';
import { toIntermissionStatus, toStatusReport, viewState } from '../../src/state/status.js';

const NOW = Date.parse('2030-01-01T12:00:00.000Z');
const HOUR = 3_600_000;

describe('viewState: the one status model', () => {
  it('before a planned window: open now, closing at its start into the configured mode', () => {
    const view = viewState({ mode: 'maintenance', startsAt: NOW + HOUR, until: NOW + 2 * HOUR }, undefined, NOW);
    expect(view).toMatchObject({
      mode: 'off',
      configuredMode: 'maintenance',
      changesAt: '2030-01-01T13:00:00.000Z',
      changesTo: 'maintenance',
      secondsLeft: 3600,
    });
  });

  it('inside a window: closed now, opening at its end', () => {
    const view = viewState(
      { mode: 'coming-soon', launchAt: NOW + 90_500 },
      { updatedAt: '2030-01-01T11:00:00Z', updatedBy: 'ops@host' },
      NOW,
    );
    expect(view).toMatchObject({
      mode: 'coming-soon',
      changesTo: 'off',
      secondsLeft: 91,
      updatedAt: '2030-01-01T11:00:00Z',
      updatedBy: 'ops@host',
    });
  });

  it('gives middleware.status() and the CLI report the same facts, each in its own shape', () => {
    const view = viewState({ mode: 'maintenance', message: 'Upgrading', retryAfter: 600, previewsValidAfter: NOW - HOUR }, undefined, NOW);
    expect(toIntermissionStatus(view, 'env', undefined)).toEqual({
      mode: 'maintenance',
      configuredMode: 'maintenance',
      source: 'env',
      message: 'Upgrading',
      previewsValidAfter: '2030-01-01T11:00:00.000Z',
    });
    expect(toStatusReport(view, 'env', 'state file /x.json')).toEqual({
      mode: 'maintenance',
      configuredMode: 'maintenance',
      source: 'env',
      target: 'state file /x.json',
      updatedAt: null,
      updatedBy: null,
      message: 'Upgrading',
      retryAfter: 600,
      startsAt: null,
      until: null,
      launchAt: null,
      changesAt: null,
      changesTo: null,
      secondsLeft: null,
      previewsValidAfter: '2030-01-01T11:00:00.000Z',
      now: '2030-01-01T12:00:00.000Z',
    });
  });

  it('adds storeError to middleware.status() only while the store fails', () => {
    const view = viewState({ mode: 'off' }, undefined, NOW);
    expect(toIntermissionStatus(view, 'store', 'gone')).toEqual({
      mode: 'off',
      configuredMode: 'off',
      source: 'store',
      storeError: 'gone',
    });
  });
});
