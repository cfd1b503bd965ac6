/**
 * The deploy kit wires the watcher's leader election the way the bot does it (bot/src/watch/lease-settings.ts): the
 * Lease the bot names is the one the Role grants, in the namespace the bot looks in; the hub is the registry's
 * inCluster cluster; the pod has the service account token the in-cluster calls need; the ServiceAccount may read the
 * hub; and assign-roles.sh assigns the Azure RBAC alternative at the namespace, never the cluster.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseRegistryConfig } from '@kvcsi/core';
import { KIT, ROOT, kustomize, type KubeObject, type PolicyRule } from './testing';

// The bot is not a dependency of this workspace: its source module, through jest's transform.
const { WATCH_LEASE_NAME, DEFAULT_WATCH_LEASE_NAMESPACE } = jest.requireActual<{ WATCH_LEASE_NAME: string; DEFAULT_WATCH_LEASE_NAMESPACE: string }>(path.join(ROOT, 'bot/src/watch/lease-settings.ts'));

const OVERLAYS = ['http', 'socket'] as const;
const SERVICE_ACCOUNT = { kind: 'ServiceAccount', name: 'kvcsi', namespace: 'kvcsi' };

interface Role extends KubeObject { rules: PolicyRule[] }
interface Binding extends KubeObject { roleRef: { kind: string; name: string }; subjects: Record<string, string>[] }
interface Volume { name: string; projected?: { sources: Record<string, Record<string, unknown>>[] } }
interface Deployment extends KubeObject {
  spec: { template: { spec: { serviceAccountName: string; automountServiceAccountToken?: boolean; volumes: Volume[]; containers: { name: string; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[]; env?: { name: string; value?: string }[] }[] } } };
}

describe.each(OVERLAYS)('overlay %s: the watcher\'s leader election', (overlay) => {
  const objects = kustomize(`overlays/${overlay}`);
  const of = <T extends KubeObject>(kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];

  it('grants the Lease the bot elects on, by name, in the namespace the bot looks in', () => {
    expect(WATCH_LEASE_NAME).toMatch(/^[a-z0-9-]+$/);
    const [role] = of<Role>('Role');
    expect(role?.metadata.namespace).toBe(DEFAULT_WATCH_LEASE_NAMESPACE);
    const named = role!.rules.filter((rule) => rule.resourceNames !== undefined);
    expect(named.flatMap((rule) => rule.resourceNames)).toEqual([WATCH_LEASE_NAME]);
    expect(named.flatMap((rule) => rule.verbs).sort()).toEqual(['get', 'update']);
    // create cannot name the object; it is the only verb without resourceNames.
    expect(role!.rules.filter((rule) => rule.resourceNames === undefined).flatMap((rule) => rule.verbs)).toEqual(['create']);
    expect(role!.rules.every((rule) => rule.apiGroups?.join() === 'coordination.k8s.io' && rule.resources?.join() === 'leases')).toBe(true);
    const binding = of<Binding>('RoleBinding').find((b) => b.roleRef.name === role!.metadata.name);
    expect(binding?.subjects).toEqual([SERVICE_ACCOUNT]);
    // The bot does not move the Lease: no KVCSI_WATCH_LEASE_NAMESPACE that the Role would not follow.
    const deployment = of<Deployment>('Deployment')[0]!;
    expect(deployment.spec.template.spec.containers.flatMap((c) => c.env ?? []).map((e) => e.name)).not.toContain('KVCSI_WATCH_LEASE_NAMESPACE');
  });

  it('marks the hub inCluster in the registry the bot reads, exactly once', () => {
    const configMap = of<KubeObject & { data: Record<string, string> }>('ConfigMap').find((c) => c.metadata.name.startsWith('kvcsi-config'))!;
    const registry = parseRegistryConfig(configMap.data['kvcsi.yaml']!, 'kvcsi.yaml');
    expect(registry.list().filter((cluster) => cluster.inCluster).map((cluster) => cluster.tier)).toEqual(['hub']);
  });

  it('mounts the ServiceAccount\'s token where in-cluster clients read it, explicitly (no automount), short-lived', () => {
    const pod = of<Deployment>('Deployment')[0]!.spec.template.spec;
    expect(pod.serviceAccountName).toBe('kvcsi');
    expect(pod.automountServiceAccountToken).toBe(false);
    const mount = pod.containers.find((c) => c.name === 'bot')!.volumeMounts.find((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount');
    expect(mount).toMatchObject({ readOnly: true });
    const sources = pod.volumes.find((v) => v.name === mount!.name)?.projected?.sources ?? [];
    expect(sources).toEqual([
      { serviceAccountToken: { path: 'token', expirationSeconds: expect.any(Number) } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ]);
    expect(sources[0]!.serviceAccountToken!.expirationSeconds).toBeLessThanOrEqual(3600);
    // The ServiceAccount itself still opts out: only this pod's bot container gets a token.
    expect(of<KubeObject & { automountServiceAccountToken?: boolean }>('ServiceAccount')[0]?.automountServiceAccountToken).toBe(false);
  });

  it('lets the ServiceAccount read the hub with the reader ClusterRole every cluster gets', () => {
    const bindings = of<Binding>('ClusterRoleBinding');
    expect(bindings.map((b) => [b.roleRef, b.subjects])).toEqual([[{ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kvcsi-reader' }, [SERVICE_ACCOUNT]]]);
    expect(kustomize('cluster/kubernetes-rbac').filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name)).toEqual(['kvcsi-reader']);
  });
});

describe('assign-roles.sh and the Lease', () => {
  const run = (extra: Record<string, string>): string[] => execFileSync('bash', [path.join(KIT, 'azure/assign-roles.sh')], {
    env: { PATH: process.env.PATH ?? '', DRY_RUN: '1', BOT_PRINCIPAL_ID: '11111111-2222-3333-4444-555555555555', SUBSCRIPTION_IDS: 'sub', ...extra }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  }).split('\n').filter((line) => line.startsWith('az role assignment create') && line.includes('Leader'));
  const hub = '/subscriptions/sub/resourceGroups/rg-hub/providers/Microsoft.ContainerService/managedClusters/aks-hub';

  it('assigns the leader role only when asked (HUB_CLUSTER_ID), at the Lease\'s namespace, never the cluster', () => {
    expect(run({})).toEqual([]);
    expect(run({ HUB_CLUSTER_ID: hub })).toEqual([expect.stringContaining(`--role kvcsi\\ AKS\\ Watch\\ Leader --scope ${hub}/namespaces/${DEFAULT_WATCH_LEASE_NAMESPACE}`)]);
    expect(run({ HUB_CLUSTER_ID: hub, LEASE_NAMESPACE: 'ops' })).toEqual([expect.stringMatching(/--scope \S+\/namespaces\/ops$/)]);
    expect(() => run({ HUB_CLUSTER_ID: '/subscriptions/sub' })).toThrow(/not an AKS cluster id/);
  });
});
