// Closed site through the pre-router fast path: `http.createServer(gate.listener(app))`, the
// middleware still mounted in the app for whatever the listener hands over.
import express from 'express';
import { intermission } from './intermission.mjs';
import { fetchOnce, gateOptions } from './common.mjs';

export async function create() {
  const app = express();
  const gate = intermission(gateOptions());
  app.use(gate);
  app.get('/', (_req, res) => res.send('hello'));
  return { listener: gate.listener(app), prepare: expectGate };
}

/** The load must get the maintenance page, not the app. */
async function expectGate(port) {
  const res = await fetchOnce(port, '/');
  if (res.status !== 503 || res.body.toString().includes('hello')) throw new Error(`expected the 503 gate, got ${res.status}`);
  return {};
}
