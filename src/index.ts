export { intermission, intermission as default } from './middleware.js';
export { createPreviewToken } from './signing.js';
export { extractTeaser } from './teaser.js';
export { IntermissionConfigError } from './errors.js';
export type { ConfigErrorCode, ConfigIssue, WarningCode } from './errors.js';
export type {
  AllowOptions,
  BypassInfo,
  BypassPredicate,
  BypassReason,
  Clock,
  CookieOptions,
  CreatePreviewTokenOptions,
  ExtractTeaserOptions,
  IntermissionMiddleware,
  IntermissionOptions,
  LogDetails,
  Logger,
  Mode,
  PageOptions,
  Teaser,
  TeaserFile,
  TeaserFormat,
  TeaserResolver,
} from './types.js';
