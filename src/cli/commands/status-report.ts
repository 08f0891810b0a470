import type { ResolvedConfig } from '../../config/resolve.js';
import { toStatusReport, viewState, type StatusReport } from '../../state/status.js';
import { toGateState } from '../../state/stored-state.js';
import type { StoredState } from '../../types.js';

/** The report for a stored state; `target` is where it was read. */
export function statusFromState(state: StoredState, target: string, now: number): StatusReport {
  return toStatusReport(viewState(toGateState(state), state, now), target, target);
}

/** The report when the store holds no state: what the config and env say, as a new instance starts. */
export function statusFromConfig(config: ResolvedConfig, target: string, now: number): StatusReport {
  const schedule = { mode: config.mode, until: config.until, launchAt: config.launchAt };
  return toStatusReport(viewState(schedule, undefined, now), config.modeSource, target);
}
