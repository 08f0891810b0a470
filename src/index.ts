export { intermission, intermission as default } from './middleware.js';
export { createPreviewToken } from './signing.js';
export { extractTeaser } from './teaser.js';
export { IntermissionConfigError } from './errors.js';
export { fileStore } from './stores/file-store.js';
export type { FileStoreOptions } from './stores/file-store.js';
export { redisStore } from './stores/redis-store.js';
export type { RedisClientLike, RedisStore, RedisStoreOptions } from './stores/redis-store.js';
export { StateStoreError } from './state.js';
export type { StateStore, StoredState } from './state.js';
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
  IntermissionStatus,
  LogDetails,
  Logger,
  Mode,
  PageOptions,
  StateSource,
  Teaser,
  TeaserFile,
  TeaserFormat,
  TeaserInput,
  TeaserResolver,
} from './types.js';
