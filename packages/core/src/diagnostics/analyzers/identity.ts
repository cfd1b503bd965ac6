/** C. Identity and authentication: SP fallback, pod identity, VM managed identity, workload identity, binding, tenant. */
import { getSpcCommand, providerLogsCommand } from '../commands.js';
import { identityFor, podNamespace, podOf, viewForSignals, volumeViews } from '../context.js';
import { valueOf, type PodFacts } from '../facts.js';
import { DOCS, type Finding } from '../finding.js';
import type { Signal } from '../signals.js';
import { fieldOf, podFinding, podLabel, signalGroups, type Analyzer } from './helpers.js';
import { sh } from '../../shell/quote.js';

const WI_AUDIENCE = 'api://AzureADTokenExchange';
const BINDING_AUDIENCE = 'api://AKSIdentityBinding';

export const analyzeIdentity: Analyzer = (facts: PodFacts): Finding[] => {
  const findings: Finding[] = [];
  const pod = podOf(facts);
  const ns = podNamespace(facts);
  const views = volumeViews(facts).filter((view) => view.spc);
  // Each finding follows the volume its evidence names; without evidence, the pod's only SPC (none if several).
  const only = views.length === 1 ? views[0]!.spc : undefined;
  const spcFor = (signals: readonly Signal[]) => viewForSignals(facts, signals)?.spc ?? only;
  const spc = only ?? views.find((view) => view.spc?.identityMode === 'workloadIdentity')?.spc;
  const identity = identityFor(facts, spc);
  const groups = new Map(signalGroups(facts, ['C0', 'C1', 'C2', 'C3', 'C4.1', 'C4.2', 'C4.3', 'C4.4', 'C4.5', 'C4.6', 'C5', 'C6', 'C7', 'C8', 'C9']).map((group) => [group.id, group.signals]));
  const csiDriver = valueOf(facts.csiDriver) ?? undefined;
  const audiences = (csiDriver?.spec.tokenRequests ?? []).map((request) => request.audience);
  const registryClientId = facts.cluster?.identity.kind === 'fixed' ? facts.cluster.identity.clientId : undefined;
  const push = (id: string, signals: Signal[], input: Omit<Parameters<typeof podFinding>[2], 'id'>) => findings.push(podFinding(facts, signals, { id, ...input }));

  // C1: service-principal fallback.
  const c1 = groups.get('C1');
  if (c1) {
    const forgotFlag = spc?.identityMode === 'servicePrincipal' && views.every((view) => !view.volume.csi.nodePublishSecretRef?.name);
    const wrongKeys = c1.some((signal) => /could not find client/.test(signal.excerpt));
    const badSecret = c1.some((signal) => signal.fields.aadsts === '7000215' || signal.fields.aadsts === '7000222');
    push('C1', c1, {
      severity: 'error',
      title: badSecret ? 'The service principal\'s client secret is invalid or expired' : forgotFlag ? 'No identity configured: the provider fell back to service-principal mode' : 'Service-principal credentials missing or incomplete',
      summary: badSecret
        ? 'Entra ID rejected the client secret from the nodePublishSecretRef Secret.'
        : forgotFlag
          ? `SecretProviderClass ${spc?.name ?? ''} sets neither useVMManagedIdentity nor clientID, so the provider wants a nodePublishSecretRef.`
          : 'The provider is in service-principal mode and the nodePublishSecretRef Secret is missing or lacks clientid/clientsecret.',
      cause: badSecret
        ? 'The secret in the Secret is wrong or expired (AADSTS7000215 / AADSTS7000222).'
        : wrongKeys
          ? 'The Secret must have the keys clientid and clientsecret.'
          : 'With no identity flag and no clientID the provider uses a service principal from nodePublishSecretRef. If you meant the cluster identity, set useVMManagedIdentity: "true" and userAssignedIdentityID; for workload identity set clientID.',
      fix: {
        commands: forgotFlag && registryClientId
          ? [sh`kubectl patch secretproviderclass ${spc?.name ?? '<spc>'} -n ${ns ?? '<namespace>'} --type merge -p ${JSON.stringify({ spec: { parameters: { useVMManagedIdentity: 'true', userAssignedIdentityID: registryClientId } } })}`]
          : [getSpcCommand(ns, spc?.name)],
        docs: [DOCS.identityAccess],
      },
      confidence: forgotFlag || badSecret ? 'confirmed' : 'likely',
      action: { kind: 'fix-spc', params: { namespace: ns ?? '', name: spc?.name ?? '' } },
    });
  }

  const c2 = groups.get('C2');
  if (c2) {
    push('C2', c2, {
      severity: 'error',
      title: 'aad-pod-identity (NMI) could not give the pod a token',
      summary: `usePodIdentity is deprecated; NMI failed for ${podLabel(facts)}.`,
      cause: 'No AzureIdentity bound to the pod (binding selector vs aadpodidbinding label), the identity is not on the node VMSS, or NMI is not running on the node.',
      fix: { commands: ['kubectl get azureidentity,azureidentitybinding -A', 'kubectl logs -n kube-system -l component=mic --tail=100'], docs: [DOCS.workloadIdentity] },
    });
  }

  // C3: IMDS does not know the identity.
  const c3 = groups.get('C3');
  if (c3) {
    const spc = spcFor(c3);
    const multiple = c3.some((signal) => /Multiple user assigned identities exist/.test(signal.excerpt));
    const systemAssigned = c3.some((signal) => /system assigned identity|no default identity|UserAssignedClientID/.test(signal.excerpt));
    const used = fieldOf(c3, 'clientId') ?? spc?.identityClientId;
    const mismatch = used && registryClientId && used.toLowerCase() !== registryClientId.toLowerCase();
    push('C3', c3, {
      severity: 'error',
      title: multiple ? 'The node has several identities and the SPC names none' : `Identity ${used ?? ''} is not assigned to the node pool`.replace('  ', ' '),
      summary: multiple
        ? 'userAssignedIdentityID is empty while the node VMSS carries more than one user-assigned identity.'
        : systemAssigned
          ? 'The provider asked IMDS for a system-assigned identity, which the node does not have (or provider v1.8.0\'s system-assigned bug).'
          : `IMDS on the node does not know client id ${used ?? '(unknown)'}.`,
      evidence: mismatch ? [`SPC userAssignedIdentityID ${used}; the registry's cluster identity is ${registryClientId}`] : [],
      cause: 'userAssignedIdentityID must be the CLIENT id of an identity attached to the node VMSS (the kubelet or add-on identity), not its object or resource id, and not another cluster\'s.',
      fix: {
        commands: [
          'az aks show -g <resource-group> -n <cluster> --query "{kubelet: identityProfile.kubeletidentity.clientId, addon: addonProfiles.azureKeyvaultSecretsProvider.identity.clientId}"',
          ...(registryClientId ? [sh`kubectl patch secretproviderclass ${spc?.name ?? '<spc>'} -n ${ns ?? '<namespace>'} --type merge -p ${JSON.stringify({ spec: { parameters: { userAssignedIdentityID: registryClientId } } })}`] : []),
        ],
        docs: [DOCS.identityAccess, DOCS.aksTroubleshooting],
      },
      confidence: mismatch ? 'confirmed' : 'likely',
      action: { kind: 'fix-spc', params: { namespace: ns ?? '', name: spc?.name ?? '', field: 'userAssignedIdentityID', value: registryClientId ?? '' } },
    });
  }

  // C4.1: no token for the audience — from text, or from the CSIDriver while the SPC uses workload identity.
  const c41 = groups.get('C4.1') ?? [];
  const wiWithoutAudience = spc?.identityMode === 'workloadIdentity' && csiDriver !== undefined && !audiences.includes(WI_AUDIENCE);
  if (c41.length > 0 || wiWithoutAudience) {
    push('C4.1', c41, {
      severity: 'error',
      title: `The CSIDriver does not request tokens for ${WI_AUDIENCE}`,
      summary: `SecretProviderClass ${spc?.name ?? ''} uses workload identity (clientID), but kubelet passes no service-account token for ${WI_AUDIENCE}.`,
      evidence: csiDriver ? [`CSIDriver tokenRequests: ${audiences.length > 0 ? audiences.join(', ') : '(none)'}`] : [],
      cause: 'The driver chart\'s default tokenRequests is empty, or another chart overwrote the CSIDriver. Service-account annotations do not help: the provider only reads clientID.',
      fix: {
        commands: [
          'kubectl get csidriver secrets-store.csi.k8s.io -o yaml',
          `helm upgrade csi-secrets-store secrets-store-csi-driver/secrets-store-csi-driver -n kube-system --reuse-values --set tokenRequests[0].audience=${WI_AUDIENCE}`,
        ],
        docs: [DOCS.workloadIdentity],
      },
      confidence: wiWithoutAudience ? 'confirmed' : 'likely',
      action: { kind: 'fix-csidriver', params: { audience: WI_AUDIENCE } },
    });
  }

  // C4.2: no matching federated credential; compare what AAD saw with the pod.
  const c42 = groups.get('C4.2');
  if (c42) {
    const spc = spcFor(c42);
    const subject = fieldOf(c42, 'subject');
    const expected = pod ? `system:serviceaccount:${pod.metadata.namespace ?? ns}:${pod.spec.serviceAccountName ?? 'default'}` : undefined;
    const clientId = spc?.identityClientId ?? '<client-id>';
    push('C4.2', c42, {
      severity: 'error',
      title: 'No federated identity credential matches the pod\'s service account',
      summary: `Entra ID has no federated credential on ${clientId} for issuer ${fieldOf(c42, 'issuer') ?? '(see evidence)'} and subject ${subject ?? expected ?? '(see evidence)'}.`,
      evidence: expected ? [`pod service account subject: ${expected}`] : [],
      cause: 'The federated credential must match exactly: issuer = the cluster OIDC URL (with trailing /), subject = system:serviceaccount:<namespace>:<serviceAccountName>, audience api://AzureADTokenExchange. A new credential can take a minute to propagate.',
      fix: {
        commands: [
          'az aks show -g <resource-group> -n <cluster> --query oidcIssuerProfile.issuerUrl -o tsv',
          `az identity federated-credential list --identity-name <identity-name> -g <resource-group>`,
          sh`az identity federated-credential create --name ${(pod?.spec.serviceAccountName ?? 'sa')}-fic --identity-name <identity-name> -g <resource-group> --issuer ${fieldOf(c42, 'issuer') ?? '<issuer>'} --subject ${subject ?? expected ?? '<subject>'} --audiences ${WI_AUDIENCE}`,
        ],
        docs: [DOCS.workloadIdentity, DOCS.aadErrors],
      },
    });
  }

  // C4.3: client id not in the tenant — the facts can confirm it.
  const c43 = groups.get('C4.3') ?? [];
  const notFound = identity && identity.resolved.status === 'known' && identity.resolved.value === null;
  if (c43.length > 0 || notFound) {
    const clientId = fieldOf(c43, 'clientId') ?? identity?.clientId;
    push('C4.3', c43, {
      severity: 'error',
      title: `Client id ${clientId ?? ''} does not exist in the tenant`.replace('  ', ' '),
      summary: `No application or managed identity with client id ${clientId ?? '(unknown)'} exists in tenant ${spc?.tenantId ?? facts.cluster?.tenantId ?? '(unknown)'}.`,
      evidence: notFound ? [`Entra ID lookup of client id ${identity!.clientId}: not found`] : [],
      cause: 'A typo in clientID / userAssignedIdentityID, the identity\'s object (principal) id used instead of its client id, or the wrong tenantId.',
      fix: { commands: [`az identity list --query "[].{name:name, clientId:clientId, principalId:principalId}" -o table`, getSpcCommand(ns, spc?.name)], docs: [DOCS.aadErrors] },
      confidence: notFound ? 'confirmed' : 'likely',
    });
  }

  const simple: Record<string, { title: string; cause: string; commands: string[] }> = {
    'C4.4': { title: 'The tenant in tenantId does not exist', cause: 'tenantId has a typo, or names a domain that is not a tenant.', commands: [getSpcCommand(ns, spc?.name), 'az account show --query tenantId -o tsv'] },
    'C4.5': { title: 'The vault lives in another tenant than the SPC\'s tenantId', cause: 'The vault\'s challenge names its tenant; the credential is configured for tenantId only. Use a vault in the identity\'s tenant, or fix tenantId.', commands: [getSpcCommand(ns, spc?.name)] },
    'C4.6': { title: 'Entra ID rejected the federated token (time, issuer or subject)', cause: 'AADSTS700024: token expired or clock skew; AADSTS700211: wrong issuer URL; AADSTS7002138: subject differs in case.', commands: ['az identity federated-credential list --identity-name <identity-name> -g <resource-group>'] },
    C5: { title: 'Identity binding (useAzureTokenProxy) is misconfigured', cause: `clientID missing, the CSIDriver lacks the ${BINDING_AUDIENCE} audience, or the token proxy could not reach the API server.`, commands: ['kubectl get csidriver secrets-store.csi.k8s.io -o yaml', getSpcCommand(ns, spc?.name)] },
    C6: { title: 'Key Vault rejected the token (wrong tenant or audience)', cause: 'Managed-identity tokens always come from the identity\'s home tenant, so a vault in another tenant answers 401 AKV10032; custom clouds may send the wrong audience (AKV10022).', commands: [getSpcCommand(ns, spc?.name)] },
    C7: {
      title: 'IMDS on the node throttled the token requests (429), not Key Vault',
      cause: 'Too many token requests from the node to the instance metadata service (many pods mounting at once, or clients without a token cache). Key Vault was not reached; its limits are not involved.',
      commands: ['kubectl get pods -A -o wide --field-selector spec.nodeName=<node>   # how many pods mount on this node'],
    },
    C8: {
      title: 'Entra ID throttled the token requests (429), not Key Vault',
      cause: 'The identity asked Entra ID for tokens too often (no token cache, or one credential per request). Key Vault was not reached; its limits are not involved.',
      commands: [getSpcCommand(ns, spc?.name)],
    },
    C9: {
      title: 'The token endpoint is AD FS, which the Azure provider does not support',
      cause: 'The provider gets tokens from Entra ID (or IMDS); an Azure Stack Hub with AD FS identity answers with MSIS errors. Use an Entra ID-backed stamp or another secret source.',
      commands: ['kubectl get configmap -n kube-system -o yaml | grep -i activeDirectoryEndpoint'],
    },
  };
  for (const [id, spec] of Object.entries(simple)) {
    const signals = groups.get(id);
    if (!signals) continue;
    push(id, signals, {
      severity: 'error',
      title: spec.title,
      summary: `${podLabel(facts)}: ${spec.title.charAt(0).toLowerCase()}${spec.title.slice(1)}.`,
      cause: spec.cause,
      fix: { commands: spec.commands, docs: [DOCS.aadErrors, DOCS.identityAccess] },
    });
  }
  // C0 only when nothing more specific about the identity was found.
  const c0 = groups.get('C0');
  if (c0 && findings.length === 0) {
    const status = fieldOf(c0, 'status');
    const service = fieldOf(c0, 'service');
    const where = service === 'imds' ? 'IMDS on the node' : service === 'nmi' ? 'aad-pod-identity (NMI)' : service === 'adfs' ? 'AD FS' : 'Entra ID';
    push('C0', c0, {
      severity: 'error',
      title: status ? `Could not get a token: ${where} answered ${status}` : `Could not get a token from ${where} (the reason is cut off or not given)`,
      summary: `${podLabel(facts)}: the provider failed to get a token for Key Vault before it asked Key Vault anything.`,
      cause: status === 404
        ? 'The token endpoint answered 404: the authority is wrong for this cloud (custom cloud or AD FS endpoint), or the managed identity is unknown.'
        : 'The identity could not authenticate. The rest of the message (cut here) names the reason: see the provider log on the node for the full text.',
      fix: { commands: [providerLogsCommand(pod?.spec.nodeName), getSpcCommand(ns, spc?.name)], docs: [DOCS.aadErrors, DOCS.identityAccess] },
      confidence: 'possible',
    });
  }
  return findings;
};
