// Closed site: the middleware answers with the maintenance page (HTML; identity unless the load
// sends Accept-Encoding). Mounted in front of the same bare app.
import express from 'express';
import { intermission } from './intermission.mjs';
import { fetchOnce, gateOptions } from './common.mjs';

export async function create() {
  const app = express();
  app.use(intermission(gateOptions()));
  app.get('/', (_req, res) => res.send('hello'));
  return { listener: app, prepare: expectGate };
}

/** The load must get the maintenance page, not the app. */
async function expectGate(port) {
  const res = await fetchOnce(port, '/');
  if (res.status !== 503 || res.body.toString().includes('hello')) throw new Error(`expected the 503 gate, got ${res.status}`);
  return {};
}
