export {
  KVCSI_APP_ANNOTATION, KVCSI_CLUSTERS_ANNOTATION, KUBERNETES_ID_ANNOTATION, entityApp, entityClusters, isKvcsiAvailable,
  missingAnnotationMessage,
} from './annotations.js';
export type { EntityApp, EntityWithAnnotations } from './annotations.js';
export { kvcsiBindingsReadPermission, kvcsiSecretRequestPermission, kvcsiDiagnosePermission, kvcsiPermissions } from './permissions.js';
export { KEY_VAULT_NAME_PATTERN, SECRET_NAME_PATTERN, checkKeyVaultName, checkSecretName } from './names.js';
export type {
  SourceKind, SourceError, ObjectAccess, ObjectStatus, BindingObject, FindingDto, BindingItem, BindingsResponse,
  CreateSecretRequestBody, SecretRequestDto, RequestActionResponse, CreateSecretRequestResponse, ListRequestsResponse,
  SetSecretValueBody, DiagnoseBody, DiagnoseResponse, OpenProblemDto, ProblemsResponse,
} from './api.js';
