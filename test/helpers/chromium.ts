import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import type { LaunchOptions } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`): playwright-core drives it, no browser download. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const MISSING = `Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\``;

function launchOptions(): LaunchOptions | undefined {
  return existsSync(CHROMIUM_PATH) ? { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] } : undefined;
}

/**
 * Launch options for Debian's Chromium, or `undefined` (with a warning) when it is not installed.
 * Under CI (`process.env.CI` set) a missing Chromium is an error, never a silent skip: this throws.
 */
export function chromiumOrSkip(): LaunchOptions | undefined {
  const options = launchOptions();
  if (options) return options;
  if (process.env.CI) throw new Error(`${MISSING} (required when CI is set)`);
  console.warn(`Skipping browser tests. ${MISSING}`);
  return undefined;
}

/**
 * `describe` for tests that need Chromium: runs `body` with the launch options when it is installed;
 * otherwise skips the suite with a message, or, under CI, registers one failing test that says why.
 */
export function describeWithChromium(name: string, body: (options: LaunchOptions) => void): void {
  const options = launchOptions();
  if (options) {
    describe(name, () => body(options));
  } else if (process.env.CI) {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`${MISSING} (required when CI is set)`);
      });
    });
  } else {
    console.warn(`Skipping "${name}". ${MISSING}`);
    describe.skip(`${name} (skipped: apt-get install -y chromium)`, () => {
      it('needs Chromium', () => undefined);
    });
  }
}
