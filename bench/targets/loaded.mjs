// Control, not an Intermission target: express-noop with Intermission imported and one gate created
// but never mounted. Against express-noop it shows what merely loading the package costs an app
// (a bigger heap makes every garbage collection dearer); against it, `cookie` shows what the
// bypass itself costs per request.
import express from 'express';
import { intermission } from './intermission.mjs';

export async function create() {
  const app = express();
  const gate = intermission({ mode: 'off', configFile: false, env: {} });
  app.use((_req, _res, next) => next());
  app.get('/', (_req, res) => res.send('hello'));
  // Held by the app so the gate's heap stays alive for the whole run, as it would in a real app.
  app.locals.gate = gate;
  return { listener: app };
}
