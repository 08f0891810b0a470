export { intermission, intermission as default } from './middleware.js';
export { createPreviewToken } from './bypass/preview-token.js';
export { extractTeaser } from './teaser/extract.js';
export { IntermissionConfigError, IntermissionError, StateStoreError } from './errors.js';
export { fileStore } from './state/stores/file-store.js';
export type { FileStoreOptions } from './state/stores/file-store.js';
export { redisStore } from './state/stores/redis-store.js';
export type { RedisClientLike, RedisStore, RedisStoreOptions } from './state/stores/redis-store.js';
export type { ConfigErrorCode, ConfigIssue, ErrorCode, SubscriberErrorCode, WarningCode } from './errors.js';
// The launch list: stores, the contract, and the address check the endpoint uses.
export { fileSubscriberStore } from './signup/stores/file-subscriber-store.js';
export type { FileSubscriberStore, FileSubscriberStoreOptions } from './signup/stores/file-subscriber-store.js';
export { redisSubscriberStore } from './signup/stores/redis-subscriber-store.js';
export type {
  RedisCommandClient,
  RedisSubscriberStore,
  RedisSubscriberStoreOptions,
  RedisSubscriberTarget,
} from './signup/stores/redis-subscriber-store.js';
export { normalizeEmail, SubscriberStoreError } from './signup/subscriber.js';
export type {
  AddResult,
  CompactResult,
  EmailProblem,
  EmailProblemCode,
  NormalizedEmail,
  Subscriber,
  SubscriberStore,
  SubscriberStoreErrorCode,
  SubscriberStoreWarningHandler,
} from './signup/subscriber.js';
export type { OnLaunch, OnSubscribe, SignupOptions } from './signup/options.js';
export type { SignupFormLocals } from './signup/form-types.js';
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
