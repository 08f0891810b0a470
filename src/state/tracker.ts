import type { ResolvedConfig } from '../config/resolve.js';
import type { Gate } from '../gate.js';
import { phaseAt } from './schedule.js';
import type { StateStore, StoredState } from '../types.js';
import { toGateState, type GateState } from './stored-state.js';
import { assertStore, linkStore, type StoreLink } from './sync.js';
import { fileStore } from './stores/file-store.js';
import { redisStore } from './stores/redis-store.js';
import type { IntermissionStatus, StateSource } from '../types.js';

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** The store named by the config: the `store` option, or one built from an environment variable. */
function openStore(config: ResolvedConfig, option: unknown): StateStore | undefined {
  switch (config.store?.kind) {
    case undefined:
      return undefined;
    case 'options':
      assertStore(option);
      return option;
    case 'file':
      return fileStore(config.store.path);
    case 'redis':
      return redisStore({ url: config.store.url, ...(config.store.key !== undefined && { key: config.store.key }) });
  }
}

/**
 * Keeps the gate's state in step with the store and answers `status()`. Until the store was read
 * once, and whenever it holds no state, the config and env decide.
 */
export function createStateTracker(gate: Gate, config: ResolvedConfig, storeOption: unknown) {
  const fromConfig: GateState = gate.state();
  let stored: StoredState | null = null;
  let link: StoreLink | undefined;

  function status(): IntermissionStatus {
    const state = gate.state();
    const source: StateSource = stored ? 'store' : config.modeSource;
    return {
      mode: phaseAt(state, config.now()).mode,
      configuredMode: state.mode,
      source,
      ...(state.message !== undefined && { message: state.message }),
      ...(state.startsAt !== undefined && { startsAt: iso(state.startsAt) }),
      ...(state.until !== undefined && { until: iso(state.until) }),
      ...(state.launchAt !== undefined && { launchAt: iso(state.launchAt) }),
      ...(stored?.updatedAt !== undefined && { updatedAt: stored.updatedAt }),
      ...(stored?.updatedBy !== undefined && { updatedBy: stored.updatedBy }),
      ...(state.previewsValidAfter !== undefined && { previewsValidAfter: iso(state.previewsValidAfter) }),
      ...(link?.failing !== undefined && { storeError: link.failing }),
    };
  }

  function apply(next: StoredState | null): void {
    const previous = status();
    stored = next;
    const state = next ? { ...toGateState(next), retryAfter: next.retryAfter ?? config.retryAfter } : { ...fromConfig };
    // A revocation only moves forward: a state written after the store lost it (Redis restarted
    // without persistence, a deleted file) must not bring revoked links and cookies back.
    const revokedBefore = Math.max(gate.state().previewsValidAfter ?? 0, state.previewsValidAfter ?? 0);
    if (revokedBefore > 0) state.previewsValidAfter = revokedBefore;
    gate.setState(state);
    const current = status();
    config.logger.info?.(`State changed: ${previous.mode} → ${current.mode}`, { code: 'state-changed', source: current.source });
    try {
      config.onChange?.(current, previous);
    } catch (error) {
      config.logger.error('onChange threw', { code: 'on-change-failed', error: error instanceof Error ? error.message : String(error) });
    }
  }

  const store = openStore(config, storeOption);
  if (store) link = linkStore(store, apply, { logger: config.logger, pollInterval: config.pollInterval });

  return {
    status,
    ready: async (): Promise<void> => link?.ready,
    close: async (): Promise<void> => link?.close(),
  };
}
