import { MAX_SCHEDULE_SECONDS } from '../shared/limits.js';
import type { Mode } from '../types.js';

/** The settings that decide the mode over time. Times are epoch milliseconds. */
export interface Schedule {
  mode: Mode;
  /** Closed only from this moment on (a window planned ahead). */
  startsAt?: number | undefined;
  /** Maintenance ends (and, when no `launchAt` is set, coming soon too). */
  until?: number | undefined;
  /** Coming soon ends: the launch. */
  launchAt?: number | undefined;
}

/** The mode in force at one instant, and the next instant at which the answer can change. */
export interface Phase {
  mode: Mode;
  /** Epoch ms of the next scheduled change; `undefined` when nothing is scheduled. */
  changesAt: number | undefined;
}

function isTime(value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** When the closed period ends, for the given closed mode. */
export function endOf(schedule: Schedule, mode: Exclude<Mode, 'off'>): number | undefined {
  if (mode === 'coming-soon') return isTime(schedule.launchAt) ? schedule.launchAt : isTime(schedule.until) ? schedule.until : undefined;
  return isTime(schedule.until) ? schedule.until : undefined;
}

/**
 * Which mode is in force at `now`. Pure: the gate, `Retry-After`, the countdown and the JSON all ask
 * this one function with one clock, so they never disagree.
 */
export function phaseAt(schedule: Schedule, now: number): Phase {
  if (schedule.mode === 'off') return { mode: 'off', changesAt: undefined };
  const end = endOf(schedule, schedule.mode);
  if (isTime(schedule.startsAt) && now < schedule.startsAt) {
    // A window whose end is not after its start never closes the site.
    if (end !== undefined && end <= schedule.startsAt) return { mode: 'off', changesAt: undefined };
    return { mode: 'off', changesAt: schedule.startsAt };
  }
  if (end !== undefined && now >= end) return { mode: 'off', changesAt: undefined };
  return { mode: schedule.mode, changesAt: end };
}

/** Date's own range: a later "end" is no instant at all (`new Date(end)` is Invalid Date). */
const MAX_DATE_MS = 8.64e15;

/** `end` is a real instant after `now`. */
function isAhead(end: number | undefined, now: number): end is number {
  return isTime(end) && Math.abs(end) <= MAX_DATE_MS && end > now;
}

/** Whole seconds from 1 to 366 days; NaN (no answer) counts as 1, the shortest wait. */
function wholeSeconds(seconds: number): number {
  if (Number.isNaN(seconds)) return 1;
  return Math.min(MAX_SCHEDULE_SECONDS, Math.max(1, Math.round(seconds)));
}

/** RFC 9110 `Retry-After`: an HTTP-date when the end is known and ahead, else whole seconds. */
export function retryAfterValue(end: number | undefined, fallbackSeconds: number, now: number): string {
  if (isAhead(end, now)) return new Date(end).toUTCString();
  return String(wholeSeconds(fallbackSeconds));
}

/** Seconds a client should wait, as a number (for JSON bodies). */
export function retryAfterSeconds(end: number | undefined, fallbackSeconds: number, now: number): number {
  if (isAhead(end, now)) return Math.max(1, Math.ceil((end - now) / 1000));
  return wholeSeconds(fallbackSeconds);
}
