// Intermission's benchmark: `npm run bench` (= `npm run build && node bench/run.mjs`).
//
// Every target is a small server (bench/targets/<name>.mjs, run by bench/targets/serve.mjs) in its
// own process pinned to core 1; autocannon runs in another process pinned to core 0 (bench/load.mjs).
// Targets take turns, round-robin, for several rounds; each round the server measures its own CPU
// time (process.cpuUsage() between a start and a stop message), so CPU per request is known apart
// from the load generator's. Then: the decision micro-benchmark (bench/micro.mjs), the gate's RSS
// over 200k requests, a --cpu-prof profile of every target that misses its goal (and of its
// baseline), and the instructions per request of the bypass rows and their controls under valgrind
// (bench/icount.mjs). The raw data goes to bench/.tmp/last-run.json; bench/report.mjs turns it into the
// Markdown printed here and written to bench/results.md.
//
// Settings (environment): BENCH_ROUNDS (7), BENCH_DURATION (1.5 s), BENCH_WARMUP (0.75 s),
// BENCH_CONNECTIONS (50), BENCH_PIPELINING (1), BENCH_RSS_REQUESTS (200000), BENCH_PROFILE (1; 0 skips
// profiling), BENCH_ICOUNT (1; 0 skips the instruction counts), BENCH_ONLY (comma-separated target names, for quick looks; results.md is then not written).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { pin, ROOT, BENCH, startChild, stopChild, TASKSET, TMP } from './lib.mjs';
import { summarize } from './profile-summary.mjs';
import { countInstructions, hasValgrind, ICOUNT_REQUESTS } from './icount.mjs';
import { computeStats, ICOUNT_SIDES, renderReport, RSS_STEPS, TARGETS, writeResults } from './report.mjs';

const started = Date.now();
const env = process.env;
const number = (value, fallback) => (value !== undefined && value !== '' && Number.isFinite(Number(value)) ? Number(value) : fallback);
const SETTINGS = {
  rounds: number(env.BENCH_ROUNDS, 7),
  duration: number(env.BENCH_DURATION, 1.5),
  warmup: number(env.BENCH_WARMUP, 0.75),
  connections: number(env.BENCH_CONNECTIONS, 50),
  pipelining: number(env.BENCH_PIPELINING, 1),
  rssWarmup: 10_000,
  rssRequests: number(env.BENCH_RSS_REQUESTS, 200_000),
  profile: env.BENCH_PROFILE !== '0',
  icount: env.BENCH_ICOUNT !== '0',
  profileSeconds: 2,
  profileWarmup: 1.5,
  serverCore: 1,
  loadCore: 0,
};
/** The budget is all of `npm run bench` in under 5 minutes: no profiling run starts after this. */
const PROFILE_DEADLINE_S = 240;

const only = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
const targets = (
  only ? TARGETS.filter((t) => only.has(t.name) || TARGETS.some((o) => only.has(o.name) && o.baseline === t.name)) : TARGETS
).map((t) => ({ ...t }));
const log = (...args) => console.error('[bench]', ...args);
const elapsed = () => (Date.now() - started) / 1000;

/** Seconds since `npm run bench` started (its shell's start, so the build counts), when run by it. */
function sinceNpmStart() {
  if (env.npm_lifecycle_event !== 'bench') return undefined;
  try {
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const seconds = uptime - startTicks / 100;
    return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
  } catch {
    return undefined;
  }
}
const budgetUsed = () => sinceNpmStart() ?? elapsed() + 15;

