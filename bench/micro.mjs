// Micro-benchmark of the per-request bypass decision, in ns per request.
//
// The rule matchers are not part of the public API, so src/bypass/ and friends are bundled with
// esbuild into bench/.tmp/decision.mjs (the same code dist/ is built from); the `off` case calls the
// real middleware from dist/. Each case runs in its own freshly compiled loop (so call sites stay
// monomorphic), 1e6 iterations per run unless a run would take over ~150 ms, median of 5 runs after
// a warm-up.
//
//   node bench/micro.mjs            prints a Markdown table
//   (run.mjs starts it as a child and receives the rows over IPC)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { median, ROOT, TMP } from './lib.mjs';
import { randomCidrs, rng } from './targets/common.mjs';

const DIST = process.env.BENCH_INTERMISSION ?? join(ROOT, 'dist/index.js');
const RUNS = 5;
const MAX_ITERATIONS = 1_000_000;
const MAX_RUN_NS = 150e6;

mkdirSync(TMP, { recursive: true });
const outfile = join(TMP, 'decision.mjs');
await build({
  stdin: {
    contents: [
      "export { matchBypass } from './src/bypass/match.ts';",
      "export { compilePathRules, DEFAULT_OPEN_PATHS } from './src/bypass/path-rules.ts';",
      "export { compileIpRules } from './src/bypass/ip-rules.ts';",
      "export { createKeyRing } from './src/bypass/keys.ts';",
      "export { createCookieVerifier, signBypassCookie, bypassCookieNames } from './src/bypass/bypass-cookie.ts';",
    ].join('\n'),
    resolveDir: ROOT,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  outfile,
  logLevel: 'warning',
});
const d = await import(pathToFileURL(outfile).href);
const { intermission } = await import(pathToFileURL(DIST).href);
const proxyAddr = (await import('proxy-addr')).default;

const SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
const now = Date.now();
const names = d.bypassCookieNames('intermission_bypass');
const noPaths = d.compilePathRules([]).matcher;
const noIps = d.compileIpRules([]).matcher;
const rules = (over) => ({ paths: noPaths, ips: noIps, cookies: undefined, cookieNames: names, ...over });

// 1,000 CIDRs (127.0.0.0/8 + 999 random, seeded), and pools of 1,024 addresses inside and outside them.
const { rules: cidrs, ranges, v4 } = randomCidrs(1000);
const random = rng(42);
const inside = [];
const outside = [];
while (inside.length < 1024) {
  const [start, end] = ranges[1 + Math.floor(random() * (ranges.length - 1))];
  inside.push(v4(start + Math.floor(random() * (end - start + 1))));
}
while (outside.length < 1024) {
  const n = Math.floor(random() * 2 ** 32);
  if (!ranges.some(([s, e]) => n >= s && n <= e)) outside.push(v4(n));
}
const ipsCached = d.compileIpRules(cidrs).matcher;
const ipsUncached = d.compileIpRules(cidrs, { cacheLimit: 0 }).matcher;
// Fill the cache to its limit first, so "warm" means a full cache, as on a busy site.
for (let i = 0; ipsCached.cacheSize < 4000 && i < 1e6; i++) ipsCached.matches(v4(127 * 2 ** 24 + i));

const ring = d.createKeyRing([SECRET]);
const verifier = d.createCookieVerifier(ring, 12 * 3600 * 1000);
const valid = d.signBypassCookie(ring, now - 1000, now + 3600 * 1000);
const invalid = `${valid.slice(0, -1)}${valid.endsWith('A') ? 'B' : 'A'}`;
const session = 'sid=s%3Aj8Yx2mQ0c1kd9a.Lq3h9T2s0pWfA7vU; theme=dark';

const defaultPaths = rules({ paths: d.compilePathRules([...d.DEFAULT_OPEN_PATHS]).matcher });
const onlyIps = (ips) => rules({ ips });
const onlyCookies = rules({ cookies: verifier });

const off = intermission({ mode: 'off', configFile: false, env: {}, logger: false });
const fakeRes = {};
const next = () => {};
const offReq = { method: 'GET', url: '/', originalUrl: '/', headers: {} };
const trustNone = () => false;
const socketReq = { headers: {}, socket: { remoteAddress: '127.0.0.1' }, connection: { remoteAddress: '127.0.0.1' } };

const facts = (url, ip, cookie) => ({ url, ip, cookie });
const match = (r, f) => () => d.matchBypass(r, f, now, 0);
const cycle = (r, pool) => (i) => d.matchBypass(r, { url: '/', ip: pool[i & 1023], cookie: undefined }, now, 0);

/** [name, what it measures, function (truthy = bypass), expected result] */
const cases = [
  ['loop overhead', 'empty loop body (subtract mentally from the rest)', () => false, false],
  [
    'off (middleware)',
    'the real middleware, mode off: clock, snapshot, preview-path check, next()',
    () => (off(offReq, fakeRes, next), false),
    false,
  ],
  ['no rules', 'matchBypass with no path, IP or cookie rules', match(rules({}), facts('/', '127.0.0.1', undefined)), undefined],
  ['path hit', 'default open paths, /healthz', match(defaultPaths, facts('/healthz', '127.0.0.1', undefined)), 'path'],
  [
    'path miss',
    'default open paths, /blog/launch-article?ref=home',
    match(defaultPaths, facts('/blog/launch-article?ref=home', '127.0.0.1', undefined)),
    undefined,
  ],
  ['IP hit, cache warm', '1,000 CIDRs, 127.0.0.1 (cached)', match(onlyIps(ipsCached), facts('/', '127.0.0.1', undefined)), 'ip'],
  ['IP hit, no cache', '1,000 CIDRs, cacheLimit 0, 1,024 addresses inside random ranges', cycle(onlyIps(ipsUncached), inside), 'ip'],
  ['IP miss, cache warm', '1,000 CIDRs, full cache, 1,024 random outside addresses', cycle(onlyIps(ipsCached), outside), undefined],
  ['IP miss, no cache', '1,000 CIDRs, cacheLimit 0, 1,024 random outside addresses', cycle(onlyIps(ipsUncached), outside), undefined],
  [
    'cookie valid, cache warm',
    'signed bypass cookie, verification cached',
    match(onlyCookies, facts('/', undefined, `intermission_bypass=${valid}`)),
    'cookie',
  ],
  [
    'cookie invalid',
    'right shape, wrong MAC (one HMAC-SHA256 per request)',
    match(onlyCookies, facts('/', undefined, `intermission_bypass=${invalid}`)),
    undefined,
  ],
  ['other cookies only', 'a session cookie, no bypass cookie', match(onlyCookies, facts('/', undefined, session)), undefined],
  [
    'proxyAddr (listener)',
    'proxy-addr as listener.ts calls it on every gated request',
    () => (proxyAddr(socketReq, trustNone) === '', false),
    false,
  ],
];

function makeLoop() {
  // A fresh function per case: its own type feedback, so `fn` stays monomorphic.
  return new Function('fn', 'n', 'let hits = 0; for (let i = 0; i < n; i++) { if (fn(i)) hits++; } return hits;');
}

function timeRun(loop, fn, n) {
  const t0 = process.hrtime.bigint();
  loop(fn, n);
  return Number(process.hrtime.bigint() - t0);
}

const rows = [];
for (const [name, what, fn, expected] of cases) {
  const got = fn(0);
  if (got !== expected && !(expected === false && got === false)) throw new Error(`${name}: expected ${expected}, got ${got}`);
  const loop = makeLoop();
  // Warm up (and let the optimising compiler finish) before sizing the runs.
  for (let n = 1000, spent = 0; n <= 256_000 && spent < 100e6; n *= 2) spent += timeRun(loop, fn, n);
  const probe = Math.max(1, timeRun(loop, fn, 20_000) / 20_000);
  const n = Math.max(10_000, Math.min(MAX_ITERATIONS, Math.floor(MAX_RUN_NS / probe)));
  const runs = [];
  for (let r = 0; r < RUNS; r++) runs.push(timeRun(loop, fn, n) / n);
  rows.push({ name, what, ns: median(runs), min: Math.min(...runs), max: Math.max(...runs), iterations: n });
}

if (process.send) {
  process.send({ type: 'ready', rows });
  process.disconnect();
} else {
  console.log('| case | ns/request (median of 5) | min–max | iterations | what |\n| --- | ---: | ---: | ---: | --- |');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.ns.toFixed(1)} | ${r.min.toFixed(1)}–${r.max.toFixed(1)} | ${r.iterations.toLocaleString('en-US')} | ${r.what} |`,
    );
}
