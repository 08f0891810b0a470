import type { IntermissionStatus, Mode, StateSource, StoredState } from '../types.js';
import { phaseAt } from './schedule.js';
import type { GateState } from './stored-state.js';

/**
 * Everything known about a state at one instant: the one model behind `middleware.status()` and
 * `intermission status`. Times are ISO 8601; `undefined` when not set.
 */
export interface StateView {
  /** The mode in force now (a window not yet started, or an end passed, reads `off`). */
  mode: Mode;
  /** The mode asked for, before the schedule applies. */
  configuredMode: Mode;
  message: string | undefined;
  retryAfter: number | undefined;
  startsAt: string | undefined;
  until: string | undefined;
  launchAt: string | undefined;
  /** The next scheduled change of `mode`, the mode it changes to, and whole seconds until then. */
  changesAt: string | undefined;
  changesTo: Mode | undefined;
  secondsLeft: number | undefined;
  /** When the stored state was written, and by whom (store only). */
  updatedAt: string | undefined;
  updatedBy: string | undefined;
  previewsValidAfter: string | undefined;
  now: string;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The view of `state` at `now`; `written` is the stored state's stamp, when it came from a store. */
export function viewState(state: GateState, written: Pick<StoredState, 'updatedAt' | 'updatedBy'> | undefined, now: number): StateView {
  const phase = phaseAt(state, now);
  const changesAt = phase.changesAt;
  return {
    mode: phase.mode,
    configuredMode: state.mode,
    message: state.message,
    retryAfter: state.retryAfter,
    startsAt: iso(state.startsAt),
    until: iso(state.until),
    launchAt: iso(state.launchAt),
    changesAt: iso(changesAt),
    // Before a window, the change closes the site; inside one, it opens it.
    changesTo: changesAt === undefined ? undefined : phase.mode === 'off' ? state.mode : 'off',
    secondsLeft: changesAt === undefined ? undefined : Math.max(0, Math.ceil((changesAt - now) / 1000)),
    updatedAt: written?.updatedAt,
    updatedBy: written?.updatedBy,
    previewsValidAfter: iso(state.previewsValidAfter),
    now: iso(now) ?? '',
  };
}

/** What `middleware.status()` returns: the view without its unset fields. */
export function toIntermissionStatus(view: StateView, source: StateSource, storeError: string | undefined): IntermissionStatus {
  return {
    mode: view.mode,
    configuredMode: view.configuredMode,
    source,
    ...(view.message !== undefined && { message: view.message }),
    ...(view.startsAt !== undefined && { startsAt: view.startsAt }),
    ...(view.until !== undefined && { until: view.until }),
    ...(view.launchAt !== undefined && { launchAt: view.launchAt }),
    ...(view.updatedAt !== undefined && { updatedAt: view.updatedAt }),
    ...(view.updatedBy !== undefined && { updatedBy: view.updatedBy }),
    ...(view.previewsValidAfter !== undefined && { previewsValidAfter: view.previewsValidAfter }),
    ...(storeError !== undefined && { storeError }),
  };
}

/** What `intermission status --json` prints: every field present, `null` when not set. */
export interface StatusReport {
  /** The mode in force now. */
  mode: Mode;
  /** The mode stored (or configured), which may not be in force yet or any more. */
  configuredMode: Mode;
  /** `state file <path>`, `redis <key> at <url>`, or, when the store holds no state, `env`, `config file`, `default`. */
  source: string;
  /** The store that was read. */
  target: string;
  updatedAt: string | null;
  updatedBy: string | null;
  message: string | null;
  retryAfter: number | null;
  startsAt: string | null;
  until: string | null;
  launchAt: string | null;
  /** Next scheduled change of `mode`, and the mode it changes to. */
  changesAt: string | null;
  changesTo: Mode | null;
  /** Whole seconds until `changesAt`. */
  secondsLeft: number | null;
  previewsValidAfter: string | null;
  now: string;
}

/** The CLI's report: the view with `null` for unset fields, and where the state was read. */
export function toStatusReport(view: StateView, source: string, target: string): StatusReport {
  return {
    mode: view.mode,
    configuredMode: view.configuredMode,
    source,
    target,
    updatedAt: view.updatedAt ?? null,
    updatedBy: view.updatedBy ?? null,
    message: view.message ?? null,
    retryAfter: view.retryAfter ?? null,
    startsAt: view.startsAt ?? null,
    until: view.until ?? null,
    launchAt: view.launchAt ?? null,
    changesAt: view.changesAt ?? null,
    changesTo: view.changesTo ?? null,
    secondsLeft: view.secondsLeft ?? null,
    previewsValidAfter: view.previewsValidAfter ?? null,
    now: view.now,
  };
}
