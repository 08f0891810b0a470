import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Tests what is published: the packed tarball installed into tiny ESM, CommonJS and TypeScript
 * projects, as a user would install it.
 */
const root = join(import.meta.dirname, '../..');
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** What `npm pack` needs to build and pack: the sources and build inputs, never the repository's dist/. */
const PACK_INPUTS = [
  'package.json',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'tsconfig.json',
  'tsconfig.build.json',
  'src',
  'scripts',
  'views',
  'docs',
  'config',
];

/**
 * A copy of the package to pack, so packing (which rebuilds dist/) never races other lanes that read
 * the repository's dist/. Its dist/ starts stale on purpose: only `prepack` can make the tarball work.
 */
function stagePackage(): string {
  const staging = mkdtempSync(join(tmpdir(), 'intermission-staging-'));
  for (const entry of PACK_INPUTS) cpSync(join(root, entry), join(staging, entry), { recursive: true });
  symlinkSync(realpathSync(join(root, 'node_modules')), join(staging, 'node_modules'), 'dir');
  mkdirSync(join(staging, 'dist'));
  writeFileSync(join(staging, 'dist/index.js'), "throw new Error('stale dist/ was packed');\n");
  writeFileSync(join(staging, 'dist/stale.txt'), 'left over from an old build\n');
  return staging;
}

let staging: string;
let packDir: string;
let consumer: string;

// Each consumer starts the gate in maintenance mode and prints the status it answers with.
const SCRIPT_BODY = `
const gate = intermission({ mode: 'maintenance', configFile: false, env: {}, logger: false });
const app = express();
app.use(gate);
app.get('/', (_req, res) => res.send('open'));
const server = app.listen(0, '127.0.0.1', async () => {
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/');
  const body = await res.text();
  console.log(res.status, body.includes('<main') ? 'page' : 'no-page', typeof createPreviewToken('x'.repeat(32)));
  server.close();
});
`;

beforeAll(() => {
  staging = stagePackage();
  packDir = mkdtempSync(join(tmpdir(), 'intermission-pack-'));
  run('npm', ['pack', '--pack-destination', packDir, '--silent'], staging);
  const tarball = join(
    packDir,
    readdirSync(packDir).find((file) => file.endsWith('.tgz'))!,
  );
  consumer = mkdtempSync(join(tmpdir(), 'intermission-consumer-'));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run(
    'npm',
    ['install', tarball, 'express@5', '@types/express@5', '@types/node@20', '--no-audit', '--no-fund', '--prefer-offline', '--silent'],
    consumer,
  );
}, 180_000);

afterAll(() => {
  // rm does not follow the staged node_modules symlink: only the copies go.
  for (const dir of [staging, packDir, consumer]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the published package', () => {
  it('ships dist, views, docs and the schema, and no sources or tests', () => {
    const installed = join(consumer, 'node_modules/intermission');
    for (const path of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/cli.js',
      'dist/types/index.d.ts',
      'dist/types-cjs/index.d.cts',
      'views/maintenance.ejs',
      'views/coming-soon.ejs',
      'docs/errors.md',
      'config/intermission.schema.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
    ]) {
      expect(existsSync(join(installed, path)), path).toBe(true);
    }
    for (const path of ['src', 'test', 'tsconfig.json', 'demo']) expect(existsSync(join(installed, path)), path).toBe(false);
  });

  it('carries the parts of zod it uses in its bundle, so an install brings no zod', () => {
    expect(existsSync(join(consumer, 'node_modules/zod'))).toBe(false);
    const script =
      "import { intermission } from 'intermission'; try { intermission({ mode: 'sideways' }) } catch (e) { console.log(e.code) }";
    expect(run(process.execPath, ['--input-type=module', '-e', script], consumer).trim()).toBe('ERR_INTERMISSION_INVALID_MODE');
  });

  it('is built by prepack from the sources, never from a stale dist/', () => {
    // The staged dist/ held a throwing index.js and an extra file; the build replaced both.
    expect(existsSync(join(consumer, 'node_modules/intermission/dist/stale.txt'))).toBe(false);
    expect(run(process.execPath, ['--input-type=module', '-e', "await import('intermission')"], consumer)).toBe('');
  });

  it('works with import', () => {
    writeFileSync(
      join(consumer, 'esm.mjs'),
      `import express from 'express';\nimport { intermission, createPreviewToken } from 'intermission';\n${SCRIPT_BODY}`,
    );
    expect(run(process.execPath, ['esm.mjs'], consumer).trim()).toBe('503 page string');
  });

  it('works with require', () => {
    writeFileSync(
      join(consumer, 'cjs.cjs'),
      `const express = require('express');\nconst { intermission, createPreviewToken } = require('intermission');\n${SCRIPT_BODY}`,
    );
    expect(run(process.execPath, ['cjs.cjs'], consumer).trim()).toBe('503 page string');
  });

  it('loads the article parsers on first use, from import and from require', () => {
    // marked, htmlparser2 and yaml are required when a teaser is first extracted (src/shared/on-first-use.ts).
    const body = `
const md = extractTeaser('---\\ntitle: From YAML\\n---\\nSome **bold** words.<!--more-->The rest.', { format: 'markdown' });
const html = extractTeaser('<p>Hello <b>there</b><script>hidden()</script></p>', { format: 'html' });
console.log(JSON.stringify([md.title, md.excerpt, html.excerpt]));
`;
    writeFileSync(join(consumer, 'teaser.mjs'), `import { extractTeaser } from 'intermission';\n${body}`);
    writeFileSync(join(consumer, 'teaser.cjs'), `const { extractTeaser } = require('intermission');\n${body}`);
    const expected = JSON.stringify(['From YAML', 'Some bold words. …', 'Hello there']);
    expect(run(process.execPath, ['teaser.mjs'], consumer).trim()).toBe(expected);
    expect(run(process.execPath, ['teaser.cjs'], consumer).trim()).toBe(expected);
  });

  it('type-checks from TypeScript, as ESM and as CommonJS', () => {
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: ['node'] },
        include: ['*.ts', '*.cts'],
      }),
    );
    writeFileSync(
      join(consumer, 'typed.ts'),
      `import express from 'express';
import { intermission, fileStore, type IntermissionOptions, type IntermissionStatus, type Teaser } from 'intermission';
const teaser: Teaser = { title: 'Launch', excerpt: 'Soon.' };
const options: IntermissionOptions = { mode: 'coming-soon', teaser, allow: { ips: ['10.0.0.0/8'], bypass: (req) => req.headers['x-admin'] === '1' }, store: fileStore('state.json') };
const gate = intermission(options);
const status: IntermissionStatus = gate.status();
express().use(gate);
void status;
// @ts-expect-error: an unknown mode is a type error
intermission({ mode: 'closed' });
`,
    );
    writeFileSync(
      join(consumer, 'typed.cts'),
      `import { intermission, type Mode } from 'intermission';\nconst mode: Mode = 'maintenance';\nintermission({ mode });\n`,
    );
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], consumer);
  });

  it('installs the intermission command', () => {
    const out = run(join(consumer, 'node_modules/.bin/intermission'), ['secret'], consumer).trim();
    expect(out).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('passes publint', async () => {
    const { messages } = await publint({ pkgDir: staging, pack: 'npm', strict: true });
    expect(messages).toEqual([]);
  });
});
