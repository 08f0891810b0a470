// Intermission with mode `off`, in front of the same bare app.
import express from 'express';
import { intermission } from './intermission.mjs';

export async function create() {
  const app = express();
  app.use(intermission({ mode: 'off', configFile: false, env: {} }));
  app.get('/', (_req, res) => res.send('hello'));
  return { listener: app };
}
