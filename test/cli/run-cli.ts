/** Runs the CLI in-process through `main()`, as a shell would, with temp dirs that are cleaned up. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fileSubscriberStore } from '../../src/signup/stores/file-subscriber-store.js';
import type { SubscriberStore } from '../../src/signup/subscriber.js';

export const NOW = Date.parse('2030-01-01T00:00:00.000Z');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(args: string[], options: { env?: Record<string, string | undefined>; now?: number } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const now = options.now ?? NOW;
  const code = await main(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: options.env ?? {},
    now: () => now,
  });
  return { code, stdout, stderr };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'intermission-cli-'));
  dirs.push(dir);
  return dir;
}

/** A temp dir with an empty config file, so the repo's config never leaks in. */
export function sandbox(): { dir: string; env: Record<string, string> } {
  const dir = tempDir();
  const config = join(dir, 'intermission.json');
  writeFileSync(config, '{}');
  return { dir, env: { INTERMISSION_CONFIG: config } };
}

/** Adds subscribers through the real store the app uses (`subscribedAt` one second apart, in order). */
export async function seed(
  store: SubscriberStore,
  emails: readonly string[],
  options: { consent?: boolean; lang?: string } = {},
): Promise<void> {
  for (const [i, email] of emails.entries()) {
    await store.add({
      email,
      subscribedAt: new Date(NOW - (emails.length - i) * 1000).toISOString(),
      consent: options.consent ?? true,
      ...(options.lang !== undefined && { lang: options.lang }),
    });
  }
  await store.close?.();
}

/** A subscriber file in a new sandbox, holding `emails`. */
export async function subscriberFile(dir: string, emails: readonly string[], name = 'subscribers.jsonl'): Promise<string> {
  const path = join(dir, name);
  await seed(fileSubscriberStore({ path }), emails);
  return path;
}
