/**
 * The catalogue's §6 "silent" failures: no error text exists, the SPC or the cluster state shows them.
 * Ids: B11 (catalogue); K10–K16 ours.
 */
import { flagValue } from '../../status/csi-plumbing.js';
import type { KubePod } from '../../ports.js';
import { getSpcCommand } from '../commands.js';
import { podNamespace, volumeViews } from '../context.js';
import { valueOf, type PodFacts } from '../facts.js';
import { DOCS, finding, type Finding } from '../finding.js';
import type { Analyzer } from './helpers.js';
import { sh } from '../../shell/quote.js';

const OCTAL = /^0?[0-7]{3}$/;

/**
 * Whether the driver refreshes mounts: v1.6+ through kubelet (CSIDriver requiresRepublish), v1.5 and older (including
 * the AKS add-on's driver) through its own reconciler, switched on by `--enable-secret-rotation` on the driver container.
 */
export function rotationEnabled(csiDriver: { spec: { requiresRepublish?: boolean } } | undefined, driverPods: readonly KubePod[] | undefined): boolean | undefined {
  if (csiDriver?.spec.requiresRepublish === true) return true;
  const flags = (driverPods ?? []).map((pod) => {
    const container = pod.spec.containers.find((candidate) => candidate.name === 'secrets-store' || candidate.name === 'secrets-store-csi-driver') ?? pod.spec.containers[0];
    return flagValue(container?.args ?? [], 'enable-secret-rotation');
  });
  if (flags.some((flag) => flag !== undefined && flag !== 'false')) return true;
  if (csiDriver === undefined && driverPods === undefined) return undefined;
  return false;
}