function git(...args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// Setup: a snapshot of the build under test, so a rebuild by someone else mid-run changes nothing.

mkdirSync(join(TMP, 'dist'), { recursive: true });
const snapshot = join(TMP, 'dist/index.js');
if (!existsSync(join(ROOT, 'dist/index.js'))) throw new Error('dist/index.js is missing: run `npm run build` (or `npm run bench`)');
copyFileSync(join(ROOT, 'dist/index.js'), snapshot);
env.BENCH_INTERMISSION = snapshot;

const meta = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  platform: `${os.platform()} ${os.release()}`,
  taskset: TASKSET,
  commit: git('rev-parse', '--short', 'HEAD'),
  dirtySrc: git('status', '--porcelain', '--', 'src')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3)),
  loadBefore: os.loadavg(),
  only: only ? [...only] : undefined,
};
log(
  `taskset: ${TASKSET ?? 'not available (processes are not pinned)'}; load average ${meta.loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
);

// ---------------------------------------------------------------------------------------------
// 1. Micro-benchmark of the decision, alone on the server core, while the servers and the load
//    generator start up on the other core (they move to their own cores afterwards).

const serve = join(BENCH, 'targets/serve.mjs');
const servers = new Map();
// The gate's server gets --expose-gc: after the rounds it also serves the memory test.
for (const target of targets) {
  servers.set(
    target.name,
    startChild(serve, [target.name], { core: SETTINGS.loadCore, nodeArgs: target.name === 'gate' ? ['--expose-gc'] : [] }),
  );
}
const load = startChild(join(BENCH, 'load.mjs'), [], { core: SETTINGS.loadCore });
log('micro-benchmark of the per-request decision…');
const micro = startChild(join(BENCH, 'micro.mjs'), [], { core: SETTINGS.serverCore });
const microRows = (await micro.ready).rows;
await micro.done;

// ---------------------------------------------------------------------------------------------
// 2. Servers, load generator, rounds.

await load.ready;
for (const target of targets) {
  const server = servers.get(target.name);
  const ready = await server.ready;
  // All threads (V8's and libuv's too) onto the server core.
  pin(server, SETTINGS.serverCore);
  Object.assign(target, { port: ready.port, headers: ready.headers, info: ready.info });
}
log(`${targets.length} servers up (${elapsed().toFixed(0)} s)`);

function loadOptions(target, extra) {
  // A target that is not a GET of `/` (the signup POST) says what to send in `info.load`.
  const { path = '/', ...request } = target.info?.load ?? {};
  return {
    ...request,
    url: `http://127.0.0.1:${target.port}${path}`,
    headers: target.headers,
    connections: SETTINGS.connections,
    pipelining: SETTINGS.pipelining,
    ...extra,
  };
}

/** One measured run of one target: the server's CPU time around an autocannon run. */
async function measure(server, target, extra = { duration: SETTINGS.duration }) {
  const mark = await server.ask({ type: 'start' });
  const result = await load.ask(loadOptions(target, extra));
  const cpu = await server.ask({ type: 'stop' });
  const cpuUs = cpu.user + cpu.system;
  const unexpected = Object.entries(result.statusCodes)
    .filter(([code]) => Number(code) !== target.expect)
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    rps: result.total / result.seconds,
    p99: result.p99,
    requests: result.total,
    cpuUs,
    cpuPerRequest: result.total > 0 ? cpuUs / result.total : Number.NaN,
    // Share of the server core the server used: near 100% means the server, not the load, was the limit.
    busy: cpuUs / (cpu.t - mark.t),
    errors: result.errors + result.timeouts + unexpected,
    window: { from: mark.t, to: cpu.t },
  };
}

log('warm-up…');
for (const target of targets) await load.ask(loadOptions(target, { duration: SETTINGS.warmup }));

for (const target of targets) target.runs = [];
for (let round = 0; round < SETTINGS.rounds; round++) {
  // Each baseline runs next to the targets compared with it, so a pair is measured seconds apart (the
  // machine's speed drifts over tens of seconds). Odd rounds run backwards, so no target always comes
  // first, or always right after its baseline.
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  for (const target of order) target.runs.push(await measure(servers.get(target.name), target));
  log(`round ${round + 1}/${SETTINGS.rounds} done (${elapsed().toFixed(0)} s)`);
}
await Promise.all([...servers].filter(([name]) => name !== 'gate').map(([, server]) => stopChild(server)));

// ---------------------------------------------------------------------------------------------
// 3. RSS of the gate over 200k requests, GC forced before each reading.

log(
  `RSS: ${SETTINGS.rssWarmup.toLocaleString('en-US')} warm-up + ${SETTINGS.rssRequests.toLocaleString('en-US')} requests on the gate (${elapsed().toFixed(0)} s)…`,
);
// The gate server of the rounds (warm: it has served the warm-up and every round), or a fresh one.
const rssServer = servers.get('gate') ?? startChild(serve, ['gate'], { core: SETTINGS.serverCore, nodeArgs: ['--expose-gc'] });
const rssReady = await rssServer.ready;
pin(rssServer, SETTINGS.serverCore);
const rssTarget = { name: 'gate', expect: 503, port: rssReady.port, headers: rssReady.headers };
const rss = {
  servedBefore: targets.find((t) => t.name === 'gate')?.runs.reduce((sum, r) => sum + r.requests, 0) ?? 0,
  readings: [],
  served: 0,
  errors: 0,
};
await load.ask(loadOptions(rssTarget, { amount: SETTINGS.rssWarmup }));
// A reading before, and after every quarter of the requests: a leak climbs steadily, a heap or an
// allocator settling in does not.
rss.readings.push({ requests: 0, ...(await rssServer.ask({ type: 'rss', gc: true })) });
const rssStart = Date.now();
for (let step = 1; step <= RSS_STEPS; step++) {
  const run = await load.ask(loadOptions(rssTarget, { amount: Math.round(SETTINGS.rssRequests / RSS_STEPS) }));
  rss.served += run.total;
  rss.errors += run.errors + run.timeouts + (run.total - (run.statusCodes[503] ?? 0));
  if (step === RSS_STEPS) rss.lastWithoutGc = await rssServer.ask({ type: 'rss', gc: false });
  rss.readings.push({ requests: rss.served, ...(await rssServer.ask({ type: 'rss', gc: true })) });
}
rss.seconds = (Date.now() - rssStart) / 1000;
await stopChild(rssServer);

