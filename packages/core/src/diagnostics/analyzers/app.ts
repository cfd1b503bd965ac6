/** App level: SecretProviderClasses of the app that no pod mounts (their synced Secrets are never created). */
import type { AppFacts } from '../facts.js';
import { valueOf } from '../facts.js';
import { DOCS, finding, type Finding } from '../finding.js';
import { sh } from '../../shell/quote.js';

export function analyzeApp(facts: AppFacts): Finding[] {
  const findings: Finding[] = [];
  for (const { spc, mountedBy } of valueOf(facts.secretProviderClasses) ?? []) {
    if (mountedBy.length > 0) continue;
    const ns = spc.metadata.namespace;
    const synced = (spc.spec.secretObjects ?? []).map((secretObject) => secretObject.secretName).filter((name): name is string => Boolean(name));
    const missing = synced.filter((name) => facts.secrets[name]?.status === 'known' && valueOf(facts.secrets[name]) === null);
    findings.push(
      finding({
        id: 'K2',
        severity: missing.length > 0 ? 'error' : synced.length > 0 ? 'warning' : 'info',
        title: `No pod mounts SecretProviderClass ${spc.metadata.name}`,
        summary:
          synced.length > 0
            ? `SecretProviderClass ${ns ? `${ns}/` : ''}${spc.metadata.name} syncs ${synced.join(', ')}, but no pod mounts it as a CSI volume, so ${missing.length > 0 ? `${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist` : 'the Secrets are not kept up to date'}.`
            : `SecretProviderClass ${ns ? `${ns}/` : ''}${spc.metadata.name} is not used by any pod of the app.`,
        evidence: [`pods of the app mounting it: none`, ...missing.map((name) => `Secret ${name}: not found`)],
        cause: 'The driver creates secretObjects Secrets only when a pod mounts the SPC\'s volume (and deletes them with the owning workload). Add the CSI volume (and a volumeMount) to a workload of the app.',
        fix: {
          commands: [
            // `kvcsi render --workload` prints the pod spec snippet (volume, volumeMount) next to the SPC it renders.
            sh`kvcsi render --app ${facts.target.app} -c ${facts.target.cluster ?? '<cluster>'} -n ${ns ?? '<namespace>'} --name ${spc.metadata.name} --workload   # the volume and volumeMount to add`,
            sh`kubectl get pods -n ${ns ?? '<namespace>'} -o custom-columns=NAME:.metadata.name,SPC:.spec.volumes[*].csi.volumeAttributes.secretProviderClass`,
          ],
          docs: [DOCS.syncAsSecret],
        },
        subject: { kind: 'SecretProviderClass', name: spc.metadata.name, ...(ns ? { namespace: ns } : {}) },
        confidence: 'confirmed',
      }),
    );
  }
  return findings;
}
