// Control, not an Intermission target: the least an IP allow-list bypass can do and still keep the
// promises Intermission's bypass makes, written by hand without Intermission (the IP counterpart of
// bypass-required):
//   - the client's address as Express decides `req.ip` but without its getters: with no
//     X-Forwarded-For, the socket's address whatever `trust proxy` says; otherwise `req.ip`;
//   - matched against the same 1,000 CIDRs as `ip-allow` (IPv4 ranges, binary search), each address's
//     answer remembered (as Intermission caches its answers);
//   - the response private whatever the route set, enforced at `writeHead` (private-hook.mjs).
// No open paths, no cookie, no schedule, no logging, no `res.locals`.
import express from 'express';
import { randomCidrs } from './common.mjs';
import { field, headersOf, hookWriteHead, markPrivate } from './private-hook.mjs';

const { ranges } = randomCidrs(1000);
const starts = ranges.map(([start]) => start).sort((a, b) => a - b);
const endOf = new Map(ranges.map(([start, end]) => [start, end]));

function inRanges(address) {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  const parts = v4.split('.');
  if (parts.length !== 4) return false;
  const n = parts.reduce((acc, part) => acc * 256 + Number(part), 0);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= n) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && n <= endOf.get(starts[hi]);
}

const answers = new Map();
function allowed(address) {
  let answer = answers.get(address);
  if (answer === undefined) {
    answer = address !== undefined && inRanges(address);
    answers.set(address, answer);
  }
  return answer;
}

export async function create() {
  const app = express();
  hookWriteHead(app.response);
  app.use((req, res, next) => {
    const ip = headersOf(req)['x-forwarded-for'] === undefined ? field(req, 'socket').remoteAddress : req.ip;
    if (allowed(ip)) {
      markPrivate(res);
      return next();
    }
    res.status(503).end();
  });
  app.get('/', (_req, res) => res.send('hello'));
  return { listener: app };
}