// ---------------------------------------------------------------------------------------------
// 4. Profiles of the targets that miss (and of their baselines, to compare).

const stats = computeStats({ settings: SETTINGS, targets, rss });
const missed = targets.filter((t) => stats.get(t.name).pass === false);
const profiles = {};
const profilesSkipped = [];
if (SETTINGS.profile && missed.length > 0) {
  const profDir = join(TMP, 'prof');
  rmSync(profDir, { recursive: true, force: true });
  // Missed targets first, then their baselines, as long as the time budget lasts.
  for (const name of new Set([...missed.map((t) => t.name), ...missed.map((t) => t.baseline)])) {
    if (budgetUsed() > PROFILE_DEADLINE_S) {
      profilesSkipped.push(name);
      continue;
    }
    log(`profiling ${name} (${elapsed().toFixed(0)} s)…`);
    const target = targets.find((t) => t.name === name);
    const dir = join(profDir, name);
    const server = startChild(serve, [name], {
      core: SETTINGS.serverCore,
      nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250'],
    });
    const ready = await server.ready;
    const profTarget = { ...target, port: ready.port, headers: ready.headers };
    await load.ask(loadOptions(profTarget, { duration: SETTINGS.profileWarmup }));
    const run = await measure(server, profTarget, { duration: SETTINGS.profileSeconds });
    await stopChild(server);
    const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) : undefined;
    if (!file) continue;
    profiles[name] = { run, file: relative(ROOT, join(dir, file)), summary: summarize(join(dir, file), { ...run.window, top: 15 }) };
  }
}
await stopChild(load);

// ---------------------------------------------------------------------------------------------
// 4b. Instructions per request of the bypass rows and their controls (valgrind, two at a time now
// that no server runs): the reading that stays put when other work shares the machine.

/**
 * `icount.mjs`'s own window (30,000 requests): with 10,000, one mark-compact collection more or less inside
 * the window moved a row by about 15k instructions a request (bench/analysis.md, 2026-12-07).
 */
const ICOUNT_BENCH_REQUESTS = ICOUNT_REQUESTS;
let icount;
if (SETTINGS.icount && !only) {
  if (!hasValgrind()) {
    icount = { skipped: 'valgrind is not installed (`apt-get install -y valgrind`)' };
    log('instruction counts skipped: valgrind is not installed (apt-get install -y valgrind)');
  } else {
    log(`instructions per request under valgrind: ${ICOUNT_SIDES.join(', ')} (about 6 minutes)…`);
    const icountStart = Date.now();
    const rows = await countInstructions(ICOUNT_SIDES, { requests: ICOUNT_BENCH_REQUESTS, parallel: 2 });
    icount = { requests: ICOUNT_BENCH_REQUESTS, rows, seconds: (Date.now() - icountStart) / 1000 };
  }
}

// ---------------------------------------------------------------------------------------------
// 5. Report.

meta.loadAfter = os.loadavg();
meta.runSeconds = elapsed();
meta.totalSeconds = sinceNpmStart();
const data = { meta, settings: SETTINGS, targets, micro: microRows, rss, profiles, profilesSkipped, icount };
writeFileSync(join(TMP, 'last-run.json'), JSON.stringify(data, null, 1));
const report = renderReport(data);
console.log(report);
if (only) {
  log('BENCH_ONLY is set: bench/results.md was not written');
} else {
  writeResults(report);
  log(
    `wrote bench/results.md (${elapsed().toFixed(0)} s${meta.totalSeconds !== undefined ? `; ${meta.totalSeconds.toFixed(0)} s since npm run bench started` : ''})`,
  );
}
