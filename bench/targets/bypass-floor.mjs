// Control, not an Intermission target: the least a cookie bypass that keeps shared caches out can do.
// One middleware finds a known cookie value in the header and marks the response private before
// handing over; anything else gets a bare 503. No signature, no scheme check, no enforcement when the
// headers go out (a route could still overwrite them): a floor under any correct bypass, not a design.
import express from 'express';

const COOKIE = 'intermission_bypass=floor0123456789abcdef0123456789abcdef0123456789abcdef0123456789';

export async function create() {
  const app = express();
  app.use((req, res, next) => {
    if (req.headers.cookie?.includes(COOKIE)) {
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('Vary', 'Cookie');
      return next();
    }
    res.status(503).end();
  });
  app.get('/', (_req, res) => res.send('hello'));
  return { listener: app, prepare: async () => ({ cookie: COOKIE }) };
}
