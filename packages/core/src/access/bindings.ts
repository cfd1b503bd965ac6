/**
 * An app's bindings on a cluster: its SecretProviderClasses (provider azure), read through the ClusterPort, each
 * reduced to what grant and the front ends need — vault, identity, objects, synced Secrets.
 */
import type { Cluster } from '../clusters/registry.js';
import { viewSecretProviderClass } from '../diagnostics/spc-view.js';
import type { CallOptions, ClusterPort, SecretProviderClassResource } from '../ports.js';
import { APP_NAME_LABEL, SPC_PROVIDER } from '../spc/model.js';
import type { AppBinding } from '../service/types.js';

export function appLabelSelector(app: string): string {
  return `${APP_NAME_LABEL}=${app}`;
}

/** One SecretProviderClass as a binding of `app` (its label, else its name) on the cluster. */
export function toAppBinding(spc: SecretProviderClassResource, cluster: Cluster, app?: string): AppBinding {
  const view = viewSecretProviderClass(spc);
  const registryClientId = cluster.identity.kind === 'fixed' ? cluster.identity.clientId : undefined;
  const identity: AppBinding['identity'] = view.identityClientId !== undefined
    ? { mode: view.identityMode, clientId: view.identityClientId, source: 'spc' }
    : registryClientId !== undefined
      ? { mode: view.identityMode, clientId: registryClientId, source: 'registry' }
      : { mode: view.identityMode, source: 'none' };
  const binding: AppBinding = {
    app: app ?? spc.metadata.labels?.[APP_NAME_LABEL] ?? spc.metadata.name,
    cluster: cluster.name,
    namespace: spc.metadata.namespace ?? 'default',
    name: spc.metadata.name,
    identity,
    objects: view.objects.map((object) => ({
      objectName: object.objectName,
      objectType: object.objectType,
      ...(object.objectAlias !== undefined ? { objectAlias: object.objectAlias } : {}),
      ...(object.objectVersion !== undefined && object.objectVersion !== '' ? { objectVersion: object.objectVersion } : {}),
      files: object.files,
    })),
    secretObjects: view.secretObjects.map((secretObject) => ({
      secretName: secretObject.secretName ?? '',
      ...(secretObject.type !== undefined ? { type: secretObject.type } : {}),
      keys: (secretObject.data ?? []).map((item) => item.key ?? '').filter((key) => key !== ''),
    })),
    problems: view.objectProblems,
  };
  if (view.vaultName !== undefined) binding.vault = view.vaultName;
  if (view.tenantId !== undefined) binding.tenantId = view.tenantId;
  return binding;
}

export interface FindAppBindingsOptions extends CallOptions {
  clusterPort: ClusterPort;
  cluster: Cluster;
  /** Every SecretProviderClass of provider azure when absent. */
  app?: string;
}

/** The app's SecretProviderClasses on the cluster (label `app.kubernetes.io/name=<app>`), sorted by namespace and name. */
export async function findAppBindings(options: FindAppBindingsOptions): Promise<AppBinding[]> {
  const spcs = await options.clusterPort.listSecretProviderClasses({
    ...(options.app !== undefined ? { labelSelector: appLabelSelector(options.app) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return spcs
    .filter((spc) => (spc.spec.provider ?? SPC_PROVIDER) === SPC_PROVIDER)
    .map((spc) => toAppBinding(spc, options.cluster, options.app))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}
