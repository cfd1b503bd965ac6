/**
 * kvcsi's permissions, all on the catalog entity the request is about: a permission policy can decide per entity
 * (e.g. `catalogConditions.isEntityOwner`), and the backend checks each one against the entity it resolved itself.
 */
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/** See an entity's vault bindings and their health (`GET /bindings`) and its secret requests (`GET /requests`). */
export const kvcsiBindingsReadPermission = createPermission({
  name: 'kvcsi.bindings.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Ask for a new secret for the entity's app, and set its value once approved. */
export const kvcsiSecretRequestPermission = createPermission({
  name: 'kvcsi.secret.request',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/** Run a diagnosis of the entity's app (or one of its pods) on a cluster. */
export const kvcsiDiagnosePermission = createPermission({
  name: 'kvcsi.diagnose',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

export const kvcsiPermissions = [kvcsiBindingsReadPermission, kvcsiSecretRequestPermission, kvcsiDiagnosePermission];
