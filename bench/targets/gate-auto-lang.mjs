// The same closed site as `gate` with `page.lang: 'auto'`; the load sends a German Accept-Language,
// so every request pays the one cached negotiation and gets the German page.
import express from 'express';
import { intermission } from './intermission.mjs';
import { fetchOnce, gateOptions } from './common.mjs';

const ACCEPT_LANGUAGE = 'de-DE,de;q=0.9,en;q=0.8';

export async function create() {
  const app = express();
  app.use(intermission(gateOptions({ page: { lang: 'auto' } })));
  app.get('/', (_req, res) => res.send('hello'));
  return {
    listener: app,
    async prepare(port) {
      const res = await fetchOnce(port, '/', { 'accept-language': ACCEPT_LANGUAGE });
      if (res.status !== 503 || !/<html lang="de"/.test(res.body.toString()))
        throw new Error(`expected the German 503 gate, got ${res.status}`);
      return { 'accept-language': ACCEPT_LANGUAGE };
    },
  };
}
