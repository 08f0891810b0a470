// Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time, time per owner
// (Intermission, express, router, Node core…), and the top frames of the time charged to
// Intermission. An optional window (`from`/`to`, µs on the same monotonic clock as process.hrtime)
// keeps only the samples taken while the load ran.
//
//   node bench/profile-summary.mjs bench/.tmp/prof/gate.cpuprofile [--top 15] [--requests N]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Intermission and the packages that, in these targets, only Intermission calls: on-headers
 * (keepPrivate), negotiator (gate formats), proxy-addr/forwarded/ipaddr.js (req.ip, the listener).
 */
const INTERMISSION_OWNERS = new Set(['intermission', 'on-headers', 'negotiator', 'proxy-addr', 'forwarded', 'ipaddr.js']);

function frameKey(callFrame) {
  const name = callFrame.functionName || '(anonymous)';
  const file = callFrame.url ? basename(callFrame.url.replace(/^file:\/\//, '')) : '';
  return file ? `${name} ${file}:${callFrame.lineNumber + 1}` : name;
}

/** Which code a frame belongs to: `intermission` (dist/index.js), an npm package, or undefined (Node internals). */
function packageOf(url) {
  if (!url) return undefined;
  if (/\/dist\/index\.(?:c?js)$/.test(url)) return 'intermission';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (match) return match[1];
  if (url.includes('/bench/')) return 'bench target';
  return undefined;
}

/**
 * Who a sample's time is charged to: the nearest frame, from the leaf up, that belongs to a package.
 * Node internals and natives are transparent (charged to the package that called them), so the
 * `setHeader` calls in Intermission's `enforcePrivate` count for Intermission, and the work under
 * Express's `next()` counts for Express, not for the middleware that called `next()`.
 */
function ownerOf(node, byId, parent) {
  const name = node.callFrame.functionName;
  if (name === '(garbage collector)' || name === '(program)') return name;
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const frame = byId.get(id).callFrame;
    const owner = packageOf(frame.url);
    // on-headers' writeHead wrapper hands the call on to Node's writeHead, which every response
    // pays anyway: charge that to the caller; only the wrapper's own time counts for on-headers.
    if (owner === 'on-headers' && frame.functionName === 'writeHead' && id !== node.id) continue;
    if (owner) return owner;
  }
  return '(node core: sockets, HTTP parser, timers)';
}

/**
 * `{ totalUs, busyUs, samples, windowed, self, charged, owners }`: `self` are the top frames by self
 * time, `charged` the same restricted to samples charged to Intermission and the packages only it
 * calls here, `owners` the time per owner (see ownerOf). `share` is of busy time (all but `(idle)`).
 */
export function summarize(file, { from, to, top = 15 } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Sample i is taken at startTime + sum(timeDeltas[0..i]) and stands for the time until the next one.
  const times = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const weight = (i) => (i + 1 < times.length ? times[i + 1] - times[i] : 0);
  let indices = profile.samples.map((_, i) => i);
  let windowed = false;
  if (from !== undefined && to !== undefined) {
    const inside = indices.filter((i) => times[i] >= from && times[i] <= to);
    // Only trust the window if it holds a sensible part of the samples (same clock as hrtime).
    if (inside.length > 100) {
      indices = inside;
      windowed = true;
    }
  }

  const self = new Map();
  const charged = new Map();
  const owners = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const i of indices) {
    const us = weight(i);
    const node = byId.get(profile.samples[i]);
    const key = frameKey(node.callFrame);
    totalUs += us;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    self.set(key, (self.get(key) ?? 0) + us);
    const owner = ownerOf(node, byId, parent);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    if (INTERMISSION_OWNERS.has(owner)) charged.set(key, (charged.get(key) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const list = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, us]) => ({ frame, us, share: busyUs > 0 ? us / busyUs : 0 }));
  const ownerList = [...owners].sort((a, b) => b[1] - a[1]).map(([owner, us]) => ({ owner, us, share: busyUs > 0 ? us / busyUs : 0 }));
  return { totalUs, busyUs, samples: indices.length, windowed, self: list(self), charged: list(charged), owners: ownerList };
}

/** Rows of the per-owner table; the rest are summed into one. */
const OWNER_ROWS = 10;

/** Markdown for one summary; `requests` (handled in the window) turns times into µs per request. */
export function summaryMarkdown(summary, { requests } = {}) {
  const perRequest = (us) => (requests ? (us / requests).toFixed(2) : 'n/a');
  const lines = [];
  lines.push(
    `${summary.samples.toLocaleString('en-US')} samples${summary.windowed ? ' taken while the load ran' : ' (whole process, start-up included)'}; ` +
      `busy ${(summary.busyUs / 1000).toFixed(0)} ms${requests ? ` for ${requests.toLocaleString('en-US')} requests (${perRequest(summary.busyUs)} µs/request)` : ''}.`,
    '',
    '| self time | share of busy | µs/request | function |',
    '| ---: | ---: | ---: | --- |',
  );
  for (const row of summary.self) {
    lines.push(`| ${(row.us / 1000).toFixed(1)} ms | ${(row.share * 100).toFixed(1)}% | ${perRequest(row.us)} | \`${row.frame}\` |`);
  }
  lines.push(
    '',
    'Charged to (nearest package frame from the leaf; Node internals count for the package that called them):',
    '',
    '| time | share of busy | µs/request | code |',
    '| ---: | ---: | ---: | --- |',
  );
  const shown = summary.owners.slice(0, OWNER_ROWS);
  const rest = summary.owners.slice(OWNER_ROWS);
  if (rest.length > 0) {
    const us = rest.reduce((sum, row) => sum + row.us, 0);
    shown.push({ owner: `(${rest.length} other packages)`, us, share: rest.reduce((sum, row) => sum + row.share, 0) });
  }
  for (const row of shown) {
    lines.push(`| ${(row.us / 1000).toFixed(1)} ms | ${(row.share * 100).toFixed(1)}% | ${perRequest(row.us)} | ${row.owner} |`);
  }
  if (summary.charged.length > 0) {
    lines.push(
      '',
      `Top frames of the time charged to Intermission (${[...INTERMISSION_OWNERS].join(', ')}):`,
      '',
      '| self time | share of busy | µs/request | function |',
      '| ---: | ---: | ---: | --- |',
    );
    for (const row of summary.charged) {
      lines.push(`| ${(row.us / 1000).toFixed(1)} ms | ${(row.share * 100).toFixed(1)}% | ${perRequest(row.us)} | \`${row.frame}\` |`);
    }
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [--top N] [--requests N]');
    process.exit(2);
  }
  const option = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  console.log(summaryMarkdown(summarize(file, { top: option('--top') ?? 15 }), { requests: option('--requests') }));
}
