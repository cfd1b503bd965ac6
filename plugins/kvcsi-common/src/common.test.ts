import { KEY_VAULT_NAME_PATTERN as CORE_KEY_VAULT_NAME_PATTERN, KEY_VAULT_OBJECT_NAME_PATTERN } from '@kvcsi/core';
import { isResourcePermission } from '@backstage/plugin-permission-common';
import fc from 'fast-check';
import {
  KEY_VAULT_NAME_PATTERN, SECRET_NAME_PATTERN, checkKeyVaultName, checkSecretName, entityApp, entityClusters, isKvcsiAvailable,
  kvcsiPermissions, missingAnnotationMessage,
} from './index.js';

const entity = (annotations?: Record<string, string>) => ({ metadata: { ...(annotations ? { annotations } : {}) } });

describe('entity → app', () => {
  it('prefers kvcsi.io/app over backstage.io/kubernetes-id', () => {
    expect(entityApp(entity({ 'kvcsi.io/app': 'defectdojo', 'backstage.io/kubernetes-id': 'dojo' }))).toEqual({ app: 'defectdojo', annotation: 'kvcsi.io/app' });
  });

  it('falls back to backstage.io/kubernetes-id', () => {
    expect(entityApp(entity({ 'backstage.io/kubernetes-id': 'grafana' }))).toEqual({ app: 'grafana', annotation: 'backstage.io/kubernetes-id' });
  });

  it('finds no app without either annotation, or with blank ones', () => {
    expect(entityApp(entity())).toBeUndefined();
    expect(entityApp(entity({ 'kvcsi.io/app': '  ' }))).toBeUndefined();
    expect(isKvcsiAvailable(entity({ 'github.com/project-slug': 'x/y' }))).toBe(false);
  });

  it('reads kvcsi.io/clusters as a comma-separated list', () => {
    expect(entityClusters(entity({ 'kvcsi.io/clusters': ' cafehyna-dev, cafehyna-prd ,,cafehyna-dev' }))).toEqual(['cafehyna-dev', 'cafehyna-prd']);
    expect(entityClusters(entity({ 'kvcsi.io/clusters': ' , ' }))).toBeUndefined();
    expect(entityClusters(entity())).toBeUndefined();
  });

  it('names both annotations in the missing-annotation message', () => {
    expect(missingAnnotationMessage('component:default/x')).toMatch(/kvcsi\.io\/app.*backstage\.io\/kubernetes-id/);
  });
});

describe('permissions', () => {
  it('are catalog-entity resource permissions with stable names', () => {
    expect(kvcsiPermissions.map((permission) => permission.name)).toEqual(['kvcsi.bindings.read', 'kvcsi.secret.request', 'kvcsi.diagnose']);
    for (const permission of kvcsiPermissions) expect(isResourcePermission(permission, 'catalog-entity')).toBe(true);
  });
});

describe('names', () => {
  it('accepts and refuses Key Vault names like the core does', () => {
    expect(KEY_VAULT_NAME_PATTERN.source).toBe(CORE_KEY_VAULT_NAME_PATTERN.source);
    expect(SECRET_NAME_PATTERN.source).toBe(KEY_VAULT_OBJECT_NAME_PATTERN.source);
    expect(checkKeyVaultName('kv-cafehyna-prd')).toBeUndefined();
    for (const bad of ['kv', '1kv-x', 'kv--x', 'kv-x-', 'a'.repeat(25), 'kv_x']) expect(checkKeyVaultName(bad)).toMatch(/Key Vault name/);
    expect(checkSecretName('db-password')).toBeUndefined();
    for (const bad of ['', 'db_password', 'a'.repeat(128), 'db.password']) expect(checkSecretName(bad)).toMatch(/secret name/);
  });

  it('never accepts a secret name with characters outside letters, digits and dashes', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 127 }), (name) => {
      expect(checkSecretName(name) === undefined).toBe(/^[0-9a-zA-Z-]+$/.test(name));
    }));
  });
});
