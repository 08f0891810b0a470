export { intermission, intermission as default } from './middleware.js';
export { createPreviewToken } from './bypass/preview-token.js';
export { extractTeaser } from './teaser/extract.js';
export { IntermissionConfigError, IntermissionError } from './errors.js';
export { fileStore } from './state/stores/file-store.js';
export type { FileStoreOptions } from './state/stores/file-store.js';
export { redisStore } from './state/stores/redis-store.js';
export type { RedisClientLike, RedisStore, RedisStoreOptions } from './state/stores/redis-store.js';
export { StateStoreError } from './state/stored-state.js';
export type { ConfigErrorCode, ConfigIssue, ErrorCode, WarningCode } from './errors.js';
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
  StateStore,
  StoredState,
  PageOptions,
  StateSource,
  Teaser,
  TeaserFile,
  TeaserFormat,
  TeaserInput,
  TeaserResolver,
  UpgradeOptions,
} from './types.js';
