// The launch list: `POST /__intermission/subscribe` with a JSON body, a new address each time
// (bench/load.mjs's uniqueBody), on the embedded file store (one fsynced append per signup) in a temp
// directory. Each request gets its own client address (a counter, through X-Forwarded-For and
// `trust proxy`), so the per-IP rate limit never answers in the store's place.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { intermission } from './intermission.mjs';
import { fetchOnce, gateOptions } from './common.mjs';

const PATH = '/__intermission/subscribe';

export async function create() {
  const file = join(mkdtempSync(join(tmpdir(), 'intermission-bench-signup-')), 'subscribers.jsonl');
  const app = express();
  app.set('trust proxy', true);
  let client = 0;
  app.use((req, _res, next) => {
    client = (client + 1) % 16_777_216;
    req.headers['x-forwarded-for'] = `10.${client >>> 16}.${(client >>> 8) & 255}.${client & 255}`;
    next();
  });
  app.use(intermission(gateOptions({ mode: 'coming-soon', signup: { file } })));
  const info = { file };
  return {
    listener: app,
    info,
    async prepare(port) {
      const page = await fetchOnce(port, '/', { accept: 'text/html' });
      const token = /name="token" value="([^"]+)"/.exec(page.body.toString())?.[1];
      if (!token) throw new Error(`no form token in the coming-soon page (${page.status})`);
      // What the load sends: run.mjs reads it from `info.load`.
      info.load = {
        path: PATH,
        method: 'POST',
        uniqueBody: JSON.stringify({ email: 'bench-[<id>]@example.com', consent: true, token }),
      };
      return { 'content-type': 'application/json', accept: 'application/json' };
    },
  };
}
