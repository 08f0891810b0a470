// One app instance of a fleet following Redis, for the fleet test (test/fleet) and the propagation
// benchmark (bench/fleet.mjs): Express behind the middleware, following Redis through
// INTERMISSION_REDIS_URL as a deployed app would (default redisStore, resync every 5 s).
//
//   FLEET_REDIS_URL   the Redis the fleet follows (required)
//   FLEET_MODULE      what to import `intermission` from: default the build (dist/); the test points
//                     it at src/index.ts and runs this file with `node --import tsx`
//
// Spawned with an IPC channel; sends `{ type: 'listening', port }` once the store was read, and every
// log line as `{ type: 'log', level, message, details }`. `/__status` (before the gate) answers with
// middleware.status(). Exits when the parent goes away or on SIGTERM.
import express from 'express';

const url = process.env.FLEET_REDIS_URL;
if (!url || !process.send) {
  process.stderr.write('fleet-instance.mjs: needs FLEET_REDIS_URL and an IPC channel (spawn it with stdio "ipc")\n');
  process.exit(2);
}

const { intermission } = await import(process.env.FLEET_MODULE ?? new URL('../../dist/index.js', import.meta.url).href);

function send(message) {
  if (process.connected) process.send(message);
}

const log = (level) => (message, details) => send({ type: 'log', level, message, ...(details !== undefined && { details }) });

const middleware = intermission({
  configFile: false,
  env: { INTERMISSION_REDIS_URL: url },
  logger: { info: log('info'), warn: log('warn'), error: log('error') },
});

const app = express();
// Before the gate: each instance's view of the state, open or closed.
app.get('/__status', (_req, res) => void res.json(middleware.status()));
app.use(middleware);
app.get('/', (_req, res) => void res.send('open'));

await middleware.ready();
const server = app.listen(0, '127.0.0.1', () => send({ type: 'listening', port: server.address().port }));

let stopping = false;
async function stop() {
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
// The parent died or let go of us: never outlive it.
process.on('disconnect', () => void stop());
