import { createRequire } from 'node:module';

/**
 * Loads a dependency the first time it is needed, synchronously, instead of when Intermission is
 * imported. For the article parsers (marked, htmlparser2, yaml): about 2.6 MB of heap that an app
 * without a teaser never uses, and a bigger heap makes every garbage collection of the host app
 * dearer, bypassed requests included (bench/analysis.md). Teaser extraction is synchronous, so this
 * is `require`, which loads these ES modules on Node ^20.19 and ≥ 22.12 (package.json `engines`).
 * The CJS bundle shims `import.meta.url` (scripts/build.mjs).
 */
const load = createRequire(import.meta.url);

/** A function returning the module `id`, loaded on its first call. The caller types it: `as () => typeof Yaml`. */
export function onFirstUse(id: string): () => unknown {
  let module: unknown;
  return () => (module ??= load(id) as unknown);
}
