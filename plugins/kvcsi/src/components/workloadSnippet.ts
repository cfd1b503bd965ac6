import type { BindingItem } from '@kvcsi/backstage-plugin-common';

/** The pod spec fragment that mounts a SecretProviderClass (plus the workload identity bits when it uses one). */
export function workloadSnippet(item: Pick<BindingItem, 'spc' | 'identity'>): string {
  const workloadIdentity = item.identity.mode === 'workload-identity';
  return [
    ...(workloadIdentity ? [
      '# pod template metadata',
      'labels:',
      '  azure.workload.identity/use: "true"',
      '# pod spec (the service account carries azure.workload.identity/client-id' + (item.identity.clientId ? `: ${item.identity.clientId})` : ')'),
    ] : ['# pod spec']),
    'volumes:',
    '  - name: secrets-store',
    '    csi:',
    '      driver: secrets-store.csi.k8s.io',
    '      readOnly: true',
    '      volumeAttributes:',
    `        secretProviderClass: ${item.spc}`,
    'containers:',
    '  - name: app',
    '    volumeMounts:',
    '      - name: secrets-store',
    '        mountPath: /mnt/secrets-store',
    '        readOnly: true',
  ].join('\n');
}
