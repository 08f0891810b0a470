// Closed site, visitor holding a valid bypass cookie: requests reach the app's `res.send('hello')`.
// The cookie comes from the real preview path (303 + Set-Cookie), fetched once before the load.
import express from 'express';
import { createPreviewToken, intermission } from './intermission.mjs';
import { fetchOnce, gateOptions, SECRET } from './common.mjs';

export async function create() {
  const app = express();
  app.use(intermission(gateOptions()));
  app.get('/', (_req, res) => res.send('hello'));
  return {
    listener: app,
    async prepare(port) {
      const token = createPreviewToken(SECRET, { ttlSeconds: 3600 });
      const res = await fetchOnce(port, `/__intermission/preview?token=${token}`);
      const setCookie = res.headers['set-cookie']?.[0];
      if (res.status !== 303 || !setCookie) throw new Error(`preview answered ${res.status} without a cookie`);
      const cookie = setCookie.split(';')[0];
      const check = await fetchOnce(port, '/', { cookie });
      if (check.body.toString() !== 'hello') throw new Error(`the bypass cookie did not open the site (${check.status})`);
      return { cookie };
    },
  };
}
