import type { LogDetails } from '../../src/index.js';

/** What test/support/fleet-instance.mjs sends its parent over IPC. */
export type InstanceMessage =
  { type: 'listening'; port: number } | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; details?: LogDetails };
