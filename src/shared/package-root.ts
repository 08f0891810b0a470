import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The directory of the installed `intermission` package (the one holding `package.json` and `views/`).
 *
 * Why walk up instead of a fixed `../views`: this file runs from `src/` under tests and tsx, and is
 * bundled into `dist/index.js` (ESM) and `dist/index.cjs` (CJS) for users, so its depth below the
 * package root differs. `import.meta.url` gives the module's location in ESM; the CJS bundle shims it
 * (and a CJS build that does not leaves it empty), in which case CommonJS's `__dirname` is the answer.
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  const url: string | undefined = import.meta.url;
  const start = url ? dirname(fileURLToPath(url)) : typeof __dirname === 'string' ? __dirname : process.cwd();
  for (let dir = start; ;) {
    if (isIntermissionRoot(dir)) return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`intermission: cannot find its package.json above ${start}`);
    dir = parent;
  }
}

function isIntermissionRoot(dir: string): boolean {
  try {
    const pkg: unknown = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return typeof pkg === 'object' && pkg !== null && (pkg as { name?: unknown }).name === 'intermission';
  } catch {
    return false;
  }
}
