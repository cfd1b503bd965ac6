/**
 * What the attack tests share: the sandbox in this process (real SDKs over msw), a kvcsi service acting as a deciding
 * server of the sandbox deployment, and kubectl-like writes to a sandbox cluster, as an attacker with write access to
 * SecretProviderClasses would make them.
 */
import { Readable } from 'node:stream';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import {
  createKvcsiService, createMemoryAuditLog, createMemoryRequestStore, decisionKeysFromEnv, loadRegistry, SANDBOX_POLICY,
  type AuditLog, type KvcsiService, type PolicyConfigInput, type RequestStore,
} from '@kvcsi/core';
import { main } from '@kvcsi/cli';
import { createRuntime, type Runtime } from '@kvcsi/runtime';
import { createSandboxKubeconfig } from '@kvcsi/sandbox';

export const registry = loadRegistry({ env: {} });
export const TENANT_ID = registry.tenantId;
export const KUBELET = { clientId: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47', objectId: '2d81911b-60a4-4a53-9045-ad7193c91ee5' };
export const PRD_VAULT_ID = '/subscriptions/a6806ab2-ebb4-4fdc-a9d5-884687a165bd/resourceGroups/rg-cafehyna-prd/providers/Microsoft.KeyVault/vaults/kv-cafehyna-prd';
/** The sandbox users as each face names them. */
export const PEOPLE = {
  requester: { cli: 'aad:requester@cafehyna.com.br', slack: 'slack:U0SBXREQ01', backstage: 'backstage:user:default/requester' },
  approver: { cli: 'aad:approver@cafehyna.com.br', slack: 'slack:U0SBXAPP01', backstage: 'backstage:user:default/approver' },
  outsider: { cli: 'aad:outsider@cafehyna.com.br', slack: 'slack:U0SBXOUT01', backstage: 'backstage:user:default/outsider' },
} as const;

/** The sandbox policy, with the Slack and Backstage names of the same people. */
export const EVERY_FACE_POLICY: PolicyConfigInput = {
  groups: {
    'approvers-prd': [PEOPLE.approver.cli, PEOPLE.approver.slack, PEOPLE.approver.backstage],
    requesters: [PEOPLE.requester.cli, PEOPLE.requester.slack, PEOPLE.requester.backstage],
  },
  rules: SANDBOX_POLICY.rules ?? [],
  approvals: { prd: { required: true, group: 'approvers-prd' } },
};

export interface Kit {
  runtime: Runtime;
  service: KvcsiService;
  requests: RequestStore;
  audit: AuditLog;
  close(): Promise<void>;
}

/** A fresh sandbox (no state file) and a deciding server over it, with an in-memory store. */
export function startKit(options: { policy?: PolicyConfigInput; stateFile?: string } = {}): Kit {
  const runtime = createRuntime({ registry, sandbox: { stateFile: options.stateFile ?? false } });
  const requests = createMemoryRequestStore();
  const audit = createMemoryAuditLog();
  const service = createKvcsiService({
    registry, clusterPort: runtime.clusterPort, vault: runtime.vault, requests, audit, policy: options.policy ?? EVERY_FACE_POLICY,
    decisions: decisionKeysFromEnv({}, { sandbox: true }),
  });
  return { runtime, service, requests, audit, close: () => runtime.close() };
}

/** Creates a SecretProviderClass through the cluster's API server, as `kubectl apply` would. */
export async function applySpc(cluster: string, spc: { namespace: string; name: string; app: string; parameters: Record<string, string> }): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromString(createSandboxKubeconfig([cluster]));
  const namespaces = await kc.makeApiClient(CoreV1Api).listNamespace();
  if (!namespaces.items.some((namespace) => namespace.metadata?.name === spc.namespace)) {
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: spc.namespace } } });
  }
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: 'secrets-store.csi.x-k8s.io', version: 'v1', plural: 'secretproviderclasses', namespace: spc.namespace,
    body: {
      apiVersion: 'secrets-store.csi.x-k8s.io/v1', kind: 'SecretProviderClass',
      metadata: { name: spc.name, namespace: spc.namespace, labels: { 'app.kubernetes.io/name': spc.app } },
      spec: { provider: 'azure', parameters: spc.parameters },
    },
  });
}

/**
 * Deletes, through the cluster's API, every SecretProviderClass that names `vault` except those of `keepApp`: a test
 * that needs an app alone on its vault says so, whatever apps the scenario adds later.
 */
export async function leaveAlone(cluster: string, vault: string, keepApp: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromString(createSandboxKubeconfig([cluster]));
  const api = kc.makeApiClient(CustomObjectsApi);
  const list = await api.listClusterCustomObject({ group: 'secrets-store.csi.x-k8s.io', version: 'v1', plural: 'secretproviderclasses' }) as {
    items: { metadata: { name: string; namespace: string; labels?: Record<string, string> }; spec: { parameters?: Record<string, string> } }[];
  };
  for (const spc of list.items) {
    if (spc.metadata.labels?.['app.kubernetes.io/name'] === keepApp) continue;
    if (spc.spec.parameters?.['keyvaultName']?.toLowerCase() !== vault.toLowerCase()) continue;
    await api.deleteNamespacedCustomObject({ group: 'secrets-store.csi.x-k8s.io', version: 'v1', plural: 'secretproviderclasses', namespace: spc.metadata.namespace, name: spc.metadata.name });
  }
}

export function objectsParameter(names: string[]): string {
  return `array:\n${names.map((name) => `  - |\n    objectName: ${name}\n    objectType: secret`).join('\n')}\n`;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** One `kvcsi` invocation with the given environment, in `cwd`. */
export async function kvcsi(cwd: string, env: Record<string, string>, argv: string[], stdin?: string): Promise<CliRun> {
  const run = { stdout: '', stderr: '' };
  const code = await main(argv, {
    stdout: { write: (text: string) => (run.stdout += text), isTTY: false },
    stderr: { write: (text: string) => (run.stderr += text), isTTY: false },
    stdin: Readable.from(stdin === undefined ? [] : [stdin]),
    env,
    cwd,
  });
  return { code, ...run };
}

/** The KvcsiError a promise rejects with (fails the test when it resolves). */
export async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected kvcsi to refuse, but it went ahead');
}
