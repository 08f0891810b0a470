import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../shared/package-root.js';

/** The built-in `views/` folder, shipped at the package root. */
export function builtInViewsDir(): string {
  return join(packageRoot(), 'views');
}

export interface BuiltInAssets {
  inlineStyle: string;
  inlineScript: string;
  /** `sha256-…` of `inlineStyle`, for the CSP's `style-src`. */
  styleHash: string;
  /** `sha256-…` of `inlineScript`, for the CSP's `script-src`. */
  scriptHash: string;
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

function loadAssets(): BuiltInAssets {
  let inlineStyle = '';
  let inlineScript = '';
  try {
    const partials = join(builtInViewsDir(), 'partials');
    inlineStyle = readFileSync(join(partials, 'page.css'), 'utf8');
    inlineScript = readFileSync(join(partials, 'countdown.js'), 'utf8');
  } catch {
    // A broken install: pages stay valid (unstyled) and `loadTemplates()` reports the missing views.
  }
  return { inlineStyle, inlineScript, styleHash: sha256(inlineStyle), scriptHash: sha256(inlineScript) };
}

/**
 * The page CSS and the countdown script, inlined verbatim in every page, with the `'sha256-…'` sources
 * the Content-Security-Policy allows them by.
 */
export const builtInAssets: BuiltInAssets = loadAssets();
