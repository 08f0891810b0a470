// The Intermission build under test: dist/index.js, or the snapshot run.mjs copies right after the
// build (BENCH_INTERMISSION), so a rebuild by someone else mid-run cannot change or break the code.
import { pathToFileURL } from 'node:url';

const url = process.env.BENCH_INTERMISSION
  ? pathToFileURL(process.env.BENCH_INTERMISSION).href
  : new URL('../../dist/index.js', import.meta.url).href;
export const { intermission, createPreviewToken } = await import(url);
