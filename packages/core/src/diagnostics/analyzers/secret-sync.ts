/**
 * F. Secret sync (`secretObjects`), and the runbook's third case: a synced Kubernetes Secret is created only after a
 * pod successfully mounts the volume — no mounting pod (or a mount that never succeeded) means no Secret, and
 * containers that read it sit in CreateContainerConfigError.
 */
import { describePodCommand, driverPodsCommand, getSpcCommand } from '../commands.js';
import { podName, podNamespace, podOf, volumeViews, waitingContainers } from '../context.js';
import { valueOf, type PodFacts } from '../facts.js';
import { DOCS, type Finding } from '../finding.js';
import type { KubePod } from '../../ports.js';
import { closestNames } from './vault-object.js';
import { fieldOf, podFinding, podLabel, signalGroups, type Analyzer } from './helpers.js';
import { sh } from '../../shell/quote.js';

/** Secrets the pod's containers read (env, envFrom, secret volumes), with whether they are optional. */
export function referencedSecrets(pod: KubePod | undefined): { name: string; optional: boolean }[] {
  if (!pod) return [];
  const refs = new Map<string, boolean>();
  for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const env of container.env ?? []) {
      const ref = env.valueFrom?.secretKeyRef;
      if (ref?.name) refs.set(ref.name, (refs.get(ref.name) ?? true) && ref.optional === true);
    }
    for (const from of container.envFrom ?? []) {
      if (from.secretRef?.name) refs.set(from.secretRef.name, (refs.get(from.secretRef.name) ?? true) && from.secretRef.optional === true);
    }
  }
  for (const volume of pod.spec.volumes ?? []) {
    if (volume.secret?.secretName) refs.set(volume.secret.secretName, (refs.get(volume.secret.secretName) ?? true) && volume.secret.optional === true);
  }
  return [...refs].map(([name, optional]) => ({ name, optional }));
}

const SIMPLE: Record<string, { title: string; cause: string; commands: (ns?: string) => string[] }> = {
  F1: { title: 'The CSI driver may not create Kubernetes Secrets (syncSecret disabled)', cause: 'The driver\'s service account lacks RBAC on secrets: the chart default is syncSecret.enabled=false.', commands: () => ['helm upgrade csi-secrets-store secrets-store-csi-driver/secrets-store-csi-driver -n kube-system --reuse-values --set syncSecret.enabled=true', 'kubectl get clusterrole secretprovidersyncing-role'] },
  F3: { title: 'A secretObjects entry is incomplete', cause: 'secretName, type and data are all required.', commands: (ns) => [getSpcCommand(ns, undefined)] },
  F4: { title: 'A secretObjects.data item is empty', cause: 'Each data item needs objectName and key.', commands: (ns) => [getSpcCommand(ns, undefined)] },
  F5: { title: 'The TLS Secret could not be built', cause: 'type kubernetes.io/tls needs keys tls.crt and tls.key from a PEM (objectType secret, which carries the private key) holding both.', commands: (ns) => [getSpcCommand(ns, undefined)] },
  F6: { title: 'The driver could not read the mounted files for sync', cause: 'The mount is gone or the target path is unreadable.', commands: () => [driverPodsCommand(undefined)] },
  F8: { title: 'The driver could not set the owner of the synced Secret', cause: 'Driver RBAC (patch secrets) or a conflicting owner.', commands: () => [driverPodsCommand(undefined)] },
};

