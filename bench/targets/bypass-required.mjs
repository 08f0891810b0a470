// Control, not an Intermission target: the least a cookie bypass can do and still keep the promises
// Intermission's bypass makes (README, "Security"), written by hand without Intermission:
//   - the cookie is a signed value, verified once and then remembered with its expiry (as Intermission
//     caches its verification), and read by name from the Cookie header;
//   - it is bound to the scheme (`__Host-` name on secure requests), decided as Express decides
//     `req.secure` but without its getters: TLS on the socket, or a trusted proxy's X-Forwarded-Proto;
//   - the response goes out private whatever the route set: `Cache-Control: private, no-store`,
//     `Vary: Cookie` and no vendor caching headers, enforced as the headers go out, by one hook on
//     the app's own `app.response.writeHead` and a mark on the connection.
// No open paths, no IP rules, no schedule, no logging, no `res.locals`. Compared with `bypass-floor`
// it shows what those promises cost by themselves (bench/analysis.md).
import { createHmac, timingSafeEqual } from 'node:crypto';
import express from 'express';
import { SECRET } from './common.mjs';
import { field, headersOf, hookWriteHead, markPrivate } from './private-hook.mjs';

const NAME = 'intermission_bypass';
const expires = Date.now() + 3_600_000;
const payload = String(expires);
const sign = (data) => createHmac('sha256', SECRET).update(data).digest('base64url');
const VALUE = `${payload}.${sign(payload)}`;

/** The one value verified so far and its expiry: the signature is checked once per value. */
let verified;
function valid(value) {
  if (value === verified?.value) return Date.now() < verified.expires;
  const dot = value.indexOf('.');
  if (dot < 0) return false;
  const mac = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(sign(value.slice(0, dot)));
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return false;
  verified = { value, expires: Number(value.slice(0, dot)) };
  return Date.now() < verified.expires;
}

function readCookie(header, name) {
  const at = header.indexOf(`${name}=`);
  if (at < 0 || (at > 0 && header[at - 1] !== ' ' && header[at - 1] !== ';')) return undefined;
  const end = header.indexOf(';', at);
  return header.slice(at + name.length + 1, end < 0 ? undefined : end);
}

/** `req.secure` for an app that does not override Express's getters (what Intermission checks once per app). */
function secure(req, headers) {
  const socket = field(req, 'socket');
  const proto = headers['x-forwarded-proto'];
  if (proto === undefined || proto === '') return socket.encrypted === true;
  if (!field(req, 'app').get('trust proxy fn')(socket.remoteAddress, 0)) return socket.encrypted === true;
  const comma = proto.indexOf(',');
  return (comma < 0 ? proto : proto.slice(0, comma)).trim() === 'https';
}

export async function create() {
  const app = express();
  hookWriteHead(app.response);
  app.use((req, res, next) => {
    const headers = headersOf(req);
    const header = headers.cookie;
    const value = header === undefined ? undefined : readCookie(header, secure(req, headers) ? `__Host-${NAME}` : NAME);
    if (value !== undefined && valid(value)) {
      markPrivate(res);
      return next();
    }
    res.status(503).end();
  });
  app.get('/', (_req, res) => res.send('hello'));
  return { listener: app, prepare: async () => ({ cookie: `${NAME}=${VALUE}` }) };
}
