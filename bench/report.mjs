// Turns the raw data of a benchmark run (bench/.tmp/last-run.json, written by run.mjs) into the
// Markdown report. Run alone, it re-renders bench/results.md from the last run without measuring
// again, e.g. after editing bench/analysis.md:
//
//   node bench/report.mjs
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH, fmt, median, TMP } from './lib.mjs';
import { summaryMarkdown } from './profile-summary.mjs';

/**
 * The targets, in the order they take turns (each baseline just before the targets compared with it).
 * `goal`: the ratio that both the req/s ratio and the CPU ratio must reach. `expect`: the status.
 */
export const TARGETS = [
  { name: 'express-bare', what: 'bare Express 5, `res.send("hello")`', expect: 200 },
  { name: 'express-noop', what: 'control: the bare app behind one no-op `app.use()` middleware', baseline: 'express-bare', expect: 200 },
  // The same app as express-noop in a second process: how far apart two identical servers read.
  {
    name: 'express-noop-again',
    what: 'control: `express-noop` again, in a second process (the same code: its ratio is the timed rows’ noise)',
    baseline: 'express-noop',
    expect: 200,
  },
  // Controls for the bypass rows below (bench/analysis.md): what importing Intermission costs an app
  // that never mounts it, the least a private-marking cookie bypass costs without Intermission, and the
  // least one costs that also verifies a signature, binds the cookie to the scheme and enforces at writeHead.
  {
    name: 'loaded',
    what: 'control: express-noop with Intermission imported and a gate created, not mounted',
    baseline: 'express-noop',
    expect: 200,
  },
  {
    name: 'bypass-floor',
    what: 'control: a hand-written cookie check that marks the response private (no signature), no Intermission',
    baseline: 'express-noop',
    expect: 200,
  },
  {
    name: 'bypass-required',
    what: 'control: the least a cookie bypass that keeps Intermission’s promises can do (signed cookie bound to the scheme, private at `writeHead`), no Intermission',
    baseline: 'express-noop',
    expect: 200,
  },
  {
    name: 'bypass-ip-required',
    what: 'control: the least an IP allow-list bypass that keeps Intermission’s promises can do (the same 1,000 CIDRs, private at `writeHead`), no Intermission',
    baseline: 'express-noop',
    expect: 200,
  },
  { name: 'off', what: 'Intermission `mode: off` in front of the bare app', baseline: 'express-bare', goal: 0.98, expect: 200 },
  // A bypassed request may cost at most 5% more CPU than the same app behind one empty middleware.
  {
    name: 'cookie',
    what: 'closed, valid bypass cookie → the app',
    baseline: 'express-noop',
    goal: 1 / 1.05,
    floor: 'bypass-required',
    expect: 200,
  },
  {
    name: 'ip-allow',
    what: 'closed, 1,000-CIDR allow-list incl. 127.0.0.0/8 → the app',
    baseline: 'express-noop',
    goal: 1 / 1.05,
    floor: 'bypass-ip-required',
    expect: 200,
  },
  { name: 'express-static', what: 'Express route, `res.end` of a prebuilt buffer (gate size, headers, 503)', expect: 503 },
  { name: 'gate', what: 'closed, gate from the middleware (HTML, identity)', baseline: 'express-static', goal: 1.0, expect: 503 },
  { name: 'gate-gzip', what: 'closed, gate from the middleware, `Accept-Encoding: gzip`', baseline: 'express-static', expect: 503 },
  // `page.lang: 'auto'` may cost one cached Accept-Language negotiation per request: within 2% of the fixed-language gate.
  { name: 'gate-auto-lang', what: "closed, `page.lang: 'auto'`, German `Accept-Language`", baseline: 'gate', goal: 0.98, expect: 503 },
  { name: 'node-raw', what: 'raw `node:http`, prebuilt 503 (gate size and headers)', expect: 503 },
  { name: 'gate-fast', what: 'closed, gate from `http.createServer(gate.listener(app))`', baseline: 'node-raw', goal: 0.9, expect: 503 },
  {
    name: 'signup',
    what: 'POST /__intermission/subscribe (JSON, a new address each time) on the embedded file store, one fsync per signup',
    expect: 201,
  },
];
/**
 * Instructions per request under valgrind (bench/icount.mjs), for the bypass rows: the one reading that
 * stays put on a shared machine. The targets must stay within `goal` of the baseline; the controls
 * show what a bypass costs that does no more than it must.
 */
