// A/B of two builds on one target: the same server script run twice, once on build A and once on
// build B (each an `index.js` built like dist/index.js, anywhere under the repository so the package
// root is found), pinned like run.mjs pins them, alternating rounds, reporting the paired difference
// in server CPU per request. For checking a hot-path change before and after:
//
//   cp dist/index.js bench/.tmp/a.js        # before
//   … change src, npm run build …
//   cp dist/index.js bench/.tmp/b.js        # after
//   node bench/ab.mjs cookie bench/.tmp/a.js bench/.tmp/b.js [rounds=10] [seconds=1.5]
import { resolve, join } from 'node:path';
import { BENCH, median, pin, startChild, stopChild } from './lib.mjs';

const [target, fileA, fileB, roundsArg = '10', secondsArg = '1.5'] = process.argv.slice(2);
if (!target || !fileA || !fileB) {
  console.error('usage: node bench/ab.mjs <target> <build A index.js> <build B index.js> [rounds] [seconds]');
  process.exit(2);
}
const rounds = Number(roundsArg);
const seconds = Number(secondsArg);

const load = startChild(join(BENCH, 'load.mjs'), [], { core: 0 });
const server = (file) => startChild(join(BENCH, 'targets/serve.mjs'), [target], { env: { ...process.env, BENCH_INTERMISSION: resolve(file) } });
const sides = { A: { child: server(fileA), runs: [] }, B: { child: server(fileB), runs: [] } };
await load.ready;
for (const side of Object.values(sides)) {
  side.ready = await side.child.ready;
  pin(side.child, 1);
}
const options = (side, duration) => ({ url: `http://127.0.0.1:${side.ready.port}/`, headers: side.ready.headers, connections: 50, pipelining: 1, duration });
for (const side of Object.values(sides)) await load.ask(options(side, 1));

for (let round = 0; round < rounds; round++) {
  for (const key of round % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const side = sides[key];
    await side.child.ask({ type: 'start' });
    const result = await load.ask(options(side, seconds));
    const cpu = await side.child.ask({ type: 'stop' });
    side.runs.push({ rps: result.total / result.seconds, cpu: (cpu.user + cpu.system) / result.total, statusCodes: result.statusCodes });
  }
}
const { A, B } = sides;
const diffs = A.runs.map((a, i) => a.cpu - B.runs[i].cpu);
const ratios = A.runs.map((a, i) => a.cpu / B.runs[i].cpu);
console.log(`${target}: A ${fileA}, B ${fileB}; ${rounds} rounds × ${seconds} s, alternating`);
console.log(`server CPU µs/request, medians: A ${median(A.runs.map((r) => r.cpu)).toFixed(1)}, B ${median(B.runs.map((r) => r.cpu)).toFixed(1)}`);
console.log(`req/s, medians: A ${median(A.runs.map((r) => r.rps)).toFixed(0)}, B ${median(B.runs.map((r) => r.rps)).toFixed(0)}`);
console.log(`A − B per round (µs/request): ${diffs.map((d) => d.toFixed(1)).join(' ')}`);
console.log(`paired median A − B: ${median(diffs).toFixed(2)} µs/request; A/B CPU ratio ${median(ratios).toFixed(3)}; B cheaper in ${diffs.filter((d) => d > 0).length}/${rounds} rounds`);
console.log(`status codes (last round): A ${JSON.stringify(A.runs.at(-1).statusCodes)}, B ${JSON.stringify(B.runs.at(-1).statusCodes)}`);
await Promise.all([stopChild(A.child), stopChild(B.child), stopChild(load)]);