export const analyzeSilent: Analyzer = (facts: PodFacts): Finding[] => {
  const findings: Finding[] = [];
  const ns = podNamespace(facts);
  const csiDriver = valueOf(facts.csiDriver) ?? undefined;
  const statuses = valueOf(facts.podStatuses) ?? [];
  const registryClientId = facts.cluster?.identity.kind === 'fixed' ? facts.cluster.identity.clientId : undefined;

  for (const view of volumeViews(facts)) {
    // K17: a CSI volume no container mounts. Kubelet mounts it anyway, but nothing reads it: the app gets no files.
    if (view.volume.mountedBy !== undefined && view.volume.mountedBy.length === 0) {
      findings.push(
        finding({
          id: 'K17',
          severity: 'warning',
          title: `No container mounts CSI volume ${view.volume.name}`,
          summary: `Volume ${view.volume.name}${view.volume.spcName ? ` (SecretProviderClass ${view.volume.spcName})` : ''} is declared in the pod but no container has a volumeMount for it, so no container sees its files.`,
          cause: 'A volumeMount was forgotten or names another volume. This is a pod-spec problem, not a mount error: fixing the SecretProviderClass does not help.',
          evidence: [`volume ${view.volume.name}: no container lists it in volumeMounts`],
          fix: { commands: [sh`kubectl get pod ${facts.target.name ?? '<pod>'} -n ${ns ?? '<namespace>'} -o jsonpath='{range .spec.containers[*]}{.name}{": "}{.volumeMounts[*].name}{"\\n"}{end}'`], docs: [DOCS.providerConfig] },
          subject: { kind: 'Pod', name: facts.target.name ?? '', ...(ns ? { namespace: ns } : {}) },
          volume: view.volume.spcName ? { name: view.volume.name, secretProviderClass: view.volume.spcName } : { name: view.volume.name },
          confidence: 'confirmed',
        }),
      );
    }
    const spc = view.spc;
    if (!spc) continue;
    const subject = { kind: 'SecretProviderClass' as const, name: spc.name, ...(ns ? { namespace: ns } : {}) };
    const fix = { commands: [getSpcCommand(ns, spc.name)], docs: [DOCS.providerConfig] };
    const add = (id: string, severity: Finding['severity'], title: string, summary: string, cause: string, evidence: string[]) =>
      findings.push(finding({ id, severity, title, summary, cause, evidence, fix, subject, confidence: 'confirmed' }));

    for (const object of spc.objects) {
      if (object.unknownKeys.length > 0) {
        add('K10', 'warning', `Unknown key(s) in object ${object.objectName || object.index}: ${object.unknownKeys.map((k) => k.key).join(', ')}`,
          `The provider silently ignores ${object.unknownKeys.map((k) => (k.meant ? `"${k.key}" (did you mean "${k.meant}"?)` : `"${k.key}"`)).join(', ')}.`,
          'Object keys are case-sensitive; a misspelled key leaves the field at its default (an empty objectType then fails as B6).', [`objects[${object.index}]: ${object.unknownKeys.map((k) => k.key).join(', ')}`]);
      }
      if (object.filePermission !== undefined && !OCTAL.test(object.filePermission)) {
        add('B11', 'warning', `filePermission "${object.filePermission}" is not an octal mode`, `Object ${object.objectName} is written with mode 0000 and the app gets "permission denied".`,
          'Providers ≥ v1.3.0 no longer validate filePermission; an invalid value becomes 0.', [`objects[${object.index}].filePermission: ${object.filePermission}`]);
      }
    }
    const files = new Map<string, string[]>();
    for (const object of spc.objects) for (const file of object.files) files.set(file, [...(files.get(file) ?? []), object.objectName]);
    const duplicates = [...files].filter(([, names]) => names.length > 1);
    if (duplicates.length > 0) {
      add('K11', 'warning', `Duplicate file name(s) in the mount: ${duplicates.map(([file]) => file).join(', ')}`, 'Two objects write the same file; the last one wins and the other is silently lost.',
        'The driver writes files from a map and does not detect duplicates; set distinct objectAlias values.', duplicates.map(([file, names]) => `${file}: ${names.join(', ')}`));
    }
    for (const override of spc.overrides) {
      add('K12', 'warning', `The pod's volumeAttributes override ${override.key}`, `volume ${view.volume.name} sets ${override.key}="${override.volumeValue}", replacing the SPC's "${override.spcValue}".`,
        'The driver copies every volumeAttribute over the SPC parameters, so the pod spec wins.', [`${override.key}: SPC "${override.spcValue}", volume "${override.volumeValue}"`]);
    }
    if ((spc.identityMode === 'vmManagedIdentity' || spc.identityMode === 'podIdentity') && spc.parameters.clientID) {
      add('K13', 'warning', `clientID is ignored with ${spc.identityMode === 'vmManagedIdentity' ? 'useVMManagedIdentity' : 'usePodIdentity'}`, `The provider authenticates with ${spc.identityMode === 'vmManagedIdentity' ? `userAssignedIdentityID (${spc.parameters.userAssignedIdentityID || 'system-assigned'})` : 'pod identity'}, not clientID ${spc.parameters.clientID}.`,
        'An explicit identity flag wins over clientID; clientID only selects workload identity when no flag is set.', [`useVMManagedIdentity: ${spc.parameters.useVMManagedIdentity ?? ''}, clientID: ${spc.parameters.clientID}`]);
    }
    const legacy = ['resourceGroup', 'subscriptionId'].filter((key) => spc.parameters[key] !== undefined);
    if (legacy.length > 0) {
      add('K14', 'info', `Ignored legacy parameter(s): ${legacy.join(', ')}`, 'Current providers ignore these parameters; they do not select the vault.', 'They were used by providers ≤ 0.0.4 only.', legacy.map((key) => `${key}: ${spc.parameters[key]}`));
    }
    if (registryClientId && spc.identityMode === 'vmManagedIdentity' && spc.identityClientId && spc.identityClientId.toLowerCase() !== registryClientId.toLowerCase()) {
      add('K16', 'info', 'The SPC uses another identity than the cluster registry', `userAssignedIdentityID ${spc.identityClientId} differs from the registry's identity ${registryClientId}; kvcsi grant leaves this SecretProviderClass out (it grants only to the registry's identity, or to a workload identity whose federated credential names this cluster and the app's ServiceAccount).`,
        'Either the registry or the SPC is out of date; a grant for this identity must be made by hand, by someone who may grant it.', [`SPC userAssignedIdentityID: ${spc.identityClientId}`, `registry clientId: ${registryClientId}`]);
    }

    // K15: the mounted objects differ from the SPC's and nothing will refresh them (rotation off).
    const status = statuses.find((candidate) => candidate.status?.secretProviderClassName === spc.name);
    const rotation = rotationEnabled(csiDriver, valueOf(facts.driverPods));
    if (status?.status?.objects && rotation === false) {
      const mounted = new Set(status.status.objects.map((object) => object.id.replace(/\/\d+$/, '')));
      const wanted = new Set(spc.objects.map((object) => `${object.objectType}/${object.objectName}`));
      const differ = [...wanted].filter((id) => !mounted.has(id));
      if (differ.length > 0) {
        add('K15', 'warning', 'The SPC changed after the pod mounted it, and rotation is off', `${differ.join(', ')} ${differ.length === 1 ? 'is' : 'are'} in the SPC but not in the pod's mount; nothing refreshes an existing mount without rotation.`,
          'Edits to a SecretProviderClass apply at the next mount; restart the pod (or enable rotation).', [`mounted: ${[...mounted].join(', ') || '(none)'}`, `SPC: ${[...wanted].join(', ')}`]);
      }
    }
  }
  return findings;
};
