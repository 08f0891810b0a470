import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Messages } from '../i18n/index.js';
import { packageRoot } from '../shared/package-root.js';
import { OUTCOME_MESSAGE, type SignupFormLocals, type SignupOutcome } from './form-types.js';
import type { ResolvedSignup } from './options.js';

export type { SignupFormLocals } from './form-types.js';

export interface SignupAssets {
  inlineStyle: string;
  inlineScript: string;
  styleHash: string;
  scriptHash: string;
}

const sha256 = (text: string): string => `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;

function loadAssets(): SignupAssets {
  let inlineStyle = '';
  let inlineScript = '';
  try {
    const partials = join(packageRoot(), 'views', 'partials');
    inlineStyle = readFileSync(join(partials, 'signup.css'), 'utf8');
    inlineScript = readFileSync(join(partials, 'signup.js'), 'utf8');
  } catch {
    // A broken install: the form still posts without JavaScript, unstyled.
  }
  return { inlineStyle, inlineScript, styleHash: sha256(inlineStyle), scriptHash: sha256(inlineScript) };
}

/** The form's CSS and script, inlined in the page and allowed by these hashes in the CSP. */
export const signupAssets: SignupAssets = loadAssets();

/**
 * The locals for one render of the page in `lang`, carrying a token issued now. `m` is the page's own
 * catalogue (the negotiated language, with the site's `page.messages`), so the form speaks like the page.
 */
export function signupFormLocals(signup: ResolvedSignup, lang: string, m: Messages, token: string): SignupFormLocals {
  const outcomes = Object.fromEntries(Object.entries(OUTCOME_MESSAGE).map(([outcome, key]) => [outcome, m[key]])) as Record<
    SignupOutcome,
    string
  >;
  return {
    action: signup.path,
    token,
    lang,
    consent: signup.consent ?? m['signup.consent'],
    requireConsent: signup.requireConsent,
    text: {
      heading: m['signup.heading'],
      emailLabel: m['signup.emailLabel'],
      emailPlaceholder: m['signup.emailPlaceholder'],
      consentLabel: m['signup.consentLabel'],
      button: m['signup.button'],
      sending: m['signup.sending'],
      honeypotLabel: m['signup.honeypotLabel'],
      outcomes,
    },
    inlineStyle: signupAssets.inlineStyle,
    inlineScript: signupAssets.inlineScript,
  };
}
