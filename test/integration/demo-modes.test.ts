import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagesFor } from '../../src/i18n/index.js';

// The demo as a new user runs it: `node demo/server.mjs` (what `npm start` runs) on the built package,
// with INTERMISSION_MODE picking the mode. Each mode's page must read right: no line of the other mode.

const root = new URL('../../', import.meta.url).pathname;
const en = messagesFor('en');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

interface Demo {
  child: ChildProcess;
  base: string;
  output: string;
}

const running: ChildProcess[] = [];

/** Starts the demo on a free port and waits for the lines it prints once it listens. */
async function startDemo(env: Record<string, string>): Promise<Demo> {
  const child = spawn(process.execPath, [join(root, 'demo/server.mjs')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const base = /demo on (http:\/\/localhost:\d+)/.exec(output)?.[1];
      // The switch lines come last: wait for them too.
      if (base !== undefined && output.includes('--state-file')) resolve({ child, base, output });
    });
    child.on('exit', (code) => reject(new Error(`the demo exited with ${code}: ${output}`)));
  });
}

async function page(base: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
  return { status: res.status, text: await res.text() };
}

/** Lines only the maintenance page may say, and lines only the coming-soon page may say. */
const MAINTENANCE_ONLY = [
  en['maintenance.title'],
  en['maintenance.heading'],
  en['maintenance.badge'],
  en['maintenance.expectedBack'],
  en['maintenance.footer'],
  'tune-up',
];
const COMING_SOON_ONLY = [
  en['comingSoon.badge'],
  en['comingSoon.footer'],
  en['countdown.label'],
  en['teaser.label'],
  'Our first story goes live soon',
];

beforeAll(() => {
  const built = join(root, 'dist/index.js');
  if (!existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(root, 'src')), newest(join(root, 'views')))) {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
  }
});

afterAll(() => {
  for (const child of running) child.kill();
});

describe('the demo', () => {
  it('in maintenance mode says nothing of the launch', async () => {
    const demo = await startDemo({ INTERMISSION_MODE: 'maintenance' });
    const { status, text } = await page(demo.base);
    expect(status).toBe(503);
    for (const line of MAINTENANCE_ONLY) expect(text).toContain(line);
    for (const line of COMING_SOON_ONLY) expect(text).not.toContain(line);
    expect(demo.output).toContain('(mode: maintenance)');
    expect(demo.output).toMatch(/Preview link \(24 h\): http:\/\/localhost:\d+\/__intermission\/preview\?token=/);
    expect(demo.output).toContain('INTERMISSION_MODE=coming-soon npm start');
    expect(demo.output).toContain('INTERMISSION_MODE=off npm start');
  });

  it('in coming-soon mode says nothing of maintenance', async () => {
    const demo = await startDemo({});
    const { status, text } = await page(demo.base);
    expect(status).toBe(200);
    for (const line of COMING_SOON_ONLY) expect(text).toContain(line);
    for (const line of MAINTENANCE_ONLY) expect(text).not.toContain(line);
    expect(demo.output).toContain('INTERMISSION_MODE=maintenance npm start');
    expect(demo.output).toContain('INTERMISSION_MODE=off npm start');
  });

  it('switches to maintenance with the CLI line it prints', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'intermission-demo-')), 'state.json');
    const demo = await startDemo({ INTERMISSION_STATE_FILE: stateFile });
    const command = /node dist\/cli\.js down --state-file (\S+)/.exec(demo.output);
    expect(command?.[1]).toBe(stateFile);
    execFileSync(process.execPath, [join(root, 'dist/cli.js'), 'down', '--state-file', stateFile], { cwd: root, stdio: 'ignore' });
    let text = '';
    for (let tries = 0; tries < 50 && !text.includes(en['maintenance.badge']); tries++) {
      await new Promise((done) => setTimeout(done, 200));
      ({ text } = await page(demo.base));
    }
    for (const line of MAINTENANCE_ONLY) expect(text).toContain(line);
    for (const line of COMING_SOON_ONLY) expect(text).not.toContain(line);
  });
});
