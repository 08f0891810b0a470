// Shared by the target servers: the Intermission options every gated target uses, the seeded
// 1,000-CIDR allow-list, and the gate's own response (status, headers, body) so the baselines can
// answer with the same bytes on the wire.
import http from 'node:http';
import express from 'express';
import { mulberry32 as rng } from '../../test/support/random.mjs';
import { intermission } from './intermission.mjs';

/** A fixed secret: preview links and bypass cookies are signed with it. */
export const SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';

/** Options of every closed target. `logger: false` keeps warnings out of the measurement. */
export function gateOptions(extra = {}) {
  return { mode: 'maintenance', secret: SECRET, configFile: false, env: {}, logger: false, ...extra };
}

/** Seeded randomness for bench inputs (the tests use the same generator). */
export { rng };

const v4 = (n) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/**
 * `count` IPv4 CIDRs: 127.0.0.0/8 (so the loopback client is inside) plus `count - 1` random,
 * pairwise disjoint networks (prefixes /12 to /28) that do not touch 127.0.0.0/8. Seeded, so every
 * run and every process gets the same list. Also returns the ranges, for picking hits and misses.
 */
export function randomCidrs(count = 1000, seed = 0x1e7) {
  const random = rng(seed);
  const ranges = [[127 * 2 ** 24, 128 * 2 ** 24 - 1]];
  const rules = ['127.0.0.0/8'];
  const overlaps = (s, e) => ranges.some(([rs, re]) => s <= re && rs <= e);
  while (rules.length < count) {
    const prefix = 12 + Math.floor(random() * 17);
    const size = 2 ** (32 - prefix);
    const start = Math.floor((random() * 2 ** 32) / size) * size;
    const end = start + size - 1;
    if (start === 0 || overlaps(start, end)) continue;
    ranges.push([start, end]);
    rules.push(`${v4(start)}/${prefix}`);
  }
  return { rules, ranges, v4 };
}

/** One request against a listening server; resolves with status, raw headers and body. */
export function fetchOnce(port, path = '/', headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
  });
}

/** Headers Node adds by itself to every response: never copied into a prebuilt list. */
const AUTOMATIC = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * The gate's answer to a plain `GET /` (HTML, identity), taken from a real gate in this process:
 * `{ status, headers (flat list as the gate writes it), body }`.
 */
export async function gateResponse() {
  const app = express();
  const gate = intermission(gateOptions());
  app.use(gate);
  const server = http.createServer(gate.listener(app));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { status, rawHeaders, body } = await fetchOnce(server.address().port);
    const headers = [];
    for (let i = 0; i < rawHeaders.length; i += 2) {
      if (!AUTOMATIC.has(rawHeaders[i].toLowerCase())) headers.push(rawHeaders[i], rawHeaders[i + 1]);
    }
    return { status, headers, body };
  } finally {
    server.close();
    await gate.close();
  }
}
