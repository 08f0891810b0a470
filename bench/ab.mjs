// Paired A/B runs: several servers measured in alternating rounds, reporting the paired difference in
// server CPU per request. Two forms:
//
//   One target on two builds (each an `index.js` built like dist/index.js, anywhere under the
//   repository so the package root is found), for checking a hot-path change before and after:
//     cp dist/index.js bench/.tmp/a.js        # before
//     … change src, npm run build …
//     cp dist/index.js bench/.tmp/b.js        # after
//     node bench/ab.mjs cookie bench/.tmp/a.js bench/.tmp/b.js [rounds=10] [seconds=1.5]
//
//   Any sides, each `target` (on dist/) or `target@build.js`; every other side is compared with the
//   first, and with each other, round by round:
//     node bench/ab.mjs express-noop cookie@bench/.tmp/a.js cookie@bench/.tmp/b.js [rounds] [seconds]
//
// Servers are pinned like run.mjs pins them (server core 1, autocannon core 0); the order of the sides
// is reversed every other round, so a drift of the machine's speed hits every side alike.
import { resolve, join } from 'node:path';
import { BENCH, median, pin, startChild, stopChild } from './lib.mjs';

const args = process.argv.slice(2);
const numbers = [];
while (args.length > 0 && /^\d+(\.\d+)?$/.test(args.at(-1))) numbers.unshift(Number(args.pop()));
const [rounds = 10, seconds = 1.5] = numbers;
const twoBuilds = args.length === 3 && !args.some((arg) => arg.includes('@')) && args[1].endsWith('.js') && args[2].endsWith('.js');
const specs = twoBuilds ? [`${args[0]}@${args[1]}`, `${args[0]}@${args[2]}`] : args;
if (specs.length < 2 || specs.some((spec) => !/^[a-z0-9-]+(@.+)?$/.test(spec))) {
  console.error('usage: node bench/ab.mjs <target> <build A index.js> <build B index.js> [rounds] [seconds]');
  console.error('       node bench/ab.mjs <target[@build.js]> <target[@build.js]> [more sides…] [rounds] [seconds]');
  process.exit(2);
}

const load = startChild(join(BENCH, 'load.mjs'), [], { core: 0 });
const sides = specs.map((spec, index) => {
  const [target, file] = spec.split(/@(.*)/s);
  const env = { ...process.env };
  if (file) env.BENCH_INTERMISSION = resolve(file);
  const label = twoBuilds ? 'AB'[index] : spec;
  return { label, target, child: startChild(join(BENCH, 'targets/serve.mjs'), [target], { env }), runs: [] };
});
await load.ready;
for (const side of sides) {
  side.ready = await side.child.ready;
  pin(side.child, 1);
}
const options = (side, duration) => ({
  url: `http://127.0.0.1:${side.ready.port}/`,
  headers: side.ready.headers,
  connections: 50,
  pipelining: 1,
  duration,
});
for (const side of sides) await load.ask(options(side, 1));

for (let round = 0; round < rounds; round++) {
  for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
    await side.child.ask({ type: 'start' });
    const result = await load.ask(options(side, seconds));
    const cpu = await side.child.ask({ type: 'stop' });
    side.runs.push({ rps: result.total / result.seconds, cpu: (cpu.user + cpu.system) / result.total, statusCodes: result.statusCodes });
  }
}
await Promise.all([...sides.map((side) => stopChild(side.child)), stopChild(load)]);

const pct = (ratio) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
if (twoBuilds) {
  const [A, B] = sides;
  const diffs = A.runs.map((a, i) => a.cpu - B.runs[i].cpu);
  const ratios = A.runs.map((a, i) => a.cpu / B.runs[i].cpu);
  console.log(`${A.target}: A ${args[1]}, B ${args[2]}; ${rounds} rounds × ${seconds} s, alternating`);
  console.log(
    `server CPU µs/request, medians: A ${median(A.runs.map((r) => r.cpu)).toFixed(1)}, B ${median(B.runs.map((r) => r.cpu)).toFixed(1)}`,
  );
  console.log(`req/s, medians: A ${median(A.runs.map((r) => r.rps)).toFixed(0)}, B ${median(B.runs.map((r) => r.rps)).toFixed(0)}`);
  console.log(`A − B per round (µs/request): ${diffs.map((d) => d.toFixed(1)).join(' ')}`);
  console.log(
    `paired median A − B: ${median(diffs).toFixed(2)} µs/request; A/B CPU ratio ${median(ratios).toFixed(3)}; B cheaper in ${diffs.filter((d) => d > 0).length}/${rounds} rounds`,
  );
  console.log(`status codes (last round): A ${JSON.stringify(A.runs.at(-1).statusCodes)}, B ${JSON.stringify(B.runs.at(-1).statusCodes)}`);
} else {
  console.log(`${rounds} rounds × ${seconds} s, order reversed every other round`);
  for (const side of sides) {
    console.log(
      `${side.label}: CPU ${median(side.runs.map((r) => r.cpu)).toFixed(1)} µs/request, ${median(side.runs.map((r) => r.rps)).toFixed(0)} req/s (medians); status codes (last round) ${JSON.stringify(side.runs.at(-1).statusCodes)}`,
    );
  }
  // For every pair: how much more CPU per request the later side spent than the earlier one, round by round.
  for (let i = 0; i < sides.length; i++) {
    for (let j = i + 1; j < sides.length; j++) {
      const ratios = sides[j].runs.map((run, k) => run.cpu / sides[i].runs[k].cpu);
      const sorted = [...ratios].sort((a, b) => a - b);
      console.log(
        `${sides[j].label} vs ${sides[i].label}: CPU/request ratio, paired median ${median(ratios).toFixed(3)} (${pct(median(ratios))}; rounds ${sorted[0].toFixed(3)}–${sorted.at(-1).toFixed(3)}; cheaper in ${ratios.filter((r) => r < 1).length}/${rounds}); per round ${ratios.map((r) => r.toFixed(3)).join(' ')}`,
      );
    }
  }
}
