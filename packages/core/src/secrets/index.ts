export { validateSecretName, validateSecretValue, validateContentType, validateAppName, MAX_SECRET_VALUE_BYTES } from './validate.js';
export { secretSnippet } from './snippet.js';
export { writeSecret, findSecretProperties, assertSecretAbsent, secretTags } from './write.js';
export type { WriteSecretOptions, FindSecretOptions } from './write.js';
export { findSecretUsers, secretBelongsTo, otherUsersOf, overwriteNote, APP_TAG } from './scope.js';
export type { SecretUsers, FindSecretUsersOptions } from './scope.js';
export { findRecoverableSecret, recoverSecretNow } from './recover.js';
export type { RecoverOutcome } from './recover.js';
