// Closed site with an IP allow-list of 1,000 CIDRs that includes 127.0.0.0/8: the loopback client
// is let through to the app's `res.send('hello')`.
import express from 'express';
import { intermission } from './intermission.mjs';
import { fetchOnce, gateOptions, randomCidrs } from './common.mjs';

export async function create() {
  const app = express();
  app.use(intermission(gateOptions({ allow: { ips: randomCidrs(1000).rules } })));
  app.get('/', (_req, res) => res.send('hello'));
  return {
    listener: app,
    async prepare(port) {
      const check = await fetchOnce(port, '/');
      if (check.body.toString() !== 'hello') throw new Error(`the allow-list did not open the site (${check.status})`);
      return {};
    },
  };
}
