/** B. Provider configuration: parameters and `objects` of the SecretProviderClass, from the error text or the SPC itself. */
import { getSpcCommand } from '../commands.js';
import { podNamespace, volumeViews } from '../context.js';
import type { PodFacts } from '../facts.js';
import { DOCS, type Finding } from '../finding.js';
import type { SpcView } from '../spc-view.js';
import { podFinding, signalGroups, type Analyzer } from './helpers.js';

const OBJECT_TYPES = ['secret', 'key', 'cert'];
const CAUSES: Record<string, { title: string; cause: string }> = {
  B1: { title: 'keyvaultName is missing or not a vault name', cause: 'Set parameters.keyvaultName to the bare vault name (3–24 letters, digits, dashes), not a URL.' },
  B2: { title: 'tenantId is missing', cause: 'The provider requires tenantId (or tenantID) in every identity mode.' },
  B3: { title: 'An identity flag is not a boolean', cause: 'usePodIdentity / useVMManagedIdentity / useAzureTokenProxy must be "true" or "false".' },
  B4: { title: 'More than one identity mode is enabled', cause: 'Enable exactly one of usePodIdentity, useVMManagedIdentity, useAzureTokenProxy.' },
  B5: { title: '`objects` is missing or not valid YAML', cause: 'objects must be a YAML string with key "array:" holding a list of strings (each "|" block one object).' },
  B6: { title: 'An objectType is not secret, key or cert', cause: 'objectType is exact and lower-case; a misspelled objectType key leaves it empty.' },
  B7: { title: 'objectFormat or objectEncoding is invalid', cause: 'objectFormat is pem|pfx, objectEncoding utf-8|base64|hex, both only for objectType secret.' },
  B8: { title: 'An objectAlias is not a valid relative file name', cause: 'objectAlias must be a non-empty relative path without "..".' },
  B9: { title: 'cloudName is not valid', cause: 'Use AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud, AzureGermanCloud or AzureStackCloud (with cloudEnvFileName).' },
  B10: { title: 'The CSIDriver does not pass pod information (podInfoOnMount)', cause: 'The CSIDriver object lacks podInfoOnMount: true, so the provider gets no pod name or namespace.' },
  B12: { title: 'Driver and provider versions do not match', cause: 'The provider cannot read what the driver sent: upgrade both to matching releases.' },
};

/** Configuration problems visible in the SPC itself (the provider would report them as B1–B8). */
function fromSpc(view: SpcView): { id: string; detail: string }[] {
  const out: { id: string; detail: string }[] = [];
  if (!view.vaultName) out.push({ id: 'B1', detail: 'parameters.keyvaultName is not set' });
  else if (!/^[-A-Za-z0-9]{3,24}$/.test(view.vaultName)) out.push({ id: 'B1', detail: `keyvaultName "${view.vaultName}" is not a bare vault name` });
  if (!view.tenantId) out.push({ id: 'B2', detail: 'parameters.tenantId is not set' });
  for (const flag of view.invalidFlags) out.push({ id: 'B3', detail: `${flag.key}: "${flag.value}" is not a boolean` });
  if (view.identityMode === 'conflict') out.push({ id: 'B4', detail: 'more than one of usePodIdentity, useVMManagedIdentity, useAzureTokenProxy is "true"' });
  if (view.parameters.objects === undefined) out.push({ id: 'B5', detail: 'parameters.objects is not set' });
  for (const problem of view.objectProblems) out.push({ id: problem.includes('array is empty') ? 'A10' : 'B5', detail: problem });
  for (const object of view.objects) {
    if (!OBJECT_TYPES.includes(object.objectType)) out.push({ id: 'B6', detail: `object ${object.index} (${object.objectName || 'no name'}): objectType "${object.objectType}" is not secret, key or cert` });
    if (object.objectFormat && !['pem', 'pfx'].includes(object.objectFormat.toLowerCase())) out.push({ id: 'B7', detail: `object ${object.objectName}: objectFormat "${object.objectFormat}"` });
    if (object.objectFormat === 'pfx' && object.objectType !== 'secret') out.push({ id: 'B7', detail: `object ${object.objectName}: objectFormat pfx needs objectType secret` });
    if (object.objectEncoding && !['utf-8', 'base64', 'hex'].includes(object.objectEncoding.toLowerCase())) out.push({ id: 'B7', detail: `object ${object.objectName}: objectEncoding "${object.objectEncoding}"` });
    if (object.objectEncoding && object.objectType !== 'secret') out.push({ id: 'B7', detail: `object ${object.objectName}: objectEncoding needs objectType secret` });
    if (object.objectAlias !== undefined && (object.objectAlias === '' || object.objectAlias.startsWith('/') || object.objectAlias.split('/').includes('..'))) {
      out.push({ id: 'B8', detail: `object ${object.objectName}: objectAlias "${object.objectAlias}"` });
    }
  }
  return out;
}

export const analyzeProviderConfig: Analyzer = (facts: PodFacts): Finding[] => {
  const findings: Finding[] = [];
  const ns = podNamespace(facts);
  const ids = Object.keys(CAUSES);
  const groups = new Map(signalGroups(facts, ids).map((group) => [group.id, group.signals]));
  const spcProblems = new Map<string, { spc: string; detail: string }[]>();
  for (const view of volumeViews(facts)) {
    if (!view.spc || (view.spc.provider ?? 'azure').toLowerCase() !== 'azure') continue;
    for (const problem of fromSpc(view.spc)) {
      const list = spcProblems.get(problem.id) ?? [];
      list.push({ spc: view.spc.name, detail: problem.detail });
      spcProblems.set(problem.id, list);
    }
  }
  const csiDriver = facts.csiDriver.status === 'known' ? facts.csiDriver.value : undefined;
  if (csiDriver && csiDriver.spec.podInfoOnMount !== true && facts.volumes.length > 0) {
    spcProblems.set('B10', [{ spc: '', detail: 'CSIDriver secrets-store.csi.k8s.io has podInfoOnMount unset or false' }]);
  }
  for (const id of [...ids, 'A10']) {
    const signals = groups.get(id) ?? [];
    const problems = spcProblems.get(id) ?? [];
    if (signals.length === 0 && problems.length === 0) continue;
    const spec = CAUSES[id] ?? { title: 'The SecretProviderClass lists no objects', cause: 'objects.array is empty: the driver fails with "missing object versions".' };
    const spcName = problems.find((problem) => problem.spc)?.spc;
    // From the SPC alone the provider has not necessarily run yet: an error still, since the mount will fail.
    findings.push(
      podFinding(facts, signals, {
        id,
        severity: id === 'B10' && signals.length === 0 ? 'warning' : 'error',
        title: spec.title,
        summary: `${spec.title}${spcName ? ` in SecretProviderClass ${ns ? `${ns}/` : ''}${spcName}` : ''}.`,
        evidence: problems.map((problem) => (problem.spc ? `SecretProviderClass ${problem.spc}: ${problem.detail}` : problem.detail)),
        cause: spec.cause,
        fix: {
          commands: id === 'B10' ? ['kubectl get csidriver secrets-store.csi.k8s.io -o yaml'] : [getSpcCommand(ns, spcName), ...(spcName ? [`kvcsi lint <gitops-root>/<app>/<cluster>/secretproviderclass.yaml`] : [])],
          docs: [DOCS.providerConfig],
        },
        confidence: problems.length > 0 ? 'confirmed' : 'likely',
        ...(id === 'B10' ? {} : { action: { kind: 'fix-spc' as const, params: { namespace: ns ?? '', name: spcName ?? '' } } }),
      }),
    );
  }
  return findings;
};
