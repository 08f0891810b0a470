// One app instance for bench/fleet.mjs: Express behind the built middleware (dist/), following Redis
// through INTERMISSION_REDIS_URL as a deployed app would. Reports its port to the parent over IPC
// once the store was read; exits when the parent goes away or on SIGTERM.
//
//   FLEET_REDIS_URL=redis://127.0.0.1:PORT node bench/fleet-instance.mjs   (spawned with an IPC channel)
import express from 'express';
import { intermission } from '../dist/index.js';

const url = process.env.FLEET_REDIS_URL;
if (!url || !process.send) {
  process.stderr.write('fleet-instance.mjs: needs FLEET_REDIS_URL and an IPC channel\n');
  process.exit(2);
}

const quiet = () => {};
const middleware = intermission({
  configFile: false,
  env: { INTERMISSION_REDIS_URL: url },
  // Warnings and errors still show: an outage during the bench would explain odd numbers.
  logger: { debug: quiet, info: quiet, warn: (message) => console.error(`[instance ${process.pid}] ${message}`), error: (message) => console.error(`[instance ${process.pid}] ${message}`) },
});

const app = express();
app.use(middleware);
app.get('/', (_req, res) => void res.send('open'));

await middleware.ready();
const server = app.listen(0, '127.0.0.1', () => {
  if (process.connected) process.send({ type: 'listening', port: server.address().port });
});

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
process.on('disconnect', () => void stop());
