/**
 * A request applied elsewhere (Slack, the CLI) after the index last read the app's vault: GET /bindings re-reads that
 * app's vault and access (a targeted refresh) before answering, so "access denied" never shows beside "applied".
 * The router and the index are real; the Azure and Kubernetes ports count their calls, as in bench/backstage-index.js.
 */
import type { BindingsResponse } from '@kvcsi/backstage-plugin-common';
import {
  createMemoryRequestStore, parseRegistryConfig, type AccessRequest, type ClusterPort, type IdentityAccess, type KvcsiService,
  type SecretProviderClassResource,
} from '@kvcsi/core';
import express from 'express';
import request from 'supertest';
import { createBindingsIndex } from './bindings-index.js';
import { createRouter } from './router.js';

const TENANT = '00000000-0000-4000-8000-000000000999';
const KUBELET = '00000000-0000-4000-8000-000000000001';
const registry = parseRegistryConfig(JSON.stringify({
  tenantId: TENANT,
  clusters: [{ name: 'web-dev', tier: 'dev', keyVault: { name: 'kv-web-dev' }, identity: { clientId: KUBELET }, kubeContext: 'web-dev' }],
}), 'test');

const spc = (app: string): SecretProviderClassResource => ({
  metadata: { name: `${app}-secrets`, namespace: app, labels: { 'app.kubernetes.io/name': app } },
  spec: {
    provider: 'azure',
    parameters: {
      keyvaultName: 'kv-web-dev', tenantId: TENANT, useVMManagedIdentity: 'true', userAssignedIdentityID: KUBELET,
      objects: `array:\n  - |\n    objectName: ${app}-db-password\n    objectType: secret\n`,
    },
  },
});

function world() {
  const calls: Record<string, number> = {};
  const count = (name: string) => { calls[name] = (calls[name] ?? 0) + 1; };
  let granted = false;
  const clusterPort = () => ({
    async listSecretProviderClasses() { count('listSecretProviderClasses'); return [spc('web'), spc('other')]; },
    async listSecretProviderClassPodStatuses() { count('listSecretProviderClassPodStatuses'); return []; },
    async listPods() { count('listPods'); return []; },
  }) as unknown as ClusterPort;
  const vault = {
    async listSecretProperties() { count('listSecretProperties'); return { items: [{ name: 'web-db-password' }, { name: 'other-db-password' }] }; },
    async getVaultProperties() { count('getVaultProperties'); return { name: 'kv-web-dev', id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-web-dev', tenantId: TENANT, authModel: 'accessPolicy' as const, publicNetworkAccess: 'Enabled' as const, accessPolicies: [] }; },
    async resolveIdentity({ clientId }: { clientId: string }) { count('resolveIdentity'); return { clientId, objectId: `sp-${clientId}` }; },
    async checkAccess(_ref: unknown, { objectId }: { objectId: string }): Promise<IdentityAccess> {
      count('checkAccess');
      return { objectId, authModel: 'accessPolicy', accessPolicy: { secrets: granted ? ['get'] : [] }, roleAssignments: [] } as IdentityAccess;
    },
  };
  return { calls, clusterPort, vault, grant: () => { granted = true; } };
}

const applied = (app: string, id: string): AccessRequest => {
  const now = new Date().toISOString();
  return {
    id, kind: 'grant', status: 'applied', version: 3, requester: 'slack:U123', justification: 'the app cannot read its vault',
    target: { cluster: 'web-dev', tier: 'dev', app, vault: 'kv-web-dev' }, approvalRequired: false,
    createdAt: now, updatedAt: now, expiresAt: now, appliedAt: now, outcome: { changed: true },
  };
};

async function serve() {
  const ports = world();
  const store = createMemoryRequestStore();
  const index = createBindingsIndex({ registry, clusterPort: ports.clusterPort, vault: ports.vault as never });
  const noopEvent = { success: async () => {}, fail: async () => {} };
  const router = await createRouter({
    httpAuth: { credentials: async () => ({ $$type: '@backstage/BackstageCredentials', principal: { type: 'user', userEntityRef: 'user:default/jane' } }) } as never,
    auth: { isPrincipal: () => true } as never,
    permissions: { authorize: async (requests: readonly unknown[]) => requests.map(() => ({ result: 'ALLOW' })) } as never,
    auditor: { createEvent: async () => noopEvent } as never,
    catalog: {
      getEntityByRef: async (ref: string) => ({
        apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: ref.split('/')[1]!, annotations: { 'kvcsi.io/app': ref.split('/')[1]! } },
      }),
    },
    logger: { info() {}, warn() {}, error() {}, debug() {}, child() { return this; } } as never,
    // The kvcsi policy lets this reader read every cluster (GET /bindings asks per cluster).
    service: { listRequests: (query) => store.listRequests(query ?? {}), checkRead: async () => {} } as Pick<KvcsiService, 'listRequests' | 'checkRead'> as KvcsiService,
    index, registry, clusterPort: ports.clusterPort,
  });
  const app = express().use('/api/kvcsi', router);
  const accessOf = async (name: string) => {
    const res = await request(app).get('/api/kvcsi/bindings').query({ entityRef: `component:default/${name}` });
    expect(res.status).toBe(200);
    return (res.body as BindingsResponse).items[0]!.objects[0]!.status.access;
  };
  return { ...ports, store, accessOf };
}

describe('GET /bindings after a request applied elsewhere', () => {
  it('re-reads the app\'s vault and access once, and nothing else', async () => {
    const { calls, store, grant, accessOf } = await serve();
    expect(await accessOf('web')).toBe('denied');
    const afterFirst = { ...calls };

    // The grant is applied in Slack: the vault changes and the shared store says applied.
    grant();
    await store.createRequest(applied('web', 'req-web0000001'));
    expect(await accessOf('web')).toBe('granted');
    // Targeted: the vault listed and the access checked again; no SPC list, no pod-status or pod list.
    expect(calls).toEqual({
      ...afterFirst,
      listSecretProperties: afterFirst.listSecretProperties! + 1,
      getVaultProperties: afterFirst.getVaultProperties! + 1,
      resolveIdentity: afterFirst.resolveIdentity! + 1,
      checkAccess: afterFirst.checkAccess! + 1,
    });

    // The index is newer than the request now: no further refresh.
    const settled = { ...calls };
    expect(await accessOf('web')).toBe('granted');
    expect(calls).toEqual(settled);
  });

  it('does not refresh for another app\'s applied request, nor without one', async () => {
    const { calls, store, grant, accessOf } = await serve();
    expect(await accessOf('web')).toBe('denied');
    const afterFirst = { ...calls };
    grant();
    expect(await accessOf('web')).toBe('denied');
    await store.createRequest(applied('billing', 'req-bill000001'));
    expect(await accessOf('web')).toBe('denied');
    expect(calls).toEqual(afterFirst);
  });
});
