/**
 * The runbook's fourth case: a pod stuck in ContainerCreating. Generic on purpose (ranked after specific causes);
 * when nothing specific is found it says where the cause must be and what could not be checked.
 */
import { describePodCommand, providerLogTailCommand, providerLogsCommand } from '../commands.js';
import { isStuckCreating, podName, podNamespace, podOf } from '../context.js';
import { valueOf, type PodFacts } from '../facts.js';
import { DOCS, type Finding } from '../finding.js';
import { signalsOf } from '../signals.js';
import { podFinding, podLabel, signalGroups, type Analyzer } from './helpers.js';

export const analyzePodStuck: Analyzer = (facts: PodFacts): Finding[] => {
  const pod = podOf(facts);
  const ns = podNamespace(facts);
  const name = podName(facts);
  const node = pod?.spec.nodeName;
  const a6 = signalGroups(facts, ['A6', 'K6']).flatMap((group) => group.signals);
  const stuck = isStuckCreating(pod);
  if (!stuck && a6.length === 0) return [];
  const statuses = valueOf(facts.podStatuses);
  const neverMounted = statuses !== undefined && facts.volumes.some((volume) => !statuses.some((status) => status.status?.secretProviderClassName === volume.spcName));
  const events = valueOf(facts.events) ?? [];
  const failedMounts = events.filter((event) => event.reason === 'FailedMount').reduce((sum, event) => sum + (event.count ?? 1), 0);
  const specific = signalsOf(facts).some((signal) => signal.specificity === 3);
  const deadline = a6.some((signal) => signal.id === 'A6');
  return [
    podFinding(facts, a6, {
      id: deadline ? 'A6' : a6.length > 0 ? 'K6' : 'K1',
      // Stuck, or pasted text with no pod to check: an error; a running pod's old timeout: a warning.
      severity: stuck || (facts.pod.status !== 'known' && deadline) ? 'error' : 'warning',
      title: deadline ? 'The CSI mount times out' : a6.length > 0 ? 'The CSI mount fails for a reason kvcsi does not recognise' : `${podLabel(facts)} is stuck in ContainerCreating`,
      summary: `${podLabel(facts)} waits for its secrets-store volume${neverMounted ? '; the first mount never succeeded (no SecretProviderClassPodStatus)' : ''}${failedMounts ? ` after ${failedMounts} FailedMount event(s)` : ''}.`,
      evidence: [
        ...(neverMounted ? ['no SecretProviderClassPodStatus for the pod: the first mount never succeeded'] : []),
        ...(facts.events.status === 'unknown' ? [`pod events could not be read: ${facts.events.reason}`] : []),
        ...(facts.logs.status === 'unknown' ? [`provider/driver logs could not be read: ${facts.logs.reason}`] : []),
      ],
      cause: specific
        ? 'See the findings above: the mount fails for that reason and kubelet keeps retrying.'
        : deadline
          ? 'Kubelet gave up after 2 minutes without an inner error: usually no egress to Entra ID or Key Vault (firewall, NSG, network policy; provider pods use host networking), a keyvaultName that does not resolve, private DNS, or a hung provider. The provider log on the node has the inner error.'
          : 'The mount has not succeeded and no event or log says why yet; the provider log on the node is the next place to look.',
      fix: { commands: [describePodCommand(ns, name), providerLogsCommand(node), providerLogTailCommand(node)], docs: [DOCS.aksTroubleshooting, DOCS.providerTroubleshooting] },
      confidence: 'possible',
      generic: true,
    }),
  ];
};
