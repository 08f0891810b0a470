import * as z from 'zod';
import { StateStoreError } from '../errors.js';
import { parseIsoDateTime } from '../shared/iso-time.js';
import { MAX_MESSAGE_LENGTH, MAX_SCHEDULE_SECONDS, MAX_UPDATED_BY_LENGTH } from '../shared/limits.js';
import type { Mode, StoredState } from '../types.js';

/** The runtime state: what a store (or the config, before any store) says the gate should do. Times in epoch ms. */
export interface GateState {
  mode: Mode;
  message?: string | undefined;
  retryAfter?: number | undefined;
  until?: number | undefined;
  launchAt?: number | undefined;
  startsAt?: number | undefined;
  /** Bypass cookies and preview links issued before this instant (epoch ms) no longer work. */
  previewsValidAfter?: number | undefined;
}

const isoDateTime = z.string().refine((text) => parseIsoDateTime(text) !== undefined, {
  error: 'expected an ISO 8601 date-time with a time zone',
});

/**
 * C0 controls (tab and newline included), DEL and C1 controls. Refused in stored text: written to a
 * terminal by `intermission status` or into a text/plain page, they could fake output (ANSI escapes,
 * carriage returns over a line).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/;

/** Text for a person, free of control characters. */
const plainText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((text) => !CONTROL_CHARACTERS.test(text), { error: 'must not contain control characters (U+0000-U+001F, U+007F-U+009F)' });

/** Unknown keys are ignored rather than refused: a newer CLI may write fields an older app does not know. */
export const storedStateSchema = z.object({
  mode: z.enum(['off', 'maintenance', 'coming-soon']),
  message: plainText(MAX_MESSAGE_LENGTH).optional(),
  retryAfter: z.number().int().min(1).max(MAX_SCHEDULE_SECONDS).optional(),
  until: isoDateTime.optional(),
  launchAt: isoDateTime.optional(),
  startsAt: isoDateTime.optional(),
  updatedAt: isoDateTime,
  updatedBy: plainText(MAX_UPDATED_BY_LENGTH).optional(),
  previewsValidAfter: isoDateTime.optional(),
});

/** The most a stored state may weigh; anything larger is not a state. */
export const MAX_STATE_BYTES = 64 * 1024;

/** Parses and validates a stored state from its JSON text. Throws `StateStoreError` when it is not one. */
export function parseStoredState(text: string, where: string): StoredState {
  if (text.length > MAX_STATE_BYTES) {
    throw new StateStoreError('ERR_INTERMISSION_STATE_INVALID', `${where} is over ${MAX_STATE_BYTES} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new StateStoreError('ERR_INTERMISSION_STATE_INVALID', `${where} is not valid JSON`, { cause: error });
  }
  const parsed = storedStateSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const path = first?.path.join('.') || 'state';
    throw new StateStoreError('ERR_INTERMISSION_STATE_INVALID', `${where} is not a valid state (${path}: ${first?.message ?? 'invalid'})`);
  }
  return stripUndefined(parsed.data);
}

function stripUndefined(state: StoredState): StoredState {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) if (value !== undefined) out[key] = value;
  return out as unknown as StoredState;
}

/** The stored state as the gate uses it: epoch milliseconds instead of ISO strings. */
export function toGateState(state: StoredState): GateState {
  const ms = (iso: string | undefined) => (iso === undefined ? undefined : parseIsoDateTime(iso));
  return {
    mode: state.mode,
    message: state.message,
    retryAfter: state.retryAfter,
    until: ms(state.until),
    launchAt: ms(state.launchAt),
    startsAt: ms(state.startsAt),
    previewsValidAfter: ms(state.previewsValidAfter),
  };
}

/** Two states say the same thing (used to skip no-op updates from polling). */
export function sameState(a: StoredState | null, b: StoredState | null): boolean {
  if (a === null || b === null) return a === b;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if ((a as unknown as Record<string, unknown>)[key] !== (b as unknown as Record<string, unknown>)[key]) return false;
  }
  return true;
}
