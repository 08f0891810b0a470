// Instructions per request of bench targets, counted by valgrind instead of timed: steady on a
// shared machine where timings swing by ±30% between rounds (bench/analysis.md, 2026-12-05 evening).
//
//   node bench/icount.mjs express-noop bypass-required cookie@bench/.tmp/a.js [--requests 2000,32000]
//
// Each side (`target` or `target@build.js`, like ab.mjs) runs twice under
// `valgrind --tool=cachegrind --cache-sim=no`, in `node --predictable` with fixed seeds, being handed
// the first and then the second number of requests; (instructions of the long run − the short run) ÷
// the difference in requests cancels start-up and compilation. Requests are IncomingMessage /
// ServerResponse pairs on one fake keep-alive socket, with the headers the target's `prepare` asks for,
// 50 per turn of the event loop. Only the server's own user-space work is counted (JavaScript, V8,
// Node's C++), no kernel and no parsing off a socket, so ratios are larger than over HTTP. Repeated
// runs of one side agree within about 1%, mostly garbage-collection timing. Needs valgrind
// (`apt-get install -y valgrind`); about a minute per side.
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH } from './lib.mjs';
import { TARGETS } from './report.mjs';

/**
 * Requests handed to each side: the short run, then the long one (their difference cancels start-up). The
 * window of 30,000 requests spreads one mark-compact collection more or less inside it three times
 * thinner than 10,000 did, where it moved a count by about 15k instructions a request.
 */
export const ICOUNT_REQUESTS = [2000, 32000];

/** Whether valgrind can run here. */
export function hasValgrind() {
  return spawnSync('valgrind', ['--version']).status === 0;
}

/** Instructions of one process handed `requests` requests (valgrind, in the background). */
function instructions(target, build, requests) {
  const env = { ...process.env };
  if (build) env.BENCH_INTERMISSION = resolve(build);
  const args = [
    '--tool=cachegrind',
    '--cache-sim=no',
    '--cachegrind-out-file=/dev/null',
    process.execPath,
    '--predictable',
    '--hash-seed=1',
    '--random-seed=1',
    fileURLToPath(import.meta.url),
    '--feed',
    target,
    String(requests),
  ];
  return new Promise((done, fail) => {
    const child = spawn('valgrind', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (status) => {
      const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr);
      if (status !== 0 || !refs) fail(new Error(`${target}: valgrind run failed\n${stderr.slice(-2000)}`));
      else done(Number(refs[1].replaceAll(',', '')));
    });
  });
}

/**
 * Instructions per request of each side (`target` or `target@build.js`), in the order given:
 * (long run − short run) ÷ the difference in requests. `parallel` valgrind processes at a time.
 */
export async function countInstructions(sides, { requests = ICOUNT_REQUESTS, parallel = 1 } = {}) {
  const [short, long] = requests;
  const jobs = sides.flatMap((side) => [short, long].map((count) => ({ side, count })));
  const counts = new Map();
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { side, count } = jobs[next++];
      const [target, build] = side.split(/@(.*)/s);
      counts.set(`${side} ${count}`, await instructions(target, build, count));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return sides.map((side) => ({ side, perRequest: (counts.get(`${side} ${long}`) - counts.get(`${side} ${short}`)) / (long - short) }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--feed') {
    await feed(process.argv[3], Number(process.argv[4]));
    process.exit(0);
  }
  const args = process.argv.slice(2);
  const flag = args.indexOf('--requests');
  const requests = flag >= 0 ? args.splice(flag, 2)[1].split(',').map(Number) : ICOUNT_REQUESTS;
  const sides = args;
  if (sides.length === 0 || !(requests[0] > 0 && requests[1] > requests[0]) || sides.some((s) => !/^[a-z0-9-]+(@.+)?$/.test(s))) {
    console.error('usage: node bench/icount.mjs <target[@build.js]>… [--requests short,long]');
    process.exit(2);
  }
  if (!hasValgrind()) {
    console.error('valgrind is not installed: apt-get install -y valgrind');
    process.exit(1);
  }
  const rows = await countInstructions(sides, { requests, parallel: 2 });
  for (const { side, perRequest } of rows) {
    const first = rows[0].perRequest;
    const vs = side === sides[0] ? '' : `  ${perRequest >= first ? '+' : ''}${((perRequest / first - 1) * 100).toFixed(1)}% vs ${sides[0]}`;
    console.log(`${side}: ${(perRequest / 1000).toFixed(1)}k instructions/request${vs}`);
  }
}

/** Hands `count` requests to the target's listener in this process (run under valgrind by the above). */
async function feed(name, count) {
  const target = await (await import(pathToFileURL(resolve(BENCH, 'targets', `${name}.mjs`)).href)).create();
  let extra = {};
  if (target.prepare) {
    const server = http.createServer(target.listener);
    await new Promise((done) => server.listen(0, '127.0.0.1', done));
    extra = (await target.prepare(server.address().port)) ?? {};
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
  const headers = { host: '127.0.0.1', ...(extra.cookie ? { cookie: extra.cookie } : {}) };
  // Each request gets strings of its own, as from Node's parser: one string object reused for every
  // request would carry its hash from one request to the next, which a real header never does.
  const fields = Object.entries(headers).map(([key, value]) => [key, Buffer.from(value, 'latin1')]);
  const socket = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  Object.defineProperty(socket, 'remoteAddress', { value: '127.0.0.1' });
  Object.defineProperty(socket, 'remotePort', { value: 40000 });
  socket.setTimeout = () => socket;
  const expected = TARGETS.find((t) => t.name === name)?.expect ?? 200;
  let answered = 0;
  const one = () => {
    const req = new http.IncomingMessage(socket);
    Object.assign(req, { method: 'GET', url: '/', httpVersionMajor: 1, httpVersionMinor: 1, httpVersion: '1.1', complete: true });
    req.headers = {};
    req.rawHeaders = [];
    for (const [key, bytes] of fields) {
      const value = bytes.toString('latin1');
      req.headers[key] = value;
      req.rawHeaders.push(key, value);
    }
    req.push(null);
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = true;
    res.assignSocket(socket);
    target.listener(req, res);
    if (!res.writableEnded) throw new Error(`${name} did not answer synchronously`);
    if (res.statusCode === expected) answered++;
    res.detachSocket(socket);
  };
  for (let done = 0; done < count;) {
    for (let i = 0; i < 50 && done < count; i++, done++) one();
    await new Promise((next) => setImmediate(next));
  }
  if (answered !== count) throw new Error(`${name}: only ${answered} of ${count} requests were answered ${expected}`);
}
