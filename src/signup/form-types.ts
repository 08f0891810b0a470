import type { Messages } from '../i18n/index.js';

// Types and constants shared by the form's locals (pages/) and the endpoint's answers: a leaf module.

/** The fragment each outcome lands on: the page shows the message whose id it is (CSS `:target`). */
export type SignupOutcome = 'thanks' | 'invalid' | 'required' | 'consent' | 'expired' | 'rate-limited' | 'unavailable';

/** The message key of each outcome (the neutral thank-you: the answer never tells a new address from a known one). */
export const OUTCOME_MESSAGE = {
  thanks: 'signup.thanksNeutral',
  invalid: 'signup.invalidEmail',
  required: 'signup.emailRequired',
  consent: 'signup.consentRequired',
  expired: 'signup.expired',
  'rate-limited': 'signup.rateLimited',
  unavailable: 'signup.tryAgainLater',
} as const satisfies Record<SignupOutcome, keyof Messages>;

/** What `views/partials/signup.ejs` gets as `signup` (user templates too, to build their own form). */
export interface SignupFormLocals {
  /** Where the form posts. */
  action: string;
  /** The form token for this render (see form-token.ts). Send it as the `token` field. */
  token: string;
  /** The page's language, sent as `lang` and stored with the address. */
  lang: string;
  /** The consent sentence. */
  consent: string;
  requireConsent: boolean;
  text: {
    heading: string;
    emailLabel: string;
    emailPlaceholder: string;
    consentLabel: string;
    button: string;
    sending: string;
    honeypotLabel: string;
    /** The message of each outcome, shown at `#signup-<outcome>` after a post without JavaScript. */
    outcomes: Record<SignupOutcome, string>;
  };
  inlineStyle: string;
  inlineScript: string;
}
