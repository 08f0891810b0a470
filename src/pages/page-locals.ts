import type { Messages } from '../i18n/index.js';
import type { SignupFormLocals } from '../signup/form-types.js';
import type { Teaser } from '../types.js';

export type PageKind = 'maintenance' | 'coming-soon';

/** Time left until launch, at render time. */
export interface Countdown {
  iso: string;
  days: number;
  hours: number;
  minutes: number;
  text: string;
}

/** The fixed, typed locals every template gets (user templates too). */
export interface PageLocals {
  kind: PageKind;
  lang: string;
  /** Text direction of `lang`. Filled in from `lang` when not given. */
  dir?: 'ltr' | 'rtl';
  /** The catalogue in `lang`: every built-in string of the pages, by key (`t['maintenance.badge']`). Filled in from `lang` when not given. */
  t?: Messages;
  title: string;
  heading: string;
  message: string;
  statusCode: number;
  /** When maintenance ends; `text` is formatted in the page's lang and time zone; `relative` says "Back in 20 minutes" (absent once passed). */
  until?: { iso: string; text: string; relative?: string };
  /** When the site launches; `text` is formatted in the page's lang and time zone. */
  launchAt?: { iso: string; text: string };
  /** Time left until `launchAt`, at render time. */
  countdown?: Countdown;
  teaser?: Teaser;
  /** The teaser's reading time, "5 min read", in the page's language. */
  readingTime?: string;
  noindex: boolean;
  /** CSP nonce for users' own inline scripts and styles. */
  nonce: string;
  inlineStyle: string;
  inlineScript: string;
  /** `PageOptions.locals`. */
  custom: Record<string, unknown>;
  /** The launch list's form, when `signup` shows it on this page. */
  signup?: SignupFormLocals;
}
