/**
 * One app instance of the fleet test: a real Express app behind the middleware, following Redis, run
 * as its own process with `node --import tsx test/fleet/instance.ts` (src, no build needed).
 *
 * Environment: FLEET_REDIS_URL, the Redis the fleet follows, handed to the middleware as
 * `INTERMISSION_REDIS_URL` (so the default `redisStore`, resync every 5 s, as a deployed app gets).
 *
 * Talks to the parent over IPC: `{ type: 'listening', port }` once the store was read, and every log
 * line as `{ type: 'log', level, message, details }`. Exits when the parent goes away or on SIGTERM.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { intermission } from '../../src/index.js';
import type { LogDetails, Logger } from '../../src/index.js';

export type InstanceMessage =
  | { type: 'listening'; port: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; details?: LogDetails };

const url = process.env.FLEET_REDIS_URL;
if (!url || !process.send) {
  process.stderr.write('instance.ts: needs FLEET_REDIS_URL and an IPC channel (spawn it with stdio "ipc")\n');
  process.exit(2);
}

function send(message: InstanceMessage): void {
  if (process.connected) process.send?.(message);
}

const log =
  (level: 'info' | 'warn' | 'error') =>
  (message: string, details?: LogDetails): void =>
    send({ type: 'log', level, message, ...(details !== undefined && { details }) });
const logger: Logger = { info: log('info'), warn: log('warn'), error: log('error') };

const middleware = intermission({
  configFile: false,
  env: { INTERMISSION_REDIS_URL: url },
  logger,
});

const app = express();
// Before the gate: the fleet test reads each instance's view of the state, open or closed.
app.get('/__status', (_req, res) => void res.json(middleware.status()));
app.use(middleware);
app.get('/', (_req, res) => void res.send('open'));

await middleware.ready();
const server = app.listen(0, '127.0.0.1', () => {
  send({ type: 'listening', port: (server.address() as AddressInfo).port });
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 3000).unref();
  server.close();
  server.closeAllConnections();
  await middleware.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// The parent died or let go of us: never outlive the test.
process.on('disconnect', () => void stop());
