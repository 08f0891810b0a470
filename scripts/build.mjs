// Builds dist/: ESM and CJS bundles with esbuild, declarations with tsc (one copy per module format,
// so TypeScript sees CJS types for `require` and ESM types for `import`).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/**
 * Bundled rather than loaded from node_modules: zod. Only the parts the config and state schemas use
 * are kept (about 190 KB of its code instead of all of zod with every locale), which takes about 2.5 MB
 * off the heap of every app that imports the package; a bigger resident heap makes each young-generation
 * garbage collection dearer for the whole app (bench/analysis.md). Everything the package lists as a
 * dependency or peer stays external.
 */
const BUNDLED = new Set(['zod']);
const external = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external,
  // Escapes anything outside ASCII: V8 keeps a module's source in the heap, and one non-ASCII
  // character anywhere makes it keep the whole file at two bytes per character.
  charset: 'ascii',
  logLevel: 'warning',
  absWorkingDir: root,
};

await build({ ...common, entryPoints: ['src/index.ts'], format: 'esm', outfile: 'dist/index.js' });
await build({
  ...common,
  entryPoints: ['src/index.ts'],
  format: 'cjs',
  outfile: 'dist/index.cjs',
  // CommonJS has no import.meta; give the one module that needs it (package-root) a file URL.
  define: { 'import.meta.url': '__intermissionModuleUrl' },
  banner: { js: "const __intermissionModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// The bin (package.json "bin"): the CLI entry point, one ESM file.
await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  format: 'esm',
  outfile: 'dist/cli.js',
  banner: { js: '#!/usr/bin/env node' },
});

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

// The CJS declarations: same content, `.d.cts` names, relative imports pointing at `.cjs`.
const esmTypes = join(dist, 'types');
const cjsTypes = join(dist, 'types-cjs');
for (const file of readdirSync(esmTypes, { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(join(esmTypes, file), 'utf8')
    .replace(/(from\s+'\.\.?\/[^']+)\.js'/g, "$1.cjs'")
    .replace(/(import\('\.\.?\/[^']+)\.js'\)/g, "$1.cjs')");
  const target = join(cjsTypes, file.replace(/\.d\.ts$/, '.d.cts'));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}
// `charset: 'ascii'` escapes strings, regular expressions, templates and names, but the few comments
// esbuild keeps (inside expressions) are copied as they are: escape what is left there too.
for (const file of ['index.js', 'index.cjs', 'cli.js']) {
  const path = join(dist, file);
  const text = readFileSync(path, 'utf8');
  const ascii = text.replace(/[\u0080-\u{10ffff}]/gu, (char) => `\\u{${char.codePointAt(0).toString(16)}}`);
  if (ascii !== text) writeFileSync(path, ascii);
}
console.log('built dist/');
