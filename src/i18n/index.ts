// Languages for the gate's pages: built-in catalogues, tag matching, Accept-Language negotiation, the
// site's overrides and their validation, dates and relative times. Pure: no I/O, nothing per request
// beyond one cached negotiation.
export { MESSAGE_KEYS, SUPPORTED_LANGUAGES, isMessageKey, type MessageKey, type Messages, type SupportedLanguage } from './catalogues.js';
export {
  canonicalLanguageTag,
  createLanguageMatcher,
  direction,
  isSupportedLanguage,
  resolveLanguage,
  type LanguageMatcher,
} from './language-tags.js';
export { createLanguageNegotiator, languageCacheSize, negotiateLanguage, type LanguageNegotiator } from './negotiate-language.js';
export {
  format,
  messageParts,
  messagesFor,
  placeholdersOf,
  problemTitleKey,
  type MessageOverrides,
  type MessageParams,
  type MessagePart,
} from './messages.js';
export {
  MAX_MESSAGE_LENGTH,
  validateLanguageOption,
  validateMessageOverrides,
  type MessageProblem,
  type MessageProblemCode,
  type ValidatedMessages,
} from './validate-messages.js';
export {
  backInText,
  backOnText,
  dateTimeFormat,
  formatDateTime,
  formatDuration,
  formatRelativeTime,
  formatterCacheSize,
  launchesInText,
  launchesOnText,
  readingTimeText,
  relativeTimeParts,
  type RelativeUnit,
} from './dates.js';