export const ICOUNT = {
  baseline: 'express-noop',
  controls: ['bypass-floor', 'bypass-required', 'bypass-ip-required'],
  targets: ['cookie', 'ip-allow'],
  goal: 1.05,
};
export const ICOUNT_SIDES = [ICOUNT.baseline, ...ICOUNT.controls, ...ICOUNT.targets];

export const RSS_GOAL_MB = 5;
/** Readings of the memory test: one before, one after each quarter of the requests. */
export const RSS_STEPS = 4;
const MB = 1024 * 1024;

/**
 * Medians per target, and for targets with a baseline the ratios: per round (target and baseline
 * measured seconds apart in the same round, which cancels the machine's slow drifts) with their
 * median, min and max, plus the plain ratio of the medians for comparison. The paired median decides.
 */
export function computeStats({ targets, rss }) {
  const stats = new Map();
  for (const target of targets) {
    const runs = target.runs;
    stats.set(target.name, {
      runs,
      rps: median(runs.map((r) => r.rps)),
      p99: median(runs.map((r) => r.p99)),
      cpu: median(runs.map((r) => r.cpuPerRequest)),
      busy: median(runs.map((r) => r.busy)),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
    });
  }
  for (const target of targets) {
    const s = stats.get(target.name);
    const base = target.baseline === undefined ? undefined : stats.get(target.baseline);
    if (!base) continue;
    const pairs = s.runs.map((r, i) => ({ rps: r.rps / base.runs[i].rps, cpu: base.runs[i].cpuPerRequest / r.cpuPerRequest }));
    s.rpsRatio = median(pairs.map((p) => p.rps));
    s.cpuRatio = median(pairs.map((p) => p.cpu));
    s.rpsRange = [Math.min(...pairs.map((p) => p.rps)), Math.max(...pairs.map((p) => p.rps))];
    s.cpuRange = [Math.min(...pairs.map((p) => p.cpu)), Math.max(...pairs.map((p) => p.cpu))];
    s.rpsOfMedians = s.rps / base.rps;
    s.cpuOfMedians = base.cpu / s.cpu;
    if (target.goal !== undefined) s.pass = s.rpsRatio >= target.goal && s.cpuRatio >= target.goal;
    // Paired against the control that does only what the bypass must do (same rounds).
    const floor = target.floor === undefined ? undefined : stats.get(target.floor);
    if (floor) {
      const ratios = s.runs.map((r, i) => r.cpuPerRequest / floor.runs[i].cpuPerRequest);
      s.overFloor = { median: median(ratios), range: [Math.min(...ratios), Math.max(...ratios)] };
    }
  }
  if (rss?.readings?.length) {
    const first = rss.readings[0];
    const last = rss.readings[rss.readings.length - 1];
    const mid = rss.readings[Math.floor((rss.readings.length - 1) / 2)];
    stats.set('rss', { first, last, mid, growthMb: (last.rss - first.rss) / MB, secondHalfMb: (last.rss - mid.rss) / MB });
    stats.get('rss').pass = stats.get('rss').growthMb < RSS_GOAL_MB;
  }
  return stats;
}

const ranged = (mid, [low, high]) => `**${mid.toFixed(2)}×** (${low.toFixed(2)}–${high.toFixed(2)})`;

/**
 * Writes results.md, keeping the fleet section that `npm run bench:fleet` maintains between its
 * markers, so either benchmark can run without erasing the other's numbers.
 */
export function writeResults(report) {
  const path = join(BENCH, 'results.md');
  const previous = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const start = previous.indexOf('<!-- fleet:start -->');
  const end = previous.indexOf('<!-- fleet:end -->');
  const fleet = start >= 0 && end > start ? `\n${previous.slice(start, end + '<!-- fleet:end -->'.length)}\n` : '';
  writeFileSync(path, `${report.trimEnd()}\n${fleet}`);
}

