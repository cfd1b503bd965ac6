/** G. Rotation: re-mount failures (events on driver ≤ v1.5, masked in driver logs on v1.6) and success markers. */
import { driverPodsCommand } from '../commands.js';
import { podOf } from '../context.js';
import type { PodFacts } from '../facts.js';
import { DOCS, type Finding } from '../finding.js';
import { podFinding, signalGroups, type Analyzer } from './helpers.js';

export const analyzeRotation: Analyzer = (facts: PodFacts): Finding[] => {
  const node = podOf(facts)?.spec.nodeName;
  const findings: Finding[] = [];
  for (const { id, signals } of signalGroups(facts, ['G1', 'G2', 'G3', 'G4'])) {
    const spec = {
      G1: { title: 'Rotation could not refresh the mounted content', cause: 'The periodic re-fetch failed; the pod keeps the old content. The inner error (see other findings) says why.' },
      G2: { title: 'Rotation lost its credentials Secret or provider', cause: 'The nodePublishSecretRef Secret was deleted, or the provider is gone from the node.' },
      G3: { title: 'Rotation could not update the synced Kubernetes Secret', cause: 'See the F findings: sync RBAC, objectName mismatch, or validation.' },
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
