// Control, not an Intermission target: the bare app behind one no-op middleware. What any
// `app.use()` layer costs in Express 5, whatever the middleware does.
import express from 'express';

export async function create() {
  const app = express();
  app.use((_req, _res, next) => next());
  app.get('/', (_req, res) => res.send('hello'));
  return { listener: app };
}