export function renderReport(data, analysis = readAnalysis()) {
  const { meta, settings, targets, micro, rss, profiles = {}, profilesSkipped = [], icount } = data;
  const stats = computeStats(data);
  const missed = targets.filter((t) => stats.get(t.name).pass === false);
  const rssStats = stats.get('rss');

  /** How far a target's CPU/request is from its goal (from the paired CPU ratio, in µs of its median). */
  function cpuShortfall(target) {
    const s = stats.get(target.name);
    const cut = 1 - s.cpuRatio / target.goal;
    return (
      `CPU ${fmt.pct(1 / s.cpuRatio - 1)} per request vs the baseline (≈ ${fmt.fixed(s.cpu * (1 - s.cpuRatio), 1)} of its ${fmt.fixed(s.cpu, 1)} µs); ` +
      `cutting ${fmt.pct(cut).slice(1)} (≈ ${fmt.fixed(s.cpu * cut, 1)} µs/req) would meet the goal`
    );
  }

  function resultsTable() {
    const lines = [
      '| target | what | req/s | p99 (ms) | server CPU µs/req | server core busy | baseline | req/s ratio | CPU ratio | ratio of the medians (req/s · CPU) |',
      '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    ];
    for (const target of targets) {
      const s = stats.get(target.name);
      const errors = s.errors > 0 ? ` ⚠ ${s.errors} errors/unexpected statuses` : '';
      const vs = target.baseline !== undefined && stats.has(target.baseline);
      lines.push(
        `| \`${target.name}\` | ${target.what}${errors} | ${fmt.int(s.rps)} | ${fmt.fixed(s.p99, 0)} | ${fmt.fixed(s.cpu, 1)} | ${fmt.fixed(s.busy * 100, 0)}% | ` +
          `${vs ? `\`${target.baseline}\`` : '—'} | ${vs ? ranged(s.rpsRatio, s.rpsRange) : '—'} | ${vs ? ranged(s.cpuRatio, s.cpuRange) : '—'} | ` +
          `${vs ? `${s.rpsOfMedians.toFixed(2)} · ${s.cpuOfMedians.toFixed(2)}` : '—'} |`,
      );
    }
    return lines.join('\n');
  }

  function goalsTable() {
    const lines = ['| goal | req/s ratio | CPU ratio | verdict | by how much |', '| --- | ---: | ---: | --- | --- |'];
    for (const target of targets.filter((t) => t.goal !== undefined && stats.get(t.name).pass !== undefined)) {
      const s = stats.get(target.name);
      const short = [];
      if (s.rpsRatio < target.goal) short.push(`req/s ${fmt.pct(s.rpsRatio / target.goal - 1)} from the goal`);
      if (s.cpuRatio < target.goal) short.push(cpuShortfall(target));
      const margin = `margin: req/s ${fmt.pct(s.rpsRatio / target.goal - 1)}, CPU ${fmt.pct(s.cpuRatio / target.goal - 1)}`;
      lines.push(
        `| \`${target.name}\` ≥ ${target.goal.toFixed(2)}× \`${target.baseline}\` | ${fmt.ratio(s.rpsRatio)} | ${fmt.ratio(s.cpuRatio)} | ` +
          `${s.pass ? 'PASS' : 'MISS'} | ${short.length ? short.join('; ') : margin} |`,
      );
    }
    if (rssStats) {
      lines.push(
        `| RSS growth of the gate over ${settings.rssRequests.toLocaleString('en-US')} requests < ${RSS_GOAL_MB} MB | — | — | ${rssStats.pass ? 'PASS' : 'MISS'} | ` +
          `${fmt.fixed(rssStats.growthMb, 2)} MB (heap used ${fmt.fixed((rssStats.last.heapUsed - rssStats.first.heapUsed) / MB, 2)} MB) |`,
      );
    }
    return lines.join('\n');
  }

  /** The bypass rows next to the control that does only what a bypass must (see bench/analysis.md). */
  function floorTable() {
    const rows = targets.filter((t) => stats.get(t.name).overFloor);
    if (rows.length === 0) return '';
    const lines = [
      '',
      "CPU per request over each bypass row's control, paired per round (target ÷ control; the control's own ratio to its baseline is in the table above):",
      '',
      '| target | CPU per request ÷ control | rounds |',
      '| --- | ---: | --- |',
    ];
    for (const target of rows) {
      const { median: mid, range } = stats.get(target.name).overFloor;
      lines.push(`| \`${target.name}\` ÷ \`${target.floor}\` | **${mid.toFixed(3)}** | ${range[0].toFixed(2)}–${range[1].toFixed(2)} |`);
    }
    return lines.join('\n');
  }

  /** The instruction counts of the bypass rows and their controls, against `ICOUNT.goal`. */
  function icountSection() {
    if (!icount) return 'Not measured in this run (`BENCH_ICOUNT=0`).';
    if (icount.skipped) return `Not measured: ${icount.skipped}.`;
    const per = new Map(icount.rows.map((r) => [r.side, r.perRequest]));
    const base = per.get(ICOUNT.baseline);
    const over = (side) => per.get(side) / base - 1;
    const what = (side) => TARGETS.find((t) => t.name === side)?.what ?? '';
    const budget = fmt.pct(ICOUNT.goal - 1);
    const lines = [
      `\`bench/icount.mjs\` hands each side in-memory requests (no socket, no parser) in a process under`,
      `\`valgrind --tool=cachegrind\`, ${icount.requests[0].toLocaleString('en-US')} and then ${icount.requests[1].toLocaleString('en-US')} of them, and`,
      "divides the difference in instructions by the difference in requests. It counts the server's own work only, so",
      'its ratios are larger than over HTTP, where the kernel and the parser add the same cost to every side; unlike the',
      `timings above, it repeats within about 1–2% whatever else the machine is doing (${icount.seconds.toFixed(0)} s for this table).`,
      '',
      `| side | what | k instructions/request | over \`${ICOUNT.baseline}\` | ≤ ${budget}? |`,
      '| --- | --- | ---: | ---: | --- |',
    ];
    for (const { side, perRequest } of icount.rows) {
      const verdict =
        side === ICOUNT.baseline ? '—' : ICOUNT.controls.includes(side) ? 'control' : over(side) <= ICOUNT.goal - 1 ? 'PASS' : 'MISS';
      const delta = side === ICOUNT.baseline ? '—' : fmt.pct(over(side));
      lines.push(`| \`${side}\` | ${what(side)} | ${(perRequest / 1000).toFixed(1)} | ${delta} | ${verdict} |`);
    }
    // Each target against the control that does what it must and nothing else (its `floor`).
    lines.push('');
    for (const name of ICOUNT.targets) {
      const least = TARGETS.find((t) => t.name === name)?.floor;
      if (!per.has(least)) continue;
      const verdict =
        over(least) > ICOUNT.goal - 1 ? `by this count those promises alone take more than the ${budget} budget` : `within ${budget}`;
      lines.push(
        `- \`${name}\`: its control \`${least}\`, a bypass that keeps the same promises and does nothing else, is ` +
          `${fmt.pct(over(least))} by itself (${verdict}); \`${name}\` is ${fmt.pct(per.get(name) / per.get(least) - 1)} over it.`,
      );
    }
    return lines.join('\n');
  }

  function microTable() {
    const lines = ['| case | ns/request (median of 5) | min–max | iterations/run | what |', '| --- | ---: | ---: | ---: | --- |'];
    for (const r of micro)
      lines.push(
        `| ${r.name} | ${r.ns.toFixed(1)} | ${r.min.toFixed(1)}–${r.max.toFixed(1)} | ${r.iterations.toLocaleString('en-US')} | ${r.what} |`,
      );
    return lines.join('\n');
  }

  function rssSection() {
    if (!rssStats) return 'Not measured.';
    const mb = (bytes) => (bytes / MB).toFixed(1);
    const d = (key) => fmt.fixed((rssStats.last[key] - rssStats.first[key]) / MB, 2);
    const ext = (r) => r.external + r.arrayBuffers;
    const row = (label, r) => `| ${label} | ${mb(r.rss)} | ${mb(r.heapResident)} | ${mb(r.newSpace)} | ${mb(r.heapUsed)} | ${mb(ext(r))} |`;
    const lines = [
      `The \`gate\` target's server (the middleware; started with \`--expose-gc\`), after the rounds: it had already served`,
      `${fmt.int(rss.servedBefore)} measured requests plus its warm-up, then ${settings.rssWarmup.toLocaleString('en-US')} more as a warm-up for this test. Same load`,
      `as the rounds (${settings.connections} connections, pipelining ${settings.pipelining}): ${fmt.int(rss.served)} requests in ${rss.seconds.toFixed(1)} s` +
        `${rss.errors ? `, ${rss.errors} errors or unexpected statuses` : ''}. **GC forced** before every reading marked so: \`gc()\` twice, then`,
      "300 ms for V8's background threads to sweep and hand pages back (read at once, RSS jumps by ±5 MB from one reading to the",
      'next with no change in the heap).',
      '',
      '| reading | RSS (MB) | V8 heap resident (MB) | of which young generation (MB) | heap used (MB) | external + array buffers (MB) |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const r of rss.readings) {
      lines.push(row(r.requests === 0 ? 'before, gc()' : `after ${r.requests.toLocaleString('en-US')} requests, gc()`, r));
    }
    lines.push(
      row('(the last one, before its gc())', rss.lastWithoutGc),
      `| **growth, before → after** | **${fmt.fixed(rssStats.growthMb, 2)}** | ${d('heapResident')} | ${d('newSpace')} | ${d('heapUsed')} | ${fmt.fixed((ext(rssStats.last) - ext(rssStats.first)) / MB, 2)} |`,
      `| growth over the second half only | ${fmt.fixed(rssStats.secondHalfMb, 2)} | | | ${fmt.fixed((rssStats.last.heapUsed - rssStats.mid.heapUsed) / MB, 2)} | |`,
    );
    return lines.join('\n');
  }

  function roundsTable() {
    const lines = [
      `| target | ${Array.from({ length: settings.rounds }, (_, i) => `round ${i + 1}`).join(' | ')} |`,
      `| --- | ${Array.from({ length: settings.rounds }, () => '---:').join(' | ')} |`,
    ];
    for (const target of targets) {
      lines.push(
        `| \`${target.name}\` | ${stats
          .get(target.name)
          .runs.map((r) => `${fmt.int(r.rps)} · ${fmt.fixed(r.cpuPerRequest, 1)}`)
          .join(' | ')} |`,
      );
    }
    return lines.join('\n');
  }

  function profileSection() {
    if (missed.length === 0) return 'Every goal was met; nothing was profiled.';
    if (!settings.profile) return 'Profiling was skipped (BENCH_PROFILE=0).';
    const parts = [
      `Each missed target and its baseline ran once more in a fresh process with \`node --cpu-prof --cpu-prof-interval 250\` ` +
        `(${settings.profileWarmup} s warm-up, then ${settings.profileSeconds} s of the same load); only samples taken during the measured window count. ` +
        'Summarised by `bench/profile-summary.mjs`; the profiles are in `bench/.tmp/prof/`. One short profiled run is noisier than the rounds, ' +
        'and profiling slows the process down: compare shares between a target and its baseline rather than absolute times.',
    ];
    for (const target of missed) {
      const s = stats.get(target.name);
      const base = stats.get(target.baseline);
      parts.push(
        '',
        `### \`${target.name}\` vs \`${target.baseline}\``,
        '',
        `Missed: req/s ratio ${fmt.ratio(s.rpsRatio)} and CPU ratio ${fmt.ratio(s.cpuRatio)} against a goal of ${target.goal.toFixed(2)}× ` +
          `(medians: ${fmt.fixed(s.cpu, 1)} vs ${fmt.fixed(base.cpu, 1)} µs/request). ` +
          `${s.cpuRatio < target.goal ? `${cpuShortfall(target)}.` : 'The CPU ratio meets the goal; only req/s misses.'}`,
      );
      for (const name of [target.name, target.baseline]) {
        const profile = profiles[name];
        if (!profile) continue;
        parts.push('', `#### \`${name}\` (${profile.file})`, '', summaryMarkdown(profile.summary, { requests: profile.run.requests }));
      }
    }
    if (profilesSkipped.length > 0) {
      parts.push('', `Not profiled, to stay within the 5-minute budget: ${profilesSkipped.map((n) => `\`${n}\``).join(', ')}.`);
    }
    return parts.join('\n');
  }

  const load = (l) => l.map((x) => x.toFixed(2)).join(' / ');
  return `# Intermission benchmark results

Generated by \`npm run bench\` (\`bench/run.mjs\`, rendered by \`bench/report.mjs\`) on ${meta.date.replace('T', ' ').slice(0, 16)} UTC.

| | |
| --- | --- |
| Node | ${meta.node} |
| CPU | ${meta.cpu} × ${meta.cores} cores (${meta.platform}) |
| pinning | ${meta.taskset ? `\`taskset\`: servers on core ${settings.serverCore}, autocannon on core ${settings.loadCore}` : 'none: `taskset` is not available, processes float between cores'} |
| load | autocannon 8, ${settings.connections} connections, pipelining ${settings.pipelining}, keep-alive, loopback (127.0.0.1) |
| rounds | ${settings.rounds} rounds × ${settings.duration} s per target, round-robin (each baseline next to its targets; every other round in reverse order), after ${settings.warmup} s of warm-up each |
| code | commit ${meta.commit || 'unknown'}${meta.dirtySrc.length ? `; uncommitted changes in ${meta.dirtySrc.map((f) => `\`${f}\``).join(', ')} were part of the build` : ', src clean'} |
| machine load | load average ${load(meta.loadBefore)} at the start, ${load(meta.loadAfter)} at the end (1/5/15 min), on ${meta.cores} cores shared with other work |
| wall time | ${meta.totalSeconds !== undefined ? `${meta.totalSeconds.toFixed(0)} s for all of \`npm run bench\`, build included` : `${meta.runSeconds.toFixed(0)} s for \`bench/run.mjs\` (build not included)`} |
${meta.only ? `| partial run | only ${meta.only.map((n) => `\`${n}\``).join(', ')} (BENCH_ONLY) |\n` : ''}
How to read it: req/s, p99 and server CPU µs/request are medians over the rounds. Server CPU is user + system time of
the server process only (\`process.cpuUsage()\` between a round's start and end) divided by the responses that round
completed; "server core busy" is that CPU time over the round's wall time (near 100%: the server was the limit).
**req/s ratio** = target ÷ baseline (higher is better); **CPU ratio** = baseline CPU/request ÷ target CPU/request, so
≥ 1.00× means as cheap or cheaper. Both are computed per round, from a target and its baseline measured seconds apart,
and the median over the rounds is shown with the lowest and highest round in brackets: the bracket is this run's
noise. The last column, the ratio of the medians, is there for comparison.

## Results

${resultsTable()}

## Targets

A goal passes only if both the req/s ratio and the CPU ratio (the paired medians above) reach it.

${goalsTable()}
${floorTable()}

## Instructions per request of the bypass rows

${icountSection()}

## Decision micro-benchmark

The bypass decision alone, in one process on core ${settings.serverCore} with no server running (\`bench/micro.mjs\`: \`src/bypass/match.ts\`,
the path and IP matchers and the cookie verifier bundled by esbuild; the \`off\` row calls the built middleware).

${microTable()}

## Memory

${rssSection()}

## Profiles of the missed targets

${profileSection()}
${analysis ? `\n## Analysis\n\n${analysis}\n` : ''}
<details><summary>Every round: req/s · server CPU µs/request</summary>

${roundsTable()}

</details>
`;
}

function readAnalysis() {
  const file = join(BENCH, 'analysis.md');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
}

if (process.argv[1] && import.meta.url.endsWith('/report.mjs') && process.argv[1].endsWith('report.mjs')) {
  const file = join(TMP, 'last-run.json');
  if (!existsSync(file)) {
    console.error('No bench/.tmp/last-run.json: run `npm run bench` first.');
    process.exit(1);
  }
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const report = renderReport(data);
  console.log(report);
  if (data.meta.only) {
    console.error('[bench] that run was partial (BENCH_ONLY): bench/results.md was not written');
  } else {
    writeResults(report);
    console.error('[bench] wrote bench/results.md');
  }
}
