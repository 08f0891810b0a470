import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigIssue } from '../errors.js';
import { envValue, type Env } from './env.js';

/** Read when it exists and no other file is named. */
export const DEFAULT_CONFIG_FILE = 'config/intermission.json';

/**
 * The config file to read, as an absolute path: `INTERMISSION_CONFIG`, else the `configFile` option,
 * else `config/intermission.json` when it exists. None when the option is `false`.
 */
export function configFilePath(option: string | false | undefined, env: Env): string | undefined {
  if (option === false) return undefined;
  const explicit = envValue(env, 'INTERMISSION_CONFIG') ?? option;
  const path = resolve(explicit ?? DEFAULT_CONFIG_FILE);
  // A file named explicitly must exist; the default one is optional.
  return explicit !== undefined || existsSync(path) ? path : undefined;
}

/** Reads and parses the JSON config file; an unreadable file or bad JSON is an issue naming the file. */
export function readConfigFile(path: string): { raw?: unknown; issue?: ConfigIssue } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      issue: {
        field: path,
        code: 'ERR_INTERMISSION_CONFIG_FILE',
        message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path in INTERMISSION_CONFIG or configFile`,
      },
    };
  }
  try {
    return { raw: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      issue: {
        field: path,
        code: 'ERR_INTERMISSION_CONFIG_FILE',
        message: `is not valid JSON (${(error as Error).message}); fix the syntax or point INTERMISSION_CONFIG elsewhere`,
      },
    };
  }
}