export const analyzeSecretSync: Analyzer = (facts: PodFacts): Finding[] => {
  const findings: Finding[] = [];
  const pod = podOf(facts);
  const ns = podNamespace(facts);
  const name = podName(facts);
  const views = volumeViews(facts).filter((view) => view.spc);
  const groups = new Map(signalGroups(facts, ['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F8', 'K3', 'K5']).map((group) => [group.id, group.signals]));
  const statuses = valueOf(facts.podStatuses);
  const mountedSpcs = new Set((statuses ?? []).filter((status) => status.status?.mounted !== false).map((status) => status.status?.secretProviderClassName));

  for (const [id, spec] of Object.entries(SIMPLE)) {
    const signals = groups.get(id);
    if (!signals) continue;
    findings.push(podFinding(facts, signals, { id, severity: 'error', title: spec.title, summary: `${spec.title}.`, cause: spec.cause, fix: { commands: spec.commands(ns), docs: [DOCS.syncAsSecret] } }));
  }

  // F2: data.objectName must be a mounted file name (alias, or name; case-sensitive), from text or from the SPC.
  const f2Signals = groups.get('F2') ?? [];
  const f2Problems: { spc: string; secret: string; objectName: string; files: string[] }[] = [];
  for (const view of views) {
    const files = view.spc!.objects.flatMap((object) => object.files);
    for (const secretObject of view.spc!.secretObjects) {
      for (const item of secretObject.data ?? []) {
        if (item.objectName && !files.includes(item.objectName)) f2Problems.push({ spc: view.spc!.name, secret: secretObject.secretName ?? '?', objectName: item.objectName, files });
      }
    }
  }
  if (f2Signals.length > 0 || f2Problems.length > 0) {
    const problem = f2Problems[0];
    const wanted = problem?.objectName ?? fieldOf(f2Signals, 'innermost')?.match(/objectName (\S+)/)?.[1] ?? '';
    const suggestion = problem ? closestNames(wanted, problem.files)[0] : undefined;
    findings.push(
      podFinding(facts, f2Signals, {
        id: 'F2',
        severity: 'error',
        title: `secretObjects refers to "${wanted}", which is not a mounted file${suggestion ? ` — did you mean "${suggestion}"?` : ''}`,
        summary: `Secret ${problem?.secret ?? fieldOf(f2Signals, 'secretName') ?? ''} cannot be synced: secretObjects.data.objectName "${wanted}" matches no file in the mount${problem ? ` (files: ${problem.files.join(', ')})` : ''}.`,
        evidence: f2Problems.map((p) => `SecretProviderClass ${p.spc}: secret ${p.secret} data.objectName "${p.objectName}" not in mounted files [${p.files.join(', ')}]`),
        cause: 'secretObjects.data.objectName must equal the mounted file name exactly (case-sensitive): the objectAlias when set, else the objectName; alias/<n> with version history.',
        fix: { commands: [getSpcCommand(ns, problem?.spc)], docs: [DOCS.syncAsSecret] },
        confidence: problem ? 'confirmed' : 'likely',
        action: { kind: 'fix-spc', params: { namespace: ns ?? '', name: problem?.spc ?? '', objectName: wanted, ...(suggestion ? { suggestion } : {}) } },
      }),
    );
  }

  // Missing Secrets the containers read (K3), explained by the sync rules.
  const missing = referencedSecrets(pod).filter((ref) => !ref.optional && facts.secrets[ref.name]?.status === 'known' && valueOf(facts.secrets[ref.name]) === null);
  const k3Signals = groups.get('K3') ?? [];
  const missingNames = new Set([...missing.map((ref) => ref.name), ...k3Signals.map((signal) => signal.fields.secretName).filter((n): n is string => n !== undefined)]);
  for (const secretName of missingNames) {
    const syncingView = views.find((view) => view.spc!.secretObjects.some((secretObject) => secretObject.secretName === secretName));
    const signals = k3Signals.filter((signal) => signal.fields.secretName === secretName);
    const waiting = waitingContainers(pod).filter((container) => container.message?.includes(secretName));
    const base = { evidence: waiting.map((container) => `container ${container.name}: ${container.reason}${container.message ? `: ${container.message}` : ''}`) };
    if (facts.pod.status !== 'known') {
      // Text only: the Secret is missing; the sync rules say where to look.
      findings.push(
        podFinding(facts, signals, {
          id: 'K3',
          severity: 'error',
          title: `Secret ${secretName} does not exist`,
          summary: `A container reads Secret ${secretName}, which does not exist. If a SecretProviderClass syncs it (secretObjects), the driver creates it only after a pod mounts that SPC successfully.`,
          cause: 'No pod mounts the SPC that syncs it, the mount fails (see other findings), or the sync itself fails (syncSecret.enabled, objectName mismatch).',
          fix: { commands: [`kubectl get secretproviderclass -n <namespace> -o custom-columns=NAME:.metadata.name,SECRETS:.spec.secretObjects[*].secretName`, 'kubectl get secretproviderclasspodstatus -n <namespace>'], docs: [DOCS.syncAsSecret] },
        }),
      );
    } else if (syncingView) {
      const mounted = mountedSpcs.has(syncingView.spc!.name);
      const syncFailed = groups.has('F1') || f2Problems.length > 0 || f2Signals.length > 0;
      findings.push(
        podFinding(facts, signals, {
          ...base,
          id: 'K3',
          severity: 'error',
          title: `Secret ${secretName} was not synced${mounted ? '' : ': the volume never mounted'}`,
          summary: mounted
            ? `The volume of SecretProviderClass ${syncingView.spc!.name} is mounted, but the driver did not create Secret ${secretName}${syncFailed ? ' (see the sync findings)' : ''}.`
            : `Secret ${secretName} is synced from SecretProviderClass ${syncingView.spc!.name} only after a successful mount, and ${podLabel(facts)} has not mounted it yet (no SecretProviderClassPodStatus).`,
          evidence: statuses ? [`SecretProviderClassPodStatus for ${syncingView.spc!.name}: ${mounted ? 'mounted' : 'none'}`] : [],
          cause: mounted ? 'Sync RBAC (syncSecret.enabled), an objectName that is not a mounted file, or an invalid secretObjects entry.' : 'The mount fails first; fix the mount error and the Secret follows.',
          fix: { commands: [describePodCommand(ns, name), sh`kubectl get secretproviderclasspodstatus -n ${ns ?? '<namespace>'}`], docs: [DOCS.syncAsSecret] },
          confidence: statuses ? 'confirmed' : 'likely',
          // A symptom either way: of the failing mount, or of the sync failure found above.
          generic: !mounted || syncFailed,
        }),
      );
    } else if (views.length > 0 || facts.volumes.length === 0) {
      findings.push(
        podFinding(facts, signals, {
          ...base,
          id: 'K2',
          severity: 'error',
          title: `Secret ${secretName} does not exist and no CSI volume of this pod syncs it`,
          summary: `${podLabel(facts)} reads Secret ${secretName}; a Secret declared in a SecretProviderClass's secretObjects is only created while some pod mounts that SPC as a CSI volume, and this pod mounts none that declares it.`,
          cause: 'The driver syncs secretObjects only on a successful mount. Without a pod mounting the volume, the Secret is never created.',
          fix: {
            commands: [sh`kubectl get secretproviderclass -n ${ns ?? '<namespace>'} -o custom-columns=NAME:.metadata.name,SECRETS:.spec.secretObjects[*].secretName`, sh`kubectl get secret ${secretName} -n ${ns ?? '<namespace>'}`],
            docs: [DOCS.syncAsSecret],
          },
          confidence: facts.secrets[secretName]?.status === 'known' ? 'confirmed' : 'likely',
        }),
      );
    }
  }

  const k5 = groups.get('K5');
  if (k5 && !findings.some((f) => f.id.startsWith('F'))) {
    findings.push(
      podFinding(facts, k5, {
        id: 'K5',
        severity: 'warning',
        title: 'The driver gave up creating a synced Secret',
        summary: 'FailedToCreateSecret: the driver retried five times; its log on the node says why.',
        cause: 'Usually F1 (sync RBAC) or F2 (objectName mismatch); the event text is generic.',
        fix: { commands: ['kubectl logs -n kube-system -l app=secrets-store-csi-driver -c secrets-store --tail=200 | grep -i secret'], docs: [DOCS.syncAsSecret] },
        generic: true,
      }),
    );
  }

  // F3 / F4 / F5 from the SPC itself.
  for (const view of views) {
    for (const secretObject of view.spc!.secretObjects) {
      const problems = [!secretObject.secretName && 'secretName is empty', !secretObject.type && 'type is empty', !(secretObject.data ?? []).length && 'data is empty'].filter(Boolean);
      if (problems.length > 0 && !groups.has('F3')) {
        findings.push(podFinding(facts, [], { id: 'F3', severity: 'error', title: `secretObjects entry of ${view.spc!.name} is incomplete`, summary: `SecretProviderClass ${view.spc!.name}: ${problems.join(', ')}; the driver skips it (driver v1.6 logs it only).`, cause: SIMPLE.F3!.cause, fix: { commands: [getSpcCommand(ns, view.spc!.name)], docs: [DOCS.syncAsSecret] }, confidence: 'confirmed' }));
      }
      if (secretObject.type === 'kubernetes.io/tls') {
        const bad = (secretObject.data ?? []).filter((item) => item.key !== 'tls.crt' && item.key !== 'tls.key');
        if (bad.length > 0 && !groups.has('F5')) {
          findings.push(podFinding(facts, [], { id: 'F5', severity: 'error', title: `TLS Secret ${secretObject.secretName ?? ''} has keys other than tls.crt/tls.key`, summary: `kubernetes.io/tls Secrets may only sync tls.crt and tls.key (found ${bad.map((item) => item.key).join(', ')}).`, cause: SIMPLE.F5!.cause, fix: { commands: [getSpcCommand(ns, view.spc!.name)], docs: [DOCS.syncAsSecret] }, confidence: 'confirmed' }));
        }
      }
    }
  }
  return findings;
};
