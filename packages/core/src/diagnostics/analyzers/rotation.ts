/** G. Rotation: re-mount failures (events on driver ≤ v1.5, masked in driver logs on v1.6) and success markers. */
import { driverPodsCommand } from '../commands.js';
import { podNamespace, podOf } from '../context.js';
import type { PodFacts } from '../facts.js';
import { DOCS, type Finding } from '../finding.js';
import { podFinding, signalGroups, type Analyzer } from './helpers.js';
import { sh } from '../../shell/quote.js';

export const analyzeRotation: Analyzer = (facts: PodFacts): Finding[] => {
  const node = podOf(facts)?.spec.nodeName;
  const findings: Finding[] = [];
  const ns = podNamespace(facts);
  for (const { id, signals } of signalGroups(facts, ['G1', 'G2', 'G3', 'G4'])) {
    // The rotation reconciler reads nodePublishSecretRef Secrets from a cache filtered on the `used=true` label
    // (driver ≥ v0.1.0, upgrade notes), so "not found" there almost always means the label, not a deleted Secret.
    const unlabelled = id === 'G2' && signals.some((signal) => /node publish secret .*not found/i.test(signal.excerpt));
    if (unlabelled) {
      const secret = signals.map((signal) => signal.fields.secretName).find(Boolean) ?? '<secret>';
      findings.push(
        podFinding(facts, signals, {
          id,
          severity: 'warning',
          title: `Rotation cannot see the nodePublishSecretRef Secret ${secret}: it lacks the label secrets-store.csi.k8s.io/used=true`,
          summary: `The driver's rotation reconciler reads credentials Secrets only when they carry secrets-store.csi.k8s.io/used=true; Secret ${secret} is missing from its cache, so rotation fails (the mounted content goes stale). The Secret itself is usually still there.`,
          cause: 'Since driver v0.1.0 the driver watches only labelled nodePublishSecretRef Secrets. Label the Secret; only if it does not exist at all was it deleted.',
          fix: { commands: [sh`kubectl label secret ${secret} -n ${ns ?? '<namespace>'} secrets-store.csi.k8s.io/used=true`, sh`kubectl get secret ${secret} -n ${ns ?? '<namespace>'} --show-labels`], docs: [DOCS.rotation, 'https://secrets-store-csi-driver.sigs.k8s.io/getting-started/upgrades.html'] },
          confidence: 'likely',
        }),
      );
      continue;
    }
    const spec = {
      G1: { title: 'Rotation could not refresh the mounted content', cause: 'The periodic re-fetch failed; the pod keeps the old content. The inner error (see other findings) says why.' },
      G2: { title: 'Rotation lost its credentials Secret or provider', cause: 'The nodePublishSecretRef Secret was deleted, or the provider is gone from the node.' },
      G3: { title: 'Rotation could not update the synced Kubernetes Secret', cause: 'The synced Secret lacks the secrets-store.csi.k8s.io/managed=true label the driver\'s filtered watch needs (it times out patching it), or see the F findings: sync RBAC, objectName mismatch, validation.' },
      G4: { title: 'Re-mount failures are hidden from pod events (driver v1.6)', cause: 'Driver v1.6 reports success to kubelet on a failed re-mount; only its log shows it. The pod runs on stale content.' },
    }[id]!;
    findings.push(
      podFinding(facts, signals, {
        id,
        severity: 'warning',
        title: spec.title,
        summary: `${spec.title}.`,
        cause: spec.cause,
        fix: { commands: [driverPodsCommand(node), 'kubectl logs -n kube-system -l app=secrets-store-csi-driver -c secrets-store --tail=200 | grep isRemountRequest=true'], docs: [DOCS.rotation] },
      }),
    );
  }
  return findings;
};
