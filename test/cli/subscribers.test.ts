import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSubscriberStore } from '../../src/signup/stores/file-subscriber-store.js';
import { encodeAdd } from '../../src/signup/stores/record.js';
import type { Subscriber } from '../../src/signup/subscriber.js';
import { NOW, run, sandbox, subscriberFile } from './run-cli.js';

/** Any C0 or C1 control character but the line feed: none may reach a terminal raw. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;
const at = (secondsBefore: number): string => new Date(NOW - secondsBefore * 1000).toISOString();

interface JsonError {
  error: { code: string; message: string };
}
const asError = (text: string): JsonError => JSON.parse(text) as JsonError;

/** A sandbox whose subscriber file holds `emails`, named by INTERMISSION_SUBSCRIBERS_FILE. */
async function listOf(emails: readonly string[]): Promise<{ dir: string; file: string; env: Record<string, string> }> {
  const { dir, env } = sandbox();
  const file = await subscriberFile(dir, emails);
  return { dir, file, env: { ...env, INTERMISSION_SUBSCRIBERS_FILE: file } };
}

describe('subscribers count', () => {
  it('prints the number alone, or {"count":N} with --json; removals count out', async () => {
    const { file, env } = await listOf(['ada@example.com', 'bob@example.com', 'cy@example.com']);
    await fileSubscriberStore({ path: file }).remove('bob@example.com');
    expect(await run(['subscribers', 'count'], { env })).toEqual({ code: 0, stdout: '2\n', stderr: '' });
    const json = await run(['subscribers', 'count', '--json', '--subscribers-file', file]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ count: 2, target: `subscriber file ${file}` });
  });

  it('a file that does not exist is an empty list, with a warning that the path may be wrong', async () => {
    const { dir, env } = sandbox();
    const result = await run(['subscribers', 'count', '--subscribers-file', join(dir, 'nope.jsonl')], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('0\n');
    expect(result.stderr).toMatch(
      /^intermission: warning: subscriber file .*nope\.jsonl does not exist \(yet\): the list is empty; check that the path/,
    );
  });

  it('a directory in place of the file exits 3 with the store code', async () => {
    const { dir, env } = sandbox();
    const result = await run(['subscribers', 'count', '--json', '--subscribers-file', dir], { env });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(asError(result.stderr).error.code).toBe('ERR_INTERMISSION_SUBSCRIBERS_UNAVAILABLE');
    expect(asError(result.stderr).error.message).toMatch(
      /check the path and its permissions \(--subscribers-file or INTERMISSION_SUBSCRIBERS_FILE\)/,
    );
  });

  it("without a list reads the app's default file in the working directory, and refuses a bad Redis URL", async () => {
    const result = await run(['subscribers', 'count', '--json']);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as { count: number; target: string };
    expect(answer.count).toBe(0);
    expect(answer.target).toContain(join(process.cwd(), '.intermission/subscribers.jsonl'));
    const bad = await run(['subscribers', 'count'], { env: { INTERMISSION_REDIS_URL: 'http://localhost:6379' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/INTERMISSION_REDIS_URL "http:\/\/localhost:6379\/" is not a redis:\/\/ or rediss:\/\/ URL/);
  });

  it('a corrupt line is skipped with a warning, escaped', async () => {
    const { file, env } = await listOf(['ada@example.com']);
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"op":"add","email":"\\u001b[2J@example.com"}\n\u001b[2Jgarbage\n`);
    const result = await run(['subscribers', 'count'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('1\n');
    expect(result.stderr).toMatch(/^intermission: warning: skipped line at byte \d+ of the subscriber file/);
    expect(result.stderr.replaceAll('\n', '')).not.toMatch(RAW_CONTROL);
  });
});

describe('subscribers export', () => {
  async function mixedList(): Promise<{ dir: string; file: string; env: Record<string, string> }> {
    const { dir, env } = sandbox();
    const file = join(dir, 'subscribers.jsonl');
    const store = fileSubscriberStore({ path: file });
    const people: Subscriber[] = [
      { email: 'ada@example.com', subscribedAt: at(3), consent: true, lang: 'en' },
      { email: '=cmd@example.com', subscribedAt: at(2), consent: false },
      { email: 'José@exämple.com', subscribedAt: at(1), consent: true, lang: 'pt-BR' },
    ];
    for (const person of people) await store.add(person);
    await store.add({ email: 'gone@example.com', subscribedAt: at(0), consent: true });
    await store.remove('gone@example.com');
    return { dir, file, env: { ...env, INTERMISSION_SUBSCRIBERS_FILE: file } };
  }

  it('writes CSV to stdout by default: header, CRLF, oldest first, formula cells defused, nothing else', async () => {
    const { env } = await mixedList();
    const result = await run(['subscribers', 'export'], { env });
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'email,subscribedAt,consent,lang',
        `ada@example.com,${at(3)},true,en`,
        `'=cmd@example.com,${at(2)},false,`,
        `José@exämple.com,${at(1)},true,pt-BR`,
        '',
      ].join('\r\n'),
    });
    // --json does not change the export on stdout (it is data, not a result object).
    expect((await run(['subscribers', 'export', '--json'], { env })).stdout).toBe(result.stdout);
  });

  it('writes JSON as one array with a subscriber per line, exactly the four fields', async () => {
    const { env } = await mixedList();
    const result = await run(['subscribers', 'export', '--format', 'JSON'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toHaveLength(6); // [, three subscribers, ], and the final newline
    expect(JSON.parse(result.stdout)).toEqual([
      { email: 'ada@example.com', subscribedAt: at(3), consent: true, lang: 'en' },
      { email: '=cmd@example.com', subscribedAt: at(2), consent: false },
      { email: 'José@exämple.com', subscribedAt: at(1), consent: true, lang: 'pt-BR' },
    ]);
  });

  it('an empty list is a header alone, or []', async () => {
    const { dir, env } = sandbox();
    const file = join(dir, 'none.jsonl');
    expect((await run(['subscribers', 'export', '--subscribers-file', file], { env })).stdout).toBe('email,subscribedAt,consent,lang\r\n');
    expect(JSON.parse((await run(['subscribers', 'export', '--format', 'json', '--subscribers-file', file], { env })).stdout)).toEqual([]);
  });

  it('a long list streams out whole, in order', async () => {
    const { dir, env } = sandbox();
    const emails = Array.from({ length: 3000 }, (_, i) => `person-${String(i).padStart(4, '0')}@example.com`);
    // Written with the store's own encoder in one go: 3000 fsynced adds would take seconds.
    const file = join(dir, 'long.jsonl');
    writeFileSync(file, emails.map((email, i) => encodeAdd({ email, subscribedAt: at(3000 - i), consent: true })).join(''));
    const result = await run(['subscribers', 'export', '--format', 'json', '--subscribers-file', file], { env });
    expect(result.stdout.length).toBeGreaterThan(2 * 64 * 1024);
    expect((JSON.parse(result.stdout) as Subscriber[]).map((subscriber) => subscriber.email)).toEqual(emails);
  });

  it('--output creates the file 0600 with the same bytes, and says so', async () => {
    const { dir, env } = await mixedList();
    const out = join(dir, 'export.csv');
    const result = await run(['subscribers', 'export', '--output', out], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Exported 3 subscribers as csv to ${out} (readable by you only).\n`);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toBe((await run(['subscribers', 'export'], { env })).stdout);
    const json = await run(['subscribers', 'export', '--format', 'json', '--output', join(dir, 'export.json'), '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual({
      target: expect.stringMatching(/^subscriber file /) as unknown,
      output: join(dir, 'export.json'),
      format: 'json',
      count: 3,
    });
    // No temporary file is left beside it.
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to replace an existing file (exit 1) unless --force, which leaves it 0600', async () => {
    const { dir, env } = await mixedList();
    const out = join(dir, 'export.csv');
    writeFileSync(out, 'keep me', { mode: 0o644 });
    const refused = await run(['subscribers', 'export', '--output', out, '--json'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(asError(refused.stderr).error).toEqual({
      code: 'ERR_INTERMISSION_OUTPUT_FILE',
      message: `${out} already exists; pass --force to replace it, or choose another --output`,
    });
    expect(readFileSync(out, 'utf8')).toBe('keep me');

    const forced = await run(['subscribers', 'export', '--output', out, '--force'], { env });
    expect(forced.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^email,subscribedAt,consent,lang\r\n/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a symlink at --output is refused, and --force replaces the link, never the file it points to', async () => {
    const { dir, env } = await mixedList();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    const link = join(dir, 'export.csv');
    symlinkSync(victim, link);
    expect((await run(['subscribers', 'export', '--output', link], { env })).code).toBe(1);
    const dangling = join(dir, 'dangling.csv');
    symlinkSync(join(dir, 'missing-target'), dangling);
    expect((await run(['subscribers', 'export', '--output', dangling], { env })).code).toBe(1);
    expect(existsSync(join(dir, 'missing-target'))).toBe(false);
    expect((await run(['subscribers', 'export', '--output', link, '--force'], { env })).code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
  });

  it('refuses to export over the subscriber file itself, even with --force or through a link', async () => {
    const { dir, file, env } = await mixedList();
    const before = readFileSync(file, 'utf8');
    const link = join(dir, 'link.jsonl');
    symlinkSync(file, link);
    for (const out of [file, join(dir, '.', 'subscribers.jsonl'), link]) {
      const result = await run(['subscribers', 'export', '--output', out, '--force'], { env });
      expect(result.code, out).toBe(2);
      expect(result.stderr).toMatch(/is the subscriber file itself; write the export to another file/);
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('an --output in a folder that does not exist exits 1 and leaves nothing behind', async () => {
    const { dir, env } = await mixedList();
    const result = await run(['subscribers', 'export', '--output', join(dir, 'no', 'such', 'dir.csv')], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^intermission: cannot create .*dir\.csv \(ENOENT\); check that its folder exists and is writable\n$/);
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly, { mode: 0o500 });
    if (process.getuid?.() !== 0) {
      expect((await run(['subscribers', 'export', '--output', join(readOnly, 'x.csv')], { env })).code).toBe(1);
      expect(readdirSync(readOnly)).toEqual([]);
    }
  });

  it.each([
    [['--format', 'xml'], /--format "xml" is not csv or json/],
    [['--output'], /--output needs a value; write --output FILE/],
    [['--force=yes'], /--force takes no value/],
    [['extra'], /unexpected argument "extra" for intermission subscribers export/],
  ])('%j exits 2', async (args, message) => {
    const { env } = await mixedList();
    const result = await run(['subscribers', 'export', ...args], { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});

describe('subscribers remove', () => {
  it('removes the address and compacts: it is gone from the disk, not only from the list', async () => {
    const { file, env } = await listOf(['ada@example.com', 'bob@example.com']);
    const result = await run(['subscribers', 'remove', 'ada@EXAMPLE.com'], { env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /^Removed ada@example\.com \(subscriber file .*\)\.\nThe file was compacted: no removed address is left on the disk \(1 kept\)\.\n$/,
    );
    expect(readFileSync(file, 'utf8')).not.toContain('ada@');
    expect((await run(['subscribers', 'count'], { env })).stdout).toBe('1\n');
  });

  it('also erases an address removed earlier without compaction', async () => {
    const { file, env } = await listOf(['ada@example.com', 'bob@example.com']);
    await fileSubscriberStore({ path: file }).remove('ada@example.com');
    expect(readFileSync(file, 'utf8')).toContain('ada@');
    const result = await run(['subscribers', 'remove', 'ada@example.com', '--json'], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      target: `subscriber file ${file}`,
      email: 'ada@example.com',
      removed: false,
      compacted: { subscribers: 1, droppedLines: 2 },
      similar: [],
    });
    expect(readFileSync(file, 'utf8')).not.toContain('ada@');
  });

  it('an address not on the list exits 0 and says so, naming addresses that differ only in case', async () => {
    const { env } = await listOf(['Ada.Lovelace@example.com', 'bob@example.com']);
    const result = await run(['subscribers', 'remove', 'ada.lovelace@example.com'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ada.lovelace@example.com was not on the list');
    expect(result.stdout).toContain(
      'On the list with other letter case: Ada.Lovelace@example.com. The part before the @ is case-sensitive',
    );
    const json = JSON.parse((await run(['subscribers', 'remove', 'ada.lovelace@example.com', '--json'], { env })).stdout) as {
      removed: boolean;
      similar: string[];
    };
    expect(json).toMatchObject({ removed: false, similar: ['Ada.Lovelace@example.com'] });
    expect((await run(['subscribers', 'count'], { env })).stdout).toBe('2\n');
  });

  it('an address that starts with "-" is written after --', async () => {
    const { env } = await listOf(['-dash@example.com']);
    const result = await run(['subscribers', 'remove', '--json', '--', '-dash@example.com'], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ email: '-dash@example.com', removed: true });
  });

  it.each([
    ['no address', [], /intermission subscribers remove needs EMAIL; write intermission subscribers remove EMAIL/],
    ['two addresses', ['a@example.com', 'b@example.com'], /unexpected argument "b@example.com"/],
    ['not an address', ['ada'], /"ada" is not an email address \(missing-at\): An email address needs an @/],
    ['a space inside', ['ada lovelace@example.com'], /is not an email address \(bad-character\)/],
    ['too long', [`${'a'.repeat(250)}@example.com`], /is not an email address \(too-long\)/],
    ['an escape sequence', ['ada\u001b[2J@example.com'], /is not an email address \(bad-character\)/],
    ['an option as address', ['-x@example.com'], /unknown option -x/],
  ])('%s exits 2 and changes nothing', async (_name, args, message) => {
    const { file, env } = await listOf(['ada@example.com']);
    const before = readFileSync(file, 'utf8');
    const result = await run(['subscribers', 'remove', ...args], { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.replaceAll('\n', '')).not.toMatch(RAW_CONTROL);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('subscribers compact', () => {
  it('drops removals and the adds they undid, and keeps the rest', async () => {
    const { file, env } = await listOf(['ada@example.com', 'bob@example.com', 'cy@example.com']);
    await fileSubscriberStore({ path: file }).remove('bob@example.com');
    const result = await run(['subscribers', 'compact'], { env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Compacted subscriber file .*: 2 subscribers kept, 2 lines dropped\.\n$/);
    expect(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { email: string }).email),
    ).toEqual(['ada@example.com', 'cy@example.com']);
    const again = await run(['subscribers', 'compact', '--json'], { env });
    expect(JSON.parse(again.stdout)).toEqual({ target: `subscriber file ${file}`, compacted: true, subscribers: 2, droppedLines: 0 });
  });
});

describe('control characters in what the subscriber commands print', () => {
  it('a path with an escape sequence is shown escaped', async () => {
    const { dir, env } = sandbox();
    const file = await subscriberFile(dir, ['ada@example.com'], 'list\u001b[31m.jsonl');
    for (const args of [
      ['count'],
      ['remove', 'ada@example.com'],
      ['compact'],
      ['export', '--output', join(dir, 'x\u001b[2J.csv')],
      ['count', '--subscribers-file', join(dir, 'gone\u001b[2J')],
    ]) {
      const result = await run(['subscribers', ...args, ...(args.includes('--subscribers-file') ? [] : ['--subscribers-file', file])], {
        env,
      });
      expect(result.code, args.join(' ')).toBe(0);
      expect(`${result.stdout}${result.stderr}`.replaceAll('\n', '')).not.toMatch(RAW_CONTROL);
    }
  });
});

describe('help', () => {
  it.each(['count', 'export', 'remove', 'compact'])('subscribers %s --help prints its usage and exit codes', async (sub) => {
    const result = await run(['subscribers', sub, '--bogus', '--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`Usage: intermission subscribers ${sub}`);
    expect(result.stdout).toContain('Exit codes:');
    expect((await run(['help', 'subscribers', sub])).stdout).toBe(result.stdout);
  });

  it('subscribers --help lists the subcommands; subscribers alone exits 2 with that help', async () => {
    const help = await run(['subscribers', '--help']);
    expect(help.code).toBe(0);
    for (const sub of ['count', 'export', 'remove', 'compact']) expect(help.stdout).toMatch(new RegExp(`^ {2}${sub} `, 'm'));
    expect((await run(['help', 'subscribers'])).stdout).toBe(help.stdout);
    const bare = await run(['subscribers']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(
      /^intermission: intermission subscribers needs a command; write intermission subscribers <count \| export \| remove EMAIL \| compact>/,
    );
  });

  it('an unknown subcommand exits 2 and suggests the closest', async () => {
    const result = await run(['subscribers', 'cuont']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^intermission: unknown command "subscribers cuont"; did you mean "subscribers count"\?/);
  });
});
