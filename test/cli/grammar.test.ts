/**
 * One grammar (issue 9, item 1): every command takes every target and output flag, so a script sets its
 * targets once for all commands. A flag that cannot matter is ignored (listed under "ignored" with
 * --json, silent otherwise), never a usage error. The table runs every command with every flag, alone
 * and in the bundles a script would set, against real files and a real redis-server, and checks the exit
 * code, the store the command used and the flags it reports as ignored.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisSubscriberStore } from '../../src/signup/stores/redis-subscriber-store.js';
import { describeRedis, startRedis, type RedisServer } from '../helpers/redis-server.js';
import { run, sandbox, seed, subscriberFile, type Run } from './run-cli.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const STATE_KEY = 'grammar:state';
const SUBSCRIBERS_KEY = 'grammar:subscribers';

type Kind = 'state' | 'none' | 'subscribers';

/** Every command, with the arguments it needs to succeed. `{out}`: a fresh output file. */
const COMMANDS: [string, Kind, string[]][] = [
  ['down', 'state', ['down', '--until', '1h']],
  ['up', 'state', ['up']],
  ['status', 'state', ['status']],
  ['revoke-previews', 'state', ['revoke-previews']],
  ['preview-link', 'none', ['preview-link']],
  ['secret', 'none', ['secret']],
  ['subscribers count', 'subscribers', ['subscribers', 'count']],
  ['subscribers export', 'subscribers', ['subscribers', 'export', '--output', '{out}']],
  ['subscribers remove', 'subscribers', ['subscribers', 'remove', 'ada@example.com']],
  ['subscribers compact', 'subscribers', ['subscribers', 'compact']],
];

/**
 * Where each variant sends each kind of command, and what it ignores. The environment is either
 * `files` (INTERMISSION_STATE_FILE and INTERMISSION_SUBSCRIBERS_FILE set) or `bare` (neither).
 * Targets: `S`/`F` the files of the environment, `S2`/`F2` those of the flags, `R:key` Redis.
 */
interface Variant {
  name: string;
  env: 'files' | 'bare';
  flags: string[];
  state: { target: string; ignored: string[] };
  subscribers: { target: string; ignored: string[] };
  none: string[];
}
const ALL = ['--state-file', '--redis-url', '--redis-key', '--subscribers-file', '--subscribers-key'];
const VARIANTS: Variant[] = [
  {
    name: 'no target flag',
    env: 'files',
    flags: [],
    state: { target: 'S', ignored: [] },
    subscribers: { target: 'F', ignored: [] },
    none: [],
  },
  {
    name: '--state-file',
    env: 'files',
    flags: ['--state-file', 'S2'],
    state: { target: 'S2', ignored: [] },
    subscribers: { target: 'F', ignored: ['--state-file'] },
    none: ['--state-file'],
  },
  // The subscriber file (here from the environment) wins over the Redis URL, which the state store shares.
  {
    name: '--redis-url',
    env: 'files',
    flags: ['--redis-url', 'URL'],
    state: { target: 'R:intermission:state', ignored: [] },
    subscribers: { target: 'F', ignored: ['--redis-url'] },
    none: ['--redis-url'],
  },
  {
    name: '--redis-key',
    env: 'files',
    flags: ['--redis-key', STATE_KEY],
    state: { target: 'S', ignored: ['--redis-key'] },
    subscribers: { target: 'F', ignored: ['--redis-key'] },
    none: ['--redis-key'],
  },
  {
    name: '--subscribers-file',
    env: 'files',
    flags: ['--subscribers-file', 'F2'],
    state: { target: 'S', ignored: ['--subscribers-file'] },
    subscribers: { target: 'F2', ignored: [] },
    none: ['--subscribers-file'],
  },
  {
    name: '--subscribers-key',
    env: 'files',
    flags: ['--subscribers-key', SUBSCRIBERS_KEY],
    state: { target: 'S', ignored: ['--subscribers-key'] },
    subscribers: { target: 'F', ignored: ['--subscribers-key'] },
    none: ['--subscribers-key'],
  },
  {
    name: 'files, set once',
    env: 'bare',
    flags: ['--state-file', 'S2', '--redis-key', STATE_KEY, '--subscribers-file', 'F2', '--subscribers-key', SUBSCRIBERS_KEY],
    state: { target: 'S2', ignored: ['--redis-key', '--subscribers-file', '--subscribers-key'] },
    subscribers: { target: 'F2', ignored: ['--state-file', '--redis-key', '--subscribers-key'] },
    none: ['--state-file', '--redis-key', '--subscribers-file', '--subscribers-key'],
  },
  {
    name: 'Redis for both, set once',
    env: 'bare',
    flags: ['--redis-url', 'URL', '--redis-key', STATE_KEY, '--subscribers-key', SUBSCRIBERS_KEY],
    state: { target: `R:${STATE_KEY}`, ignored: ['--subscribers-key'] },
    subscribers: { target: `R:${SUBSCRIBERS_KEY}`, ignored: ['--redis-key'] },
    none: ['--redis-url', '--redis-key', '--subscribers-key'],
  },
  {
    name: 'state in Redis, list in a file, set once',
    env: 'bare',
    flags: ['--redis-url', 'URL', '--redis-key', STATE_KEY, '--subscribers-file', 'F2'],
    state: { target: `R:${STATE_KEY}`, ignored: ['--subscribers-file'] },
    subscribers: { target: 'F2', ignored: ['--redis-url', '--redis-key'] },
    none: ['--redis-url', '--redis-key', '--subscribers-file'],
  },
];

