import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatSpan } from '../../src/cli/format.js';
import { NOW, run, type Run } from './run-cli.js';
import type { StatusReport } from '../../src/state/status.js';
import { createKeyRing } from '../../src/bypass/keys.js';
import { verifyPreviewToken } from '../../src/bypass/preview-token.js';
import type { StoredState } from '../../src/types.js';
import { describeRedis, startRedis } from '../helpers/redis-server.js';
import type { RedisServer } from '../helpers/redis-server.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const iso = (ms: number): string => new Date(ms).toISOString();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const ME = `${userInfo().username}@${hostname()}`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'intermission-cli-'));
  dirs.push(dir);
  return dir;
}

/** A state file path (not created) and an empty config file, so the repo's config never leaks in. */
function sandbox(): { file: string; env: Record<string, string> } {
  const dir = tempDir();
  const config = join(dir, 'intermission.json');
  writeFileSync(config, '{}');
  return { file: join(dir, 'state.json'), env: { INTERMISSION_CONFIG: config } };
}

function readState(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

/** What `--json` prints, by command. */
interface Written {
  target: string;
  state: StoredState;
  warnings: string[];
}
interface PreviewLink {
  url: string;
  next: string;
  expiresAt: string;
}
interface JsonError {
  error: { code: string; message: string };
}
const asStatus = (text: string): StatusReport => JSON.parse(text) as StatusReport;
const asWritten = (text: string): Written => JSON.parse(text) as Written;
const asError = (text: string): JsonError => JSON.parse(text) as JsonError;

describe('down and up', () => {
  it('down writes exactly the maintenance state, and warns that it has no end', async () => {
    const { file, env } = sandbox();
    const result = await run(['down', '--state-file', file], { env });
    expect(result.code).toBe(0);
    expect(readState(file)).toEqual({ mode: 'maintenance', updatedAt: iso(NOW), updatedBy: ME });
    expect(result.stdout).toContain('down for maintenance');
    expect(result.stderr).toMatch(/^intermission: warning: no --until given: the site stays closed until you run intermission up\n$/);
  });

  it('down writes every option, durations counted from now, and then does not warn', async () => {
    const { file, env } = sandbox();
    const result = await run(['down', '--state-file', file, '--message', 'Back at noon', '--retry', '10m', '--until', '1h30m'], { env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(readState(file)).toEqual({
      mode: 'maintenance',
      message: 'Back at noon',
      retryAfter: 600,
      until: iso(NOW + 90 * MINUTE),
      updatedAt: iso(NOW),
      updatedBy: ME,
    });
    expect(result.stdout).toContain(`opens by itself at ${iso(NOW + 90 * MINUTE)}, in 1h 30m`);
  });

  it('down --coming-soon --launch-at writes a coming-soon state; an ISO date is normalised to UTC', async () => {
    const { file, env } = sandbox();
    const result = await run(['down', '--coming-soon', '--launch-at', '2030-01-02T09:00:00+01:00', '--state-file', file], { env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(readState(file)).toEqual({ mode: 'coming-soon', launchAt: '2030-01-02T08:00:00.000Z', updatedAt: iso(NOW), updatedBy: ME });

    const status = await run(['status', '--state-file', file, '--json'], { env });
    expect(asStatus(status.stdout)).toMatchObject({
      mode: 'coming-soon',
      launchAt: '2030-01-02T08:00:00.000Z',
      changesAt: '2030-01-02T08:00:00.000Z',
      changesTo: 'off',
      secondsLeft: 32 * 3600,
    });
  });

  it('coming soon without --launch-at warns about --launch-at', async () => {
    const { file, env } = sandbox();
    const result = await run(['down', '--coming-soon', '--state-file', file], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('no --launch-at given');
  });

  it('up writes mode off explicitly and keeps previewsValidAfter', async () => {
    const { file, env } = sandbox();
    writeFileSync(
      file,
      JSON.stringify({ mode: 'maintenance', until: iso(NOW + HOUR), updatedAt: iso(NOW - HOUR), previewsValidAfter: iso(NOW - MINUTE) }),
    );
    const result = await run(['up', '--state-file', file], { env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('The site is up');
    expect(readState(file)).toEqual({ mode: 'off', updatedAt: iso(NOW), updatedBy: ME, previewsValidAfter: iso(NOW - MINUTE) });
  });

  it('down keeps previewsValidAfter and drops the rest of the previous state', async () => {
    const { file, env } = sandbox();
    writeFileSync(file, JSON.stringify({ mode: 'off', message: 'old', updatedAt: iso(NOW - HOUR), previewsValidAfter: iso(NOW - MINUTE) }));
    expect((await run(['down', '--until', '2h', '--state-file', file], { env })).code).toBe(0);
    expect(readState(file)).toEqual({
      mode: 'maintenance',
      until: iso(NOW + 2 * HOUR),
      updatedAt: iso(NOW),
      updatedBy: ME,
      previewsValidAfter: iso(NOW - MINUTE),
    });
  });

  it('down over an invalid state overwrites it, revoking previews since their last revocation is unknown', async () => {
    const { file, env } = sandbox();
    writeFileSync(file, '{ not json');
    const result = await run(['down', '--until', '1h', '--state-file', file], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('overwriting an invalid state');
    expect(readState(file)).toMatchObject({ mode: 'maintenance', previewsValidAfter: iso(NOW) });
  });

  it('planning a window while the site is closed warns that it opens until the window starts', async () => {
    const { file, env } = sandbox();
    await run(['down', '--state-file', file], { env });
    const result = await run(['down', '--at', '1h', '--until', '2h', '--state-file', file], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `intermission: warning: the site was closed (maintenance); it is open now until ${iso(NOW + HOUR)}, when the planned window starts\n`,
    );
  });

  it('down --json prints the state written, with warnings', async () => {
    const { file, env } = sandbox();
    const result = await run(['down', '--json', '--state-file', file], { env });
    expect(result.code).toBe(0);
    const output = asWritten(result.stdout);
    expect(output.state).toEqual(readState(file));
    expect(output.target).toBe(`state file ${file}`);
    expect(output.warnings).toHaveLength(1);
    const up = asWritten((await run(['up', '--json', '--state-file', file], { env })).stdout);
    expect(up.state.mode).toBe('off');
  });

  it('takes the state file from INTERMISSION_STATE_FILE', async () => {
    const { file, env } = sandbox();
    expect((await run(['down', '--until', '1h'], { env: { ...env, INTERMISSION_STATE_FILE: file } })).code).toBe(0);
    expect(readState(file)).toMatchObject({ mode: 'maintenance' });
  });
});

describe('status', () => {
  it('round-trips what down wrote', async () => {
    const { file, env } = sandbox();
    await run(['down', '--message', 'Upgrading', '--until', '80m', '--state-file', file], { env });
    const later = NOW + 10 * MINUTE;
    const human = await run(['status', '--state-file', file], { env, now: later });
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toMatch(/^Mode: +maintenance \(closed now\)$/m);
    expect(human.stdout).toContain(`${iso(NOW + 80 * MINUTE)}, in 1h 10m`);
    expect(human.stdout).toMatch(/^Message: +Upgrading$/m);
    expect(human.stdout).toContain(`${iso(NOW)} by ${ME}`);
    expect(human.stdout).toContain(`state file ${file}`);

    const machine = await run(['status', '--json', '--state-file', file], { env, now: later });
    expect(asStatus(machine.stdout)).toEqual({
      mode: 'maintenance',
      configuredMode: 'maintenance',
      source: `state file ${file}`,
      target: `state file ${file}`,
      updatedAt: iso(NOW),
      updatedBy: ME,
      message: 'Upgrading',
      retryAfter: null,
      startsAt: null,
      until: iso(NOW + 80 * MINUTE),
      launchAt: null,
      changesAt: iso(NOW + 80 * MINUTE),
      changesTo: 'off',
      secondsLeft: 70 * 60,
      previewsValidAfter: null,
      now: iso(later),
    });
  });

  it('a window planned with --at and --until is off before it starts, on inside it, off after it', async () => {
    const { file, env } = sandbox();
    const t1 = '2030-01-01T02:00:00Z';
    const t2 = '2030-01-01T04:00:00Z';
    expect((await run(['down', '--at', t1, '--until', t2, '--state-file', file], { env })).code).toBe(0);
    expect(readState(file)).toEqual({
      mode: 'maintenance',
      startsAt: '2030-01-01T02:00:00.000Z',
      until: '2030-01-01T04:00:00.000Z',
      updatedAt: iso(NOW),
      updatedBy: ME,
    });

    const before = await run(['status', '--state-file', file], { env, now: NOW + HOUR });
    expect(before.stdout).toMatch(/^Mode: +off \(open now\)$/m);
    expect(before.stdout).toMatch(/^Closes: +2030-01-01T02:00:00.000Z, in 1h \(maintenance\)$/m);
    const beforeJson = asStatus((await run(['status', '--json', '--state-file', file], { env, now: NOW + HOUR })).stdout);
    expect(beforeJson).toMatchObject({
      mode: 'off',
      configuredMode: 'maintenance',
      changesAt: '2030-01-01T02:00:00.000Z',
      changesTo: 'maintenance',
      secondsLeft: 3600,
    });

    const during = asStatus((await run(['status', '--json', '--state-file', file], { env, now: NOW + 3 * HOUR })).stdout);
    expect(during).toMatchObject({ mode: 'maintenance', changesAt: '2030-01-01T04:00:00.000Z', changesTo: 'off', secondsLeft: 3600 });

    const after = await run(['status', '--state-file', file], { env, now: NOW + 5 * HOUR });
    expect(after.stdout).toMatch(/^Mode: +off \(open now\)$/m);
    expect(after.stdout).toContain('ended at 2030-01-01T04:00:00.000Z (1h ago)');
    expect(asStatus((await run(['status', '--json', '--state-file', file], { env, now: NOW + 5 * HOUR })).stdout)).toMatchObject({
      mode: 'off',
      changesAt: null,
      secondsLeft: null,
    });
  });

  it('falls back to the config and environment when the store holds no state', async () => {
    const { file, env } = sandbox();
    const fromDefault = asStatus((await run(['status', '--json', '--state-file', file], { env })).stdout);
    expect(fromDefault).toMatchObject({
      mode: 'off',
      configuredMode: 'off',
      source: 'default',
      target: `state file ${file}`,
      updatedAt: null,
    });

    const fromEnv = await run(['status', '--state-file', file], {
      env: { ...env, INTERMISSION_MODE: 'maintenance', INTERMISSION_UNTIL: '2030-01-01T01:00:00Z' },
    });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stdout).toMatch(/^Mode: +maintenance/m);
    expect(fromEnv.stdout).toMatch(/^Source: +env \(state file .* holds no state\)$/m);

    const config = join(tempDir(), 'intermission.json');
    writeFileSync(config, JSON.stringify({ mode: 'coming-soon' }));
    const fromFile = asStatus((await run(['status', '--json', '--state-file', file], { env: { INTERMISSION_CONFIG: config } })).stdout);
    expect(fromFile).toMatchObject({ mode: 'coming-soon', source: 'config file' });
  });

  it('a corrupt state file exits 4 with the reason and a fix', async () => {
    const { file, env } = sandbox();
    writeFileSync(file, '{"mode":"sideways"}');
    const result = await run(['status', '--state-file', file], { env });
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^intermission: state file .*state\.json is not a valid state \(mode: .*\); fix it by hand, or overwrite it with intermission down or intermission up\n$/,
    );

    const asJson = await run(['status', '--json', '--state-file', file], { env });
    expect(asJson.code).toBe(4);
    expect(asError(asJson.stderr).error.code).toBe('ERR_INTERMISSION_STATE_INVALID');
  });

  it('an unreadable state path exits 3', async () => {
    const { env } = sandbox();
    const result = await run(['status', '--state-file', tempDir()], { env });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/is a directory.*; check the path/);
  });
});

describe('control characters (terminal and text injection)', () => {
  /** Any C0 or C1 control character, DEL included: none may reach a terminal raw. */
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const RAW_CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;

  it.each([
    ['an ANSI escape', 'Back soon\u001b[2J\u001b[32mintermission: the site is up'],
    ['a newline', 'Back soon\nMode: off'],
    ['a carriage return', 'Back soon\rMode: off'],
    ['a tab', 'Back\tsoon'],
    ['DEL', 'Back\u007f soon'],
    ['a C1 CSI', 'Back \u009b2J soon'],
  ])('down --message with %s exits 2 and writes nothing', async (_name, message) => {
    const { file, env } = sandbox();
    const result = await run(['down', '--message', message, '--state-file', file], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'intermission: --message contains a control character (a newline, tab, escape...); write it on one line of plain text\n',
    );
    expect(existsSync(file)).toBe(false);
  });

  it.each(['message', 'updatedBy'])(
    'a stored state with a control character in %s is invalid: exit 4, and nothing raw printed',
    async (field) => {
      const { file, env } = sandbox();
      writeFileSync(
        file,
        JSON.stringify({ mode: 'maintenance', updatedAt: '2030-01-01T00:00:00Z', [field]: 'ops\u001b[2J\u001b[32mfaked' }),
      );
      const result = await run(['status', '--state-file', file], { env });
      expect(result.code).toBe(4);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`(${field}: must not contain control characters`);
      expect(result.stderr.slice(0, -1)).not.toMatch(RAW_CONTROL);
    },
  );

  it('escapes control characters in the store name, in status, warnings and errors', async () => {
    const { env } = sandbox();
    const file = join(tempDir(), 'state\u001b[31m.json');
    const down = await run(['down', '--state-file', file], { env });
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('state\\x1b[31m.json');
    for (const output of [down.stdout, down.stderr]) expect(output.replaceAll('\n', '')).not.toMatch(RAW_CONTROL);

    const status = await run(['status', '--state-file', file], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Source: +state file .*state\\x1b\[31m\.json$/m);
    expect(status.stdout.replaceAll('\n', '')).not.toMatch(RAW_CONTROL);
    // JSON keeps the real name: JSON.stringify escapes it already.
    expect(asStatus((await run(['status', '--json', '--state-file', file], { env })).stdout).target).toBe(`state file ${file}`);

    const broken = await run(['status', '--state-file', join(file, 'under-a-file.json')], { env });
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain('\\x1b[31m');
    expect(broken.stderr.slice(0, -1)).not.toMatch(RAW_CONTROL);
  });
});

describe('usage errors exit 2 with a helpful message', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown option', ['down', '--untill', '1h'], /unknown option --untill for intermission down; did you mean --until\?/],
    ['bad duration', ['down', '--until', 'tomorrow'], /--until "tomorrow" is not a time; write a duration from now like 30m/],
    ['date without a zone', ['down', '--until', '2030-01-01T10:00:00'], /--until "2030-01-01T10:00:00" is not a time/],
    [
      'until in the past',
      ['down', '--until', '2029-12-31T23:00:00Z'],
      /--until 2029-12-31T23:00:00.000Z is not after now; give a later time/,
    ],
    [
      'until before at',
      ['down', '--at', '2h', '--until', '1h'],
      /--until .* is not after --at .*\(durations count from now, not from --at\)/,
    ],
    ['at in the past', ['down', '--at', '2029-12-31T23:00:00Z'], /--at .* is in the past/],
    ['launch-at without coming-soon', ['down', '--launch-at', '1d'], /--launch-at only applies to coming-soon mode; add --coming-soon/],
    ['until and launch-at', ['down', '--coming-soon', '--launch-at', '1d', '--until', '2d'], /give only --launch-at/],
    ['missing value', ['down', '--message'], /--message needs a value; write --message TEXT/],
    ['option as value', ['down', '--message', '--until', '1h'], /--message needs a value, got the option --until/],
    ['value for a flag', ['down', '--coming-soon=yes'], /--coming-soon takes no value/],
    ['bad retry', ['down', '--retry', '0'], /--retry "0" is not a number of seconds/],
    ['stray argument', ['down', 'now'], /unexpected argument "now" for intermission down/],
    ['both stores', ['status', '--redis-url', 'redis://localhost', '--state-file', 'x.json'], /both given/],
    ['not a redis url', ['status', '--redis-url', 'http://localhost:6379'], /is not a redis:\/\/ or rediss:\/\/ URL/],
    ['option before the command', ['--state-file', 'x.json', 'status'], /expected a command before --state-file/],
    ['an option of another command', ['secret', '--until', '1h'], /unknown option --until for intermission secret/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const { file, env } = sandbox();
    const [command = '', ...rest] = args;
    const needsFile = !args.includes('x.json') && !args.some((arg) => arg.startsWith('--redis'));
    const result = await run(needsFile ? [command, '--state-file', file, ...rest] : args, { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^intermission: /);
    expect(result.stderr).toMatch(message);
    expect(existsSync(file)).toBe(false);
  });

  it('an unknown command exits 2, suggests the closest one and prints the help', async () => {
    const result = await run(['donw']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^intermission: unknown command "donw"; did you mean "down"\?/);
    expect(result.stderr).toContain('Usage: intermission <command> [options]');
    expect(result.stderr).toContain('Exit codes:');
  });

  it('no command exits 2 with the help', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: intermission <command>');
  });

  it.each(['down', 'up', 'status', 'revoke-previews'])('%s without a store exits 2 naming both flags and env vars', async (command) => {
    const result = await run([command]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'intermission: no state store given; pass --state-file PATH or --redis-url URL, or set INTERMISSION_STATE_FILE or INTERMISSION_REDIS_URL\n',
    );
  });

  it('with --json, a usage error is one JSON object on stderr', async () => {
    const result = await run(['down', '--json', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(asError(result.stderr)).toEqual({
      error: { code: 'ERR_INTERMISSION_USAGE', message: 'unknown option --bogus for intermission down; see intermission down --help' },
    });
  });
});

describe('help', () => {
  it.each([['--help'], ['-h'], ['help']])('%s prints the commands and exit codes', async (flag) => {
    const result = await run([flag]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    for (const text of [
      'down',
      'up',
      'status',
      'preview-link',
      'revoke-previews',
      'secret',
      '--state-file',
      'INTERMISSION_REDIS_URL',
      '3  store unreachable',
      'subscribers export',
      '--subscribers-file',
    ]) {
      expect(result.stdout).toContain(text);
    }
  });

  it.each(['down', 'up', 'status', 'preview-link', 'revoke-previews', 'secret'])(
    '%s --help prints its usage, even among other options',
    async (command) => {
      const result = await run([command, '--bogus', '--help']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`Usage: intermission ${command}`);
      expect(result.stdout).toContain('Exit codes:');
      expect((await run(['help', command])).stdout).toBe(result.stdout);
    },
  );
});

describe('revoke-previews', () => {
  it('sets previewsValidAfter to now and keeps the rest of the state', async () => {
    const { file, env } = sandbox();
    await run(['down', '--coming-soon', '--launch-at', '1d', '--message', 'Soon', '--state-file', file], { env });
    const later = NOW + 5 * MINUTE;
    const result = await run(['revoke-previews', '--state-file', file], { env, now: later });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`issued before ${iso(later)} no longer work`);
    expect(readState(file)).toEqual({
      mode: 'coming-soon',
      message: 'Soon',
      launchAt: iso(NOW + 24 * HOUR),
      updatedAt: iso(later),
      updatedBy: ME,
      previewsValidAfter: iso(later),
    });
    // …and it survives the next up.
    await run(['up', '--state-file', file], { env, now: later + MINUTE });
    expect(readState(file)).toMatchObject({ mode: 'off', previewsValidAfter: iso(later) });
  });

  it('with no state stored, writes the configured mode with the revocation, and says so', async () => {
    const { file, env } = sandbox();
    const result = await run(['revoke-previews', '--json', '--state-file', file], { env: { ...env, INTERMISSION_MODE: 'maintenance' } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('the store held no state');
    expect(readState(file)).toEqual({ mode: 'maintenance', updatedAt: iso(NOW), updatedBy: ME, previewsValidAfter: iso(NOW) });
    expect(asWritten(result.stdout).warnings).toHaveLength(1);
  });

  it('refuses to touch an invalid state (exit 4)', async () => {
    const { file, env } = sandbox();
    writeFileSync(file, '[]');
    expect((await run(['revoke-previews', '--state-file', file], { env })).code).toBe(4);
    expect(readFileSync(file, 'utf8')).toBe('[]');
  });
});

describe('preview-link', () => {
  it('fails clearly without a secret', async () => {
    const { env } = sandbox();
    const result = await run(['preview-link'], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^intermission: no secret to sign the link with; set INTERMISSION_SECRET \(generate one with intermission secret\)/,
    );
  });

  it('prints a link whose token verifies and lands on --next', async () => {
    const { env } = sandbox();
    const result = await run(['preview-link', '--base', 'https://example.com/', '--ttl', '2h', '--next', '/blog/launch?ref=preview'], {
      env: { ...env, INTERMISSION_SECRET: SECRET },
    });
    expect(result.code).toBe(0);
    const url = new URL(result.stdout.trim());
    expect(result.stdout).toMatch(/^https:\/\/example\.com\/__intermission\/preview\?token=[A-Za-z0-9._-]+\n$/);
    const verdict = verifyPreviewToken(createKeyRing([SECRET]), url.searchParams.get('token'), NOW + MINUTE);
    expect(verdict).toEqual({ ok: true, next: '/blog/launch?ref=preview', issuedAt: NOW, expiresAt: NOW + 2 * HOUR });
    expect(verifyPreviewToken(createKeyRing([SECRET]), url.searchParams.get('token'), NOW + 2 * HOUR)).toMatchObject({
      ok: false,
      reason: 'expired',
    });
    expect(result.stderr).toContain(`works until ${iso(NOW + 2 * HOUR)}`);
  });

  it('defaults to localhost, 1h and /, and follows previewPath and the secret from the config file', async () => {
    const dir = tempDir();
    const config = join(dir, 'intermission.json');
    writeFileSync(config, JSON.stringify({ secret: SECRET, previewPath: '/let-me-in' }));
    const result = await run(['preview-link', '--json'], { env: { INTERMISSION_CONFIG: config } });
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as PreviewLink;
    expect(output.url).toMatch(/^http:\/\/localhost:3000\/let-me-in\?token=/);
    expect(output).toMatchObject({ next: '/', expiresAt: iso(NOW + HOUR) });
    const token = new URL(output.url).searchParams.get('token');
    expect(verifyPreviewToken(createKeyRing([SECRET]), token, NOW)).toMatchObject({ ok: true, next: '/' });
  });

  it.each([
    [['--base', 'ftp://example.com'], /--base "ftp:\/\/example.com" is not an http\(s\) site URL/],
    [['--base', 'example.com'], /--base "example.com" is not an http\(s\) site URL/],
    [['--next', '//evil.example/'], /--next "\/\/evil.example\/" is not a path on the site/],
    [['--next', 'https://evil.example/'], /is not a path on the site/],
    [['--ttl', '31d'], /--ttl "31d" is not a duration of at most 30 days/],
    [['--ttl', 'forever'], /--ttl "forever" is not a duration/],
  ])('%j exits 2', async (args, message) => {
    const result = await run(['preview-link', ...args], { env: { INTERMISSION_SECRET: SECRET } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('secret', () => {
  it('prints 32 random bytes as 43 base64url characters, different each time', async () => {
    const first = await run(['secret']);
    const second = await run(['secret']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(Buffer.from(first.stdout.trim(), 'base64url')).toHaveLength(32);
    expect(second.stdout).not.toBe(first.stdout);
    expect((JSON.parse((await run(['secret', '--json'])).stdout) as { secret: string }).secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('formatSpan', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [90_000, '1m 30s'],
    [80 * MINUTE, '1h 20m'],
    [HOUR + 1000, '1h'],
    [26 * HOUR + 5 * MINUTE, '1d 2h'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatSpan(ms)).toBe(text);
  });
});

describe('Redis target', () => {
  it('exits 3 quickly when Redis is unreachable', async () => {
    const started = Date.now();
    const result = await run(['status', '--redis-url', 'redis://127.0.0.1:1']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.code).toBe(3);
    // The error of the same redisStore the app uses, and the CLI's fix.
    expect(result.stderr).toMatch(
      /^intermission: Could not connect to Redis within 2000 ms: Redis key "intermission:state" at redis:\/\/127\.0\.0\.1:1 .*; check --redis-url/,
    );
    const down = await run(['down', '--json', '--redis-url', 'redis://:hunter2@127.0.0.1:1']);
    expect(down.code).toBe(3);
    expect(down.stderr).not.toContain('hunter2');
    expect(asError(down.stderr).error.code).toBe('ERR_INTERMISSION_STATE_UNAVAILABLE');
  });
});

describeRedis('Redis target on a real redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('down, status and up round-trip through Redis, and down announces the change on the channel', async () => {
    const { env } = sandbox();
    const key = `cli-test-${Date.now()}`;
    const raw = createClient({ url: server.url });
    raw.on('error', () => {});
    await raw.connect();
    const sub = raw.duplicate();
    sub.on('error', () => {});
    await sub.connect();
    const messages: string[] = [];
    await sub.subscribe('intermission:state-changed', (message) => void messages.push(message));
    try {
      const empty = asStatus((await run(['status', '--json', '--redis-url', server.url, '--redis-key', key], { env })).stdout);
      expect(empty).toMatchObject({ mode: 'off', source: 'default', target: `redis ${key} at ${server.url}` });

      const down = await run(['down', '--until', '30m', '--redis-url', server.url, '--redis-key', key], { env });
      expect(down).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse((await raw.get(key)) ?? 'null')).toEqual({
        mode: 'maintenance',
        until: iso(NOW + 30 * MINUTE),
        updatedAt: iso(NOW),
        updatedBy: ME,
      });
      await expect.poll(() => messages).toEqual([iso(NOW)]);

      const status = asStatus((await run(['status', '--json', '--redis-url', server.url, '--redis-key', key], { env })).stdout);
      expect(status).toMatchObject({ mode: 'maintenance', source: `redis ${key} at ${server.url}`, secondsLeft: 1800 });

      // The key from the environment, too.
      const up = await run(['up'], { env: { ...env, INTERMISSION_REDIS_URL: server.url, INTERMISSION_REDIS_KEY: key } });
      expect(up.code).toBe(0);
      expect(JSON.parse((await raw.get(key)) ?? 'null')).toMatchObject({ mode: 'off' });
    } finally {
      await sub.close();
      await raw.close();
    }
  });

  it('an absent key is unknown: status warns that instances keep their state, revoke-previews refuses', async () => {
    const key = `cli-test-absent-${Date.now()}`;
    const status = await run(['status', '--redis-url', server.url, '--redis-key', key]);
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(/holds no state .*running instances keep their last known state/);
    const revoke = await run(['revoke-previews', '--redis-url', server.url, '--redis-key', key]);
    expect(revoke.code).toBe(4);
    expect(revoke.stderr).toMatch(/mode the instances keep is unknown; run intermission down or intermission up first/);
    const raw = createClient({ url: server.url });
    raw.on('error', () => {});
    await raw.connect();
    try {
      expect(await raw.exists(key)).toBe(0);
    } finally {
      await raw.close();
    }
  });

  it('an invalid state in the key exits 4', async () => {
    const key = `cli-test-invalid-${Date.now()}`;
    const raw = createClient({ url: server.url });
    raw.on('error', () => {});
    await raw.connect();
    try {
      await raw.set(key, '{"mode":"maintenance"}');
      const result = await run(['status', '--redis-url', server.url, '--redis-key', key]);
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(/not a valid state/);
    } finally {
      await raw.close();
    }
  });
});

describe('the real executable', () => {
  const exec = (file: string, args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        file,
        args,
        { cwd: REPO, env: { ...process.env, INTERMISSION_STATE_FILE: '', INTERMISSION_REDIS_URL: '' }, timeout: 30_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });

  it('runs as an entry point under tsx (src/cli/main.ts)', async () => {
    const { file } = sandbox();
    writeFileSync(file, JSON.stringify({ mode: 'maintenance', updatedAt: '2030-01-01T00:00:00Z' }));
    const tsx = join(REPO, 'node_modules/tsx/dist/cli.mjs');
    const result = await exec(process.execPath, [tsx, 'src/cli/main.ts', 'status', '--json', '--state-file', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(asStatus(result.stdout)).toMatchObject({ mode: 'maintenance', source: `state file ${file}` });
    const bad = await exec(process.execPath, [tsx, 'src/cli/main.ts', 'nope']);
    expect(bad.code).toBe(2);
  });

  const dist = join(REPO, 'dist/cli.js');
  it.skipIf(!existsSync(dist))('runs as the built dist/cli.js, also through a symlink like npm bin', async () => {
    const { file } = sandbox();
    writeFileSync(file, JSON.stringify({ mode: 'coming-soon', updatedAt: '2030-01-01T00:00:00Z' }));
    const direct = await exec(process.execPath, [dist, 'status', '--json', '--state-file', file]);
    expect(direct.code).toBe(0);
    expect(asStatus(direct.stdout).mode).toBe('coming-soon');
    expect(readFileSync(dist, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    const link = join(tempDir(), 'intermission');
    symlinkSync(dist, link);
    const viaLink = await exec(process.execPath, [link, 'status', '--json', '--state-file', file]);
    expect(viaLink.code).toBe(0);
    expect(asStatus(viaLink.stdout).mode).toBe('coming-soon');
  });
});
