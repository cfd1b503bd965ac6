/** Answers shaped like the kvcsi backend's for defectdojo on two clusters, for component and client tests. */
import type { Entity } from '@backstage/catalog-model';
import type { BindingsResponse, SecretRequestDto } from '@kvcsi/backstage-plugin-common';

export const ENTITY_REF = 'component:default/defectdojo';

export function entityWith(annotations: Record<string, string>): Entity {
  return { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'defectdojo', namespace: 'default', annotations }, spec: { type: 'service', owner: 'team-a', lifecycle: 'production' } };
}

export const defectdojo = entityWith({ 'kvcsi.io/app': 'defectdojo' });

export const bindings: BindingsResponse = {
  entityRef: ENTITY_REF,
  app: 'defectdojo',
  annotation: 'kvcsi.io/app',
  clusters: ['cafehyna-dev', 'cafehyna-prd'],
  indexedAt: '2026-11-28T01:00:00.000Z',
  items: [
    {
      cluster: 'cafehyna-dev', tier: 'dev', namespace: 'defectdojo', spc: 'defectdojo-secrets', vault: 'kv-cafehyna-dev',
      identity: { mode: 'workload-identity', clientId: '11111111-1111-1111-1111-111111111111', source: 'spc' },
      objects: [
        { objectName: 'db-password', objectType: 'secret', syncedTo: 'defectdojo-db/password', status: { exists: true, access: 'granted', synced: true, mountedBy: ['defectdojo-7d9f-abcde'] } },
        { objectName: 'redis-password', objectType: 'secret', status: { exists: false, access: 'granted', synced: null, mountedBy: ['defectdojo-7d9f-abcde'] } },
      ],
      findings: [{
        id: 'objects-missing', severity: 'error', title: 'Objects missing in the vault',
        summary: 'kv-cafehyna-dev has no redis-password: pods mounting defectdojo-secrets fail with SecretNotFound', evidence: [],
        cause: 'The SecretProviderClass names objects the vault does not hold.', confidence: 'confirmed',
        fix: { commands: ['kvcsi secret request redis-password --app defectdojo --cluster cafehyna-dev'], docs: ['https://learn.microsoft.com/azure/key-vault/'] },
      }],
    },
    {
      cluster: 'cafehyna-prd', tier: 'prd', namespace: 'defectdojo', spc: 'defectdojo-secrets', vault: 'kv-cafehyna-prd',
      identity: { mode: 'workload-identity', clientId: '22222222-2222-2222-2222-222222222222', source: 'spc' },
      objects: [
        { objectName: 'db-password', objectType: 'secret', syncedTo: 'defectdojo-db/password', status: { exists: true, access: 'denied', synced: false, mountedBy: [] } },
      ],
      findings: [{
        id: 'access-denied', severity: 'error', title: 'The identity cannot read the vault',
        summary: 'identity 22222222-2222-2222-2222-222222222222 has no read access to db-password in kv-cafehyna-prd (403)', evidence: [],
        cause: 'No access policy with get on secrets.', confidence: 'confirmed',
        fix: { commands: ['kvcsi grant defectdojo cafehyna-prd'], docs: [] },
        action: { kind: 'grant', params: { app: 'defectdojo', cluster: 'cafehyna-prd' } },
      }],
    },
  ],
  errors: [
    { cluster: 'cafehyna-prd', source: 'vault', name: 'vault/kv-cafehyna-prd', code: 'FORBIDDEN', message: 'listing kv-cafehyna-prd answered 403 Forbidden', lastSuccessAt: '2026-11-27T23:00:00.000Z' },
  ],
};

export function request(overrides: Partial<SecretRequestDto> = {}): SecretRequestDto {
  return {
    id: 'req-1', kind: 'secret-request', status: 'approved', requester: 'backstage:user:default/guest', justification: 'new integration',
    app: 'defectdojo', cluster: 'cafehyna-dev', tier: 'dev', vault: 'kv-cafehyna-dev', secretName: 'smtp-password', approvalRequired: false,
    createdAt: '2026-11-28T00:00:00.000Z', updatedAt: '2026-11-28T00:00:00.000Z', expiresAt: '2026-12-05T00:00:00.000Z',
    ...overrides,
  };
}