it('the table covers every command and every common flag', async () => {
  const help = (await run(['--help'])).stdout;
  const listed = [...help.matchAll(/^ {2}([a-z-]+(?: [a-z]+)?) {2,}/gm)].map(([, name]) => name);
  expect(COMMANDS.map(([name]) => name).sort()).toEqual(listed.filter((name) => !name!.startsWith('-')).sort());
  const flags = new Set(VARIANTS.flatMap((variant) => variant.flags.filter((arg) => arg.startsWith('--'))));
  expect([...flags].sort()).toEqual([...ALL].sort());
  for (const [name] of COMMANDS) {
    const own = (await run([...name.split(' '), '--help'])).stdout;
    for (const flag of [...ALL, '--json']) expect(own, `${name} --help names ${flag}`).toContain(flag);
  }
});

describeRedis('every command × every target flag, on real files and a real redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
    const { env } = sandbox();
    // A state in both keys (revoke-previews refuses an absent key), subscribers in the list's key.
    for (const key of ['intermission:state', STATE_KEY])
      expect((await run(['up', '--redis-url', server.url, '--redis-key', key], { env })).code).toBe(0);
    await seed(redisSubscriberStore({ url: server.url }, { key: SUBSCRIBERS_KEY }), [
      'ada@example.com',
      'bob@example.com',
      'cy@example.com',
    ]);
  });
  afterAll(async () => {
    await server.stop();
  });

  /** A fresh sandbox: state files S and S2, subscriber files F (1 address) and F2 (2 addresses). */
  async function setup(): Promise<{ env: Record<string, string>; paths: Record<'S' | 'S2' | 'F' | 'F2', string>; out: () => string }> {
    const { dir, env } = sandbox();
    const paths = {
      S: join(dir, 'state.json'),
      S2: join(dir, 'state-2.json'),
      F: await subscriberFile(dir, ['ada@example.com'], 'subscribers.jsonl'),
      F2: await subscriberFile(dir, ['ada@example.com', 'bob@example.com'], 'subscribers-2.jsonl'),
    };
    for (const file of [paths.S, paths.S2]) writeFileSync(file, JSON.stringify({ mode: 'off', updatedAt: '2029-12-31T00:00:00.000Z' }));
    let outputs = 0;
    return { env: { ...env, INTERMISSION_SECRET: SECRET }, paths, out: () => join(dir, `export-${++outputs}.csv`) };
  }

  const cases = COMMANDS.flatMap(([name, kind, args]) => VARIANTS.map((variant) => [name, variant.name, kind, args, variant] as const));

  it.each(cases)('%s with %s', async (_name, _variant, kind, args, variant) => {
    const { env, paths, out } = await setup();
    const fill = (arg: string): string =>
      arg === 'URL' ? server.url : arg === '{out}' ? out() : arg in paths ? paths[arg as keyof typeof paths] : arg;
    const fullEnv = variant.env === 'files' ? { ...env, INTERMISSION_STATE_FILE: paths.S, INTERMISSION_SUBSCRIBERS_FILE: paths.F } : env;
    const label = (target: string): string => {
      if (target.startsWith('R:')) return `redis ${target.slice(2)} at ${server.url}`;
      const path = paths[target as keyof typeof paths];
      return target.startsWith('S') ? `state file ${path}` : `subscriber file ${path}`;
    };
    const invoke = (json: boolean): Promise<Run> =>
      run([...args.map(fill), ...variant.flags.map(fill), ...(json ? ['--json'] : [])], { env: fullEnv });

    const machine = await invoke(true);
    expect(machine.stderr).not.toMatch(/"error"/);
    expect(machine.code).toBe(0);
    const result = JSON.parse(machine.stdout) as { target?: string; ignored?: string[] };
    const expected = kind === 'none' ? { ignored: variant.none } : variant[kind];
    if (expected.ignored.length === 0) expect(result).not.toHaveProperty('ignored');
    else expect(result.ignored).toEqual(expected.ignored);
    if ('target' in expected) expect(result.target).toBe(label(expected.target));

    // Without --json the flags are ignored silently: same exit, no word about them.
    const human = await invoke(false);
    expect(human.code).toBe(0);
    expect(human.stdout).not.toBe('');
    expect(`${human.stdout}${human.stderr}`).not.toMatch(/ignor/i);
  });

  it('a target flag is still a usage error where it matters and conflicts: --state-file with --redis-url on a state command', async () => {
    const { env, paths } = await setup();
    const result = await run(['status', '--state-file', paths.S, '--redis-url', server.url], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--state-file and --redis-url both given/);
  });

  it('a bad value of an ignored flag is not checked: --redis-url ftp://x on secret exits 0', async () => {
    const result = await run(['secret', '--redis-url', 'ftp://x', '--json']);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { ignored: string[] }).ignored).toEqual(['--redis-url']);
  });
});
