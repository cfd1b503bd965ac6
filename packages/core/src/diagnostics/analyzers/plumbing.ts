/** A. Kubelet and driver plumbing: driver/provider on the node, CSIDriver, SPC lookup, sockets, deadlines, paths. */
import { describePodCommand, driverPodsCommand, getSpcCommand, providerLogsCommand } from '../commands.js';
import { podName, podNamespace, podOf, volumeViews } from '../context.js';
import { valueOf, type PodFacts } from '../facts.js';
import { DOCS, type Finding } from '../finding.js';
import { fieldOf, podFinding, podLabel, signalGroups, type Analyzer } from './helpers.js';
import type { KubePod } from '../../ports.js';
import { sh } from '../../shell/quote.js';

function notReady(pods: KubePod[]): KubePod[] {
  return pods.filter((pod) => pod.status?.phase !== 'Running' || (pod.status.containerStatuses ?? []).some((status) => !status.ready));
}

function podState(pod: KubePod): string {
  const waiting = (pod.status?.containerStatuses ?? []).map((status) => status.state?.waiting?.reason ?? status.state?.terminated?.reason).find(Boolean);
  const restarts = (pod.status?.containerStatuses ?? []).reduce((sum, status) => sum + status.restartCount, 0);
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name} ${pod.status?.phase ?? 'Unknown'}${waiting ? ` (${waiting})` : ''}${restarts ? `, ${restarts} restarts` : ''}`;
}

export const analyzePlumbing: Analyzer = (facts: PodFacts): Finding[] => {
  const findings: Finding[] = [];
  const pod = podOf(facts);
  const node = pod?.spec.nodeName;
  const ns = podNamespace(facts);
  const name = podName(facts);
  const csiVolumes = facts.volumes.length > 0;
  const groups = new Map(signalGroups(facts, ['A1', 'A2', 'A3', 'A4', 'A5', 'A7', 'A8', 'A9', 'A10', 'A11', 'A12']).map((group) => [group.id, group.signals]));
  const driverPods = valueOf(facts.driverPods);
  const providerPods = valueOf(facts.providerPods);
  const csiDriver = facts.csiDriver;

  // A1: driver not registered on the node.
  const driverMissing = csiVolumes && node !== undefined && driverPods !== undefined && driverPods.length === 0;
  if (groups.has('A1') || driverMissing) {
    const signals = groups.get('A1') ?? [];
    findings.push(
      podFinding(facts, signals, {
        id: 'A1',
        severity: 'error',
        title: 'The Secrets Store CSI driver is not registered on the node',
        summary: `${podLabel(facts)} cannot mount its CSI volume: no secrets-store driver is registered on node ${node ?? '(unknown)'}.`,
        evidence: driverMissing ? [`no secrets-store-csi-driver pod on node ${node}`] : [],
        cause: 'The driver DaemonSet pod is not on the node (taints, nodeSelector, Windows node without the Windows DaemonSet), the node-driver-registrar has not registered yet, or the kubelet root dir is non-default.',
        fix: {
          commands: [driverPodsCommand(node), ...(node ? [sh`kubectl get csinode ${node} -o yaml`, sh`kubectl describe node ${node}`] : [])],
          docs: [DOCS.driverTroubleshooting, DOCS.aksTroubleshooting],
        },
        confidence: driverMissing ? 'confirmed' : 'likely',
        action: { kind: 'install-driver', params: node ? { node } : {} },
      }),
    );
  } else if (csiVolumes && driverPods && notReady(driverPods).length > 0) {
    findings.push(
      podFinding(facts, [], {
        id: 'A1',
        severity: 'warning',
        title: 'The CSI driver pod on the node is not ready',
        summary: `The secrets-store driver pod on node ${node ?? '(unknown)'} is not ready; mounts on that node may fail.`,
        evidence: notReady(driverPods).map(podState),
        cause: 'A driver pod that is restarting or not ready cannot serve NodePublishVolume.',
        fix: { commands: [driverPodsCommand(node)], docs: [DOCS.driverTroubleshooting] },
        confidence: 'confirmed',
      }),
    );
  }

  // A2: no CSIDriver object.
  const noCsiDriver = csiVolumes && csiDriver.status === 'known' && csiDriver.value === null;
  if (groups.has('A2') || noCsiDriver) {
    findings.push(
      podFinding(facts, groups.get('A2') ?? [], {
        id: 'A2',
        severity: 'error',
        title: 'The Secrets Store CSI driver is not installed (no CSIDriver object)',
        summary: 'The cluster has no CSIDriver secrets-store.csi.k8s.io, so kubelet refuses the inline CSI volume.',
        evidence: noCsiDriver ? ['CSIDriver secrets-store.csi.k8s.io: not found'] : [],
        cause: 'The driver chart or the AKS azureKeyvaultSecretsProvider add-on is not installed (or was removed).',
        fix: { commands: ['kubectl get csidriver secrets-store.csi.k8s.io', 'az aks enable-addons --addons azure-keyvault-secrets-provider -g <resource-group> -n <cluster>'], docs: [DOCS.aksTroubleshooting] },
        confidence: noCsiDriver ? 'confirmed' : 'likely',
        action: { kind: 'install-driver', params: {} },
      }),
    );
  }

  // A3: SPC not found in the pod's namespace.
  const missingSpcs = facts.volumes.filter((volume) => volume.spc.status === 'known' && volume.spc.value === null && volume.spcName);
  if (groups.has('A3') || missingSpcs.length > 0) {
    const signals = groups.get('A3') ?? [];
    const spcName = missingSpcs[0]?.spcName ?? fieldOf(signals, 'spcName');
    const spcNs = ns ?? fieldOf(signals, 'spcNamespace');
    const rbac = signals.some((signal) => /cannot (?:get|list|watch) resource "secretproviderclasses"/.test(signal.excerpt));
    findings.push(
      podFinding(facts, signals, {
        id: 'A3',
        severity: 'error',
        title: rbac ? 'The CSI driver may not read SecretProviderClasses' : `SecretProviderClass ${spcName ?? ''} not found in namespace ${spcNs ?? ''}`.replace(/\s+/g, ' '),
        summary: rbac
          ? 'The driver\'s service account lacks RBAC on secretproviderclasses.'
          : `The volume names SecretProviderClass "${spcName ?? '?'}", which does not exist in the pod's namespace "${spcNs ?? '?'}".`,
        evidence: missingSpcs.map((volume) => `volume ${volume.name}: secretProviderClass "${volume.spcName}" not found in namespace ${spcNs ?? '?'}`),
        cause: rbac
          ? 'The driver ClusterRole is missing or was changed.'
          : 'The SPC name has a typo, or the SPC was created in another namespace: the driver always looks it up in the pod\'s namespace.',
        fix: {
          commands: rbac ? ['kubectl get clusterrole secretproviderclasses-role -o yaml'] : [sh`kubectl get secretproviderclass -A | grep -i -- ${spcName ?? ''}`, getSpcCommand(spcNs, undefined)],
          docs: [DOCS.driverTroubleshooting],
        },
        confidence: missingSpcs.length > 0 ? 'confirmed' : 'likely',
        action: { kind: 'fix-spc', params: { namespace: spcNs ?? '', name: spcName ?? '' } },
      }),
    );
  }

  // A4 / A5: provider missing or not answering on the node.
  const providerMissing = csiVolumes && node !== undefined && providerPods !== undefined && providerPods.length === 0;
  const providerUnhealthy = providerPods ? notReady(providerPods) : [];
  const spcProviders = volumeViews(facts).map((view) => view.spc?.provider).filter((provider): provider is string => provider !== undefined);
  const wrongProvider = spcProviders.find((provider) => provider !== 'azure');
  if (groups.has('A4') || providerMissing) {
    const signals = groups.get('A4') ?? [];
    const provider = fieldOf(signals, 'provider') ?? wrongProvider;
    const typo = provider !== undefined && provider !== 'azure' && provider.toLowerCase() === 'azure';
    findings.push(
      podFinding(facts, signals, {
        id: 'A4',
        severity: 'error',
        title: typo ? `spec.provider is "${provider}", the socket is azure.sock` : 'The Azure provider is not running on the node',
        summary: typo
          ? `The SecretProviderClass says provider "${provider}"; the name is case-sensitive and the Azure provider listens as "azure".`
          : `No Azure Key Vault provider answers on node ${node ?? '(unknown)'}.`,
        evidence: providerMissing ? [`no csi-secrets-store-provider-azure pod on node ${node}`] : [],
        cause: typo
          ? 'The driver looks for <provider>.sock; "Azure" looks for Azure.sock.'
          : 'The provider DaemonSet is not installed, not scheduled on this node, crash-looping before creating its socket, or its providersDir differs from the driver\'s.',
        fix: {
          commands: typo ? [getSpcCommand(ns, undefined)] : [providerLogsCommand(node), 'kubectl get daemonset -A | grep -i provider-azure'],
          docs: [DOCS.providerTroubleshooting],
        },
        confidence: providerMissing || typo ? 'confirmed' : 'likely',
        action: typo ? { kind: 'fix-spc', params: { field: 'spec.provider', value: 'azure' } } : { kind: 'install-provider', params: node ? { node } : {} },
        // With no driver on the node nothing calls the provider yet: the same missing CSI stack, folded under A1.
        ...(driverMissing && signals.length === 0 ? { generic: true } : {}),
      }),
    );
  } else if (groups.has('A5') || (csiVolumes && providerUnhealthy.length > 0)) {
    findings.push(
      podFinding(facts, groups.get('A5') ?? [], {
        id: 'A5',
        severity: groups.has('A5') ? 'error' : 'warning',
        title: 'The Azure provider on the node is not answering',
        summary: `The provider pod on node ${node ?? '(unknown)'} is restarting, not ready, or left a stale socket.`,
        evidence: providerUnhealthy.map(podState),
        cause: 'Provider pod restarting, OOMKilled or crash-looping; or a stale socket with no listener.',
        fix: { commands: [providerLogsCommand(node), 'kubectl logs -n kube-system <provider-pod> --previous'], docs: [DOCS.providerTroubleshooting] },
        confidence: providerUnhealthy.length > 0 ? 'confirmed' : 'likely',
      }),
    );
  }

  const simple: Record<string, { title: string; cause: string; commands: string[]; severity?: 'error' | 'warning' }> = {
    A7: { title: 'The CSI driver cannot reach the API server', cause: 'Cluster network or API-server connectivity from the driver pod.', commands: [driverPodsCommand(node), 'kubectl delete pod -n kube-system -l app=secrets-store-csi-driver --field-selector spec.nodeName=' + (node ?? '<node>')] },
    A8: {
      title: 'The nodePublishSecretRef Secret does not exist in the pod\'s namespace',
      cause: 'Kubelet reads the service-principal credentials Secret from the pod\'s namespace; it is missing there.',
      commands: [sh`kubectl get secret ${fieldOf(groups.get('A8') ?? [], 'secretName') ?? '<secret>'} -n ${ns ?? '<namespace>'}`],
    },
    A9: { title: 'The provider\'s answer is larger than the driver accepts', cause: 'Too many or too large objects (e.g. a long objectVersionHistory) for --max-call-recv-msg-size (4 MiB).', commands: ['helm upgrade csi-secrets-store … --set linux.maxCallRecvMsgSize=<bytes>'] },
    A10: { title: 'The SecretProviderClass lists no objects', cause: 'objects.array is empty: the provider returns nothing and the driver reports "missing object versions".', commands: [getSpcCommand(ns, undefined)] },
    A11: { title: 'The driver could not write the mounted files', cause: 'A bad objectAlias, or the kubelet root dir differs from the driver\'s linux.kubeletRootDir.', commands: [getSpcCommand(ns, undefined)] },
    A12: { title: 'The CSI volume or its SecretProviderClass is incomplete', cause: 'The volume must be readOnly: true and name a secretProviderClass; the SPC must set provider and parameters.', commands: [sh`kubectl get pod ${name ?? '<pod>'} -n ${ns ?? '<namespace>'} -o jsonpath='{.spec.volumes}'`, getSpcCommand(ns, undefined)] },
  };
  for (const [id, spec] of Object.entries(simple)) {
    const signals = groups.get(id);
    if (!signals) continue;
    findings.push(
      podFinding(facts, signals, {
        id,
        severity: spec.severity ?? 'error',
        title: spec.title,
        summary: `${podLabel(facts)}: ${spec.title.charAt(0).toLowerCase()}${spec.title.slice(1)}.`,
        cause: spec.cause,
        fix: { commands: spec.commands, docs: [DOCS.driverTroubleshooting] },
      }),
    );
  }

  // A12 from facts: a CSI volume without readOnly: true, or without secretProviderClass.
  if (!groups.has('A12')) {
    for (const volume of facts.volumes) {
      const problems = [volume.csi.readOnly !== true ? 'readOnly is not true' : undefined, volume.spcName ? undefined : 'volumeAttributes.secretProviderClass is not set'].filter(Boolean);
      if (problems.length === 0) continue;
      findings.push(
        podFinding(facts, [], {
          id: 'A12',
          severity: 'error',
          title: `CSI volume ${volume.name}: ${problems.join(', ')}`,
          summary: `The driver rejects volume ${volume.name} of ${podLabel(facts)}: ${problems.join(', ')}.`,
          evidence: [`volume ${volume.name}: csi ${JSON.stringify({ driver: volume.csi.driver, readOnly: volume.csi.readOnly, volumeAttributes: volume.csi.volumeAttributes ?? {} })}`],
          cause: 'NodePublishVolume requires a read-only volume that names its SecretProviderClass.',
          fix: { commands: [describePodCommand(ns, name)], docs: [DOCS.driverTroubleshooting] },
          confidence: 'confirmed',
        }),
      );
    }
  }
  return findings;
};
