import type { StoredState } from '../../types.js';
import { loadConfig, print, stamp, targetOf, warn, type Command, type Context } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { escapeControl, iso } from '../format.js';

async function runRevokePreviews(ctx: Context): Promise<void> {
  const target = targetOf(ctx);
  const stored = await target.read();
  let state: StoredState;
  if (!stored && target.absentMeans === 'unknown') {
    // Writing the configured mode here could open a fleet that is still closed from memory.
    throw new CliError(
      EXIT.INVALID,
      'ERR_INTERMISSION_STATE_UNKNOWN',
      `${target.label} holds no state, so the mode the instances keep is unknown; run intermission down or intermission up first, then revoke-previews`,
    );
  }
  if (stored) {
    state = { ...stored, ...stamp(ctx), previewsValidAfter: iso(ctx.now) };
  } else {
    // The revocation needs a state to live in; keep the site as the config says it is now.
    const config = loadConfig(ctx.io.env);
    state = {
      mode: config.mode,
      ...(config.until !== undefined && { until: iso(config.until) }),
      ...(config.launchAt !== undefined && { launchAt: iso(config.launchAt) }),
      ...stamp(ctx),
      previewsValidAfter: iso(ctx.now),
    };
    warn(
      ctx,
      `the store held no state, so it now holds the configured mode (${config.mode}, from ${config.modeSource}); from now on the store, not INTERMISSION_MODE or the config file, decides the mode`,
    );
  }
  await target.write(state);
  print(
    ctx,
    { target: target.label, state, warnings: ctx.warnings },
    `Preview links and bypass cookies issued before ${state.previewsValidAfter} no longer work (${escapeControl(target.label)}). The mode stays ${state.mode}.`,
  );
}

export const revokePreviews: Command = {
  summary: 'Invalidate every preview link and bypass cookie issued until now, on every instance',
  usage: 'intermission revoke-previews',
  notes: 'Keeps the mode. When the store holds no state, writes the configured mode along with the revocation.',
  options: {},
  store: 'state',
  run: runRevokePreviews,
};
