// Paired A/B of bench targets without sockets: each side is a target (bench/targets/<name>.mjs) in its
// own process, optionally on another build (`target@build.js`, like ab.mjs), and is handed N requests
// built in memory (an IncomingMessage and a ServerResponse with no socket, the headers the target's
// `prepare` asks for) straight to its listener. Each process reports its CPU time for the batch; the
// sides take turns, the order reversed every other round, and the ratios are paired round by round.
//
//   node bench/inproc.mjs express-noop cookie@bench/.tmp/a.js cookie@bench/.tmp/b.js [rounds=21] [requests=20000]
//
// What it leaves out (sockets, the HTTP parser, writev, the load generator) is the same for every side,
// so the ratios here are larger than over HTTP, where that work is about half of each request; what it
// buys is steadiness on a loaded machine: no second process competes for the measured core, and a
// round is one CPU-bound loop. Each side has its own process so a build that patches shared
// prototypes cannot change the others. Pinned to core 1 when taskset works.
import http from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, pin, startChild, stopChild } from './lib.mjs';

if (process.argv[2] === '--child') {
  const name = process.argv[3];
  const target = await (await import(`./targets/${name}.mjs`)).create();
  // `prepare` (a preview link for the cookie) needs a real server once.
  const server = http.createServer(target.listener);
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const headers = {
    host: '127.0.0.1',
    'user-agent': 'inproc',
    accept: '*/*',
    ...(target.prepare ? await target.prepare(server.address().port) : {}),
  };
  server.close();
  const socket = {
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
    encrypted: false,
    readable: true,
    writable: true,
    destroyed: false,
    on() {},
    once() {},
    removeListener() {},
    setTimeout() {},
  };
  const one = () => {
    const req = new http.IncomingMessage(socket);
    req.method = 'GET';
    req.url = '/';
    // As Node's parser sets them: code may take another path for HTTP/1.x than for other versions.
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.httpVersion = '1.1';
    req.headers = { ...headers };
    const res = new http.ServerResponse(req);
    target.listener(req, res);
    return res;
  };
  const check = one();
  const status = check.statusCode;
  // Requests go in small batches with a turn of the event loop between them, as a server's would: a
  // whole round in one synchronous loop keeps every response alive until it ends (their 'finish' is
  // queued), and the round then measures the old generation's garbage collector more than the code.
  const BATCH = 50;
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  process.on('message', async (msg) => {
    if (msg.type === 'exit') process.exit(0);
    const mark = process.cpuUsage();
    for (let done = 0; done < msg.requests; done += BATCH) {
      for (let i = 0; i < BATCH; i++) one();
      await turn();
    }
    const { user, system } = process.cpuUsage(mark);
    process.send({ id: msg.id, cpu: (user + system) / msg.requests, status });
  });
  process.send({ type: 'ready' });
} else {
  const args = process.argv.slice(2);
  const numbers = [];
  while (args.length > 0 && /^\d+$/.test(args.at(-1))) numbers.unshift(Number(args.pop()));
  const [rounds = 21, requests = 20000] = numbers;
  if (args.length < 2 || args.some((spec) => !/^[a-z0-9-]+(@.+)?$/.test(spec))) {
    console.error('usage: node bench/inproc.mjs <target[@build.js]> <target[@build.js]> [more sides…] [rounds] [requests]');
    process.exit(2);
  }
  const self = fileURLToPath(import.meta.url);
  const sides = args.map((spec) => {
    const [target, file] = spec.split(/@(.*)/s);
    const env = { ...process.env };
    if (file) env.BENCH_INTERMISSION = resolve(file);
    return { label: spec, child: startChild(self, ['--child', target], { env, core: 1 }), cpu: [] };
  });
  for (const side of sides) {
    await side.child.ready;
    pin(side.child, 1);
    side.status = (await side.child.ask({ requests })).status; // warm-up
  }
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) side.cpu.push((await side.child.ask({ requests })).cpu);
  }
  await Promise.all(sides.map((side) => stopChild(side.child)));
  const pct = (ratio) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
  console.log(`in process, no sockets: ${rounds} rounds × ${requests} requests per side, order reversed every other round`);
  for (const side of sides) console.log(`${side.label}: CPU ${median(side.cpu).toFixed(2)} µs/request (median), status ${side.status}`);
  for (let i = 0; i < sides.length; i++) {
    for (let j = i + 1; j < sides.length; j++) {
      const ratios = sides[j].cpu.map((cpu, k) => cpu / sides[i].cpu[k]);
      const sorted = [...ratios].sort((a, b) => a - b);
      const q1 = sorted[Math.floor((sorted.length - 1) / 4)];
      const q3 = sorted[Math.ceil((3 * (sorted.length - 1)) / 4)];
      console.log(
        `${sides[j].label} vs ${sides[i].label}: CPU/request ratio, paired median ${median(ratios).toFixed(3)} (${pct(median(ratios))}; quartiles ${q1.toFixed(3)}–${q3.toFixed(3)}; cheaper in ${ratios.filter((r) => r < 1).length}/${rounds})`,
      );
    }
  }
}
