/**
 * D1 / D2 / D5 / K4: 403 from Key Vault — the runbook's first case. The text names the caller and the vault; the
 * facts say whether the vault uses access policies or RBAC, and whether the identity holds access *now*
 * (granted since the failure → remount pending). Without text, the facts alone predict the 403.
 */
import { deletePodCommand, objectIdExpression, objectKind, roleAssignmentCommand, setPolicyCommand, vaultIdExpression } from '../commands.js';
import { accessOf, canRead, identityFor, identityLabel, isRunningReady, pickVaultName, podName, podNamespace, podOf, resolvedIdentity, vaultFacts, viewForSignals, volumeViews } from '../context.js';
import { valueOf, type PodFacts } from '../facts.js';
import { DOCS, type Finding } from '../finding.js';
import type { VaultProperties } from '../../ports.js';
import { fieldOf, podFinding, podLabel, signalGroups, type Analyzer } from './helpers.js';
import { sh } from '../../shell/quote.js';

interface Grant {
  vault: string;
  objectId: string;
  clientId?: string;
  objectType: string;
  objectName?: string;
  properties?: VaultProperties;
}

function grantCommands(grant: Grant, model: 'rbac' | 'accessPolicy' | undefined): string[] {
  const kind = objectKind(grant.objectType);
  const objectId = objectIdExpression(grant);
  const policy = setPolicyCommand({ vault: grant.vault, objectId, kind });
  const vaultId = vaultIdExpression({ name: grant.vault, ...(grant.properties ? { id: grant.properties.id } : {}) });
  const role = roleAssignmentCommand({ scope: vaultId, objectId, kind });
  if (model === 'accessPolicy') return [policy];
  if (model === 'rbac') return [role];
  return [policy, role];
}

function grantAction(grant: Grant, model: string | undefined): Finding['action'] {
  const params: Record<string, string> = { vault: grant.vault, objectId: grant.objectId, objectType: grant.objectType };
  if (grant.clientId) params.clientId = grant.clientId;
  if (grant.objectName) params.objectName = grant.objectName;
  if (model) params.authModel = model;
  return { kind: 'grant', params };
}

export const analyzeVaultAccess: Analyzer = (facts: PodFacts): Finding[] => {
  const findings: Finding[] = [];
  const pod = podOf(facts);
  const ns = podNamespace(facts);
  const name = podName(facts);
  const groups = signalGroups(facts, ['D1', 'D2', 'D5', 'K4']);
  const views = volumeViews(facts).filter((view) => view.spc);

  const handled = new Set<string>();
  for (const { id, signals } of groups) {
    // The SecretProviderClass (and so the identity) of the volume the event names, not the pod's first one.
    const spc = viewForSignals(facts, signals)?.spc;
    const identity = identityFor(facts, spc);
    const resolved = resolvedIdentity(identity);
    const callerAppId = fieldOf(signals, 'callerAppId');
    const who = identityLabel(spc, spc?.identityMode === 'servicePrincipal' ? callerAppId : undefined);
    const vault = pickVaultName(facts, fieldOf(signals, 'vault')) ?? '<vault>';
    const properties = valueOf(vaultFacts(facts, vault)?.properties) ?? undefined;
    const objectType = fieldOf(signals, 'objectType') || 'secret';
    const objectName = fieldOf(signals, 'objectName');
    const callerObjectId = fieldOf(signals, 'callerObjectId');
    const objectId = callerObjectId ?? resolved?.objectId;
    // Without the caller's object id, resolve it from the client id the text or the SPC names; never the kubelet's.
    const clientIdForGrant = identity?.clientId ?? callerAppId ?? spc?.identityClientId;
    const grant: Grant = { vault, objectId: objectId ?? objectIdExpression(clientIdForGrant ? { clientId: clientIdForGrant } : {}), objectType, ...(objectName ? { objectName } : {}), ...(properties ? { properties } : {}) };
    if (clientIdForGrant) grant.clientId = clientIdForGrant;
    else if (!objectId && spc) grant.objectId = `<object id of ${who}>`;
    const access = accessOf(facts, vault, objectId);
    const model = properties?.authModel ?? (id === 'D1' ? 'accessPolicy' : id === 'D2' ? 'rbac' : undefined);
    const findingId = id === 'K4' ? (model === 'rbac' ? 'D2' : model === 'accessPolicy' ? 'D1' : 'K4') : id;
    handled.add(vault.toLowerCase());

    if (id === 'D5') {
      findings.push(
        podFinding(facts, signals, {
          id: 'D5',
          severity: 'error',
          title: 'The access policy is a compound identity (requires on-behalf-of)',
          summary: `Vault ${vault} has an access policy for the caller bound to an application id, which the provider cannot use.`,
          cause: 'An access policy created with "authorized application" demands the OBO flow. Recreate it without an application id.',
          fix: { commands: [sh`az keyvault delete-policy --name ${vault} --object-id ${grant.objectId} --application-id <application-id>`, setPolicyCommand({ vault, objectId: grant.objectId, kind: objectKind(objectType) })], docs: [DOCS.accessPolicy] },
          action: grantAction(grant, 'accessPolicy'),
        }),
      );
      continue;
    }

    // The facts refute the 403: the identity may read now → access was granted since; the mount is retried by kubelet.
    if (access && properties && canRead(access, properties, objectType, objectName)) {
      const running = isRunningReady(pod);
      findings.push(
        podFinding(facts, signals, {
          id: findingId,
          severity: running ? 'info' : 'warning',
          title: running ? 'Access was denied earlier and is granted now; the pod has mounted' : 'Access is granted now; the mount has not been retried yet',
          summary: `The ${objectType} ${objectName ?? ''} in ${vault} was denied to ${objectId ?? 'the identity'}, but the identity holds read access now${running ? '.' : ': kubelet retries the mount (RBAC can take minutes to propagate), or restart the pod.'}`.replace('  ', ' '),
          evidence: [access.authModel === 'accessPolicy' ? `access policy for ${objectId}: secrets ${(access.accessPolicy?.secrets ?? []).join(',')}` : `role assignments for ${objectId}: ${access.roleAssignments.map((a) => `${a.roleName ?? a.roleDefinitionId} at ${a.scope}`).join('; ')}`],
          cause: 'The grant happened after the failed mount. Kubelet backs off between retries, and Azure RBAC changes take a few minutes to reach the data plane.',
          fix: { commands: running ? [] : [deletePodCommand(ns, name)], docs: [DOCS.keyVaultRbac] },
          confidence: 'confirmed',
          ...(running ? {} : { action: { kind: 'restart-pod' as const, params: { namespace: ns ?? '', pod: name ?? '' } } }),
        }),
      );
      continue;
    }

    const caller = callerObjectId ? `object id ${callerObjectId}${callerAppId ? ` (app id ${callerAppId})` : ''}` : identity ? `client id ${identity.clientId}` : who;
    const mismatch = callerObjectId && resolved?.objectId && callerObjectId.toLowerCase() !== resolved.objectId.toLowerCase();
    const action = fieldOf(signals, 'action') ?? fieldOf(signals, 'permission');
    findings.push(
      podFinding(facts, signals, {
        id: findingId,
        severity: 'error',
        title: model === 'rbac' ? `No Key Vault data-plane role for ${who} on ${vault}` : model === 'accessPolicy' ? `No access policy for ${who} on ${vault}` : `Key Vault ${vault} denied access (403)`,
        summary: `Key Vault ${vault} refused to give ${caller} the ${objectType} ${objectName ?? ''}${action ? ` (${action})` : ''}.`.replace(' )', ')').replace('  ', ' '),
        evidence: [
          ...(properties ? [`vault ${vault}: ${properties.authModel === 'rbac' ? 'Azure RBAC' : 'access policies'}`] : []),
          ...(access ? [access.authModel === 'accessPolicy' ? `access policy for ${objectId}: ${access.accessPolicy ? `secrets ${(access.accessPolicy.secrets ?? []).join(',') || '(none)'}` : 'none'}` : `role assignments for ${objectId}: ${access.roleAssignments.length ? access.roleAssignments.map((a) => `${a.roleName ?? a.roleDefinitionId} at ${a.scope}`).join('; ') : 'none'}`] : []),
          ...(mismatch ? [`the caller (${callerObjectId}) is not the identity kvcsi expected (${resolved!.objectId}); grant the caller`] : []),
        ],
        cause:
          model === 'rbac'
            ? 'The vault uses Azure RBAC and the caller holds no role with the data action it needs (Reader/Contributor grant no data actions). New assignments take a few minutes to propagate.'
            : model === 'accessPolicy'
              ? 'The vault uses access policies and none gives the caller get on this object type. Grant the object id Key Vault printed, not the client id you expect.'
              : 'Key Vault answered 403: either no access policy / role for the caller, or a network rule.',
        fix: { commands: grantCommands(grant, model), docs: [model === 'rbac' ? DOCS.keyVaultRbac : DOCS.accessPolicy, DOCS.keyVaultErrors] },
        confidence: access ? 'confirmed' : 'likely',
        action: grantAction(grant, model),
      }),
    );
  }

  // Without a 403 in the text: the facts alone say the identity cannot read what the SPC asks for.
  for (const view of views) {
    const vault = view.spc?.vaultName;
    if (!vault || handled.has(vault.toLowerCase())) continue;
    const properties = valueOf(vaultFacts(facts, vault)?.properties) ?? undefined;
    const viewIdentity = identityFor(facts, view.spc);
    const objectId = resolvedIdentity(viewIdentity)?.objectId;
    const access = accessOf(facts, vault, objectId);
    if (!properties || !access || !objectId) continue;
    const denied = (view.spc?.objects ?? []).filter((object) => object.objectName && !canRead(access, properties, object.objectType, object.objectName));
    if (denied.length === 0) continue;
    handled.add(vault.toLowerCase());
    const first = denied[0]!;
    const grant: Grant = { vault, objectId, objectType: first.objectType || 'secret', properties, ...(viewIdentity ? { clientId: viewIdentity.clientId } : {}) };
    if (denied.length === 1) grant.objectName = first.objectName;
    const running = isRunningReady(pod);
    findings.push(
      podFinding(facts, [], {
        id: properties.authModel === 'rbac' ? 'D2' : 'D1',
        severity: running ? 'warning' : 'error',
        title: `${identityLabel(view.spc).replace(/^the /, 'The ').replace(/^(workload|identity-binding)/, (m) => m.charAt(0).toUpperCase() + m.slice(1))} cannot read ${denied.map((object) => object.objectName).join(', ')} in ${vault}`,
        summary: `${podLabel(facts)} mounts ${denied.length} object(s) that identity ${objectId} may not read in ${vault}${running ? '; the mounted content will not refresh and new pods will fail' : ''}.`,
        evidence: [
          `vault ${vault}: ${properties.authModel === 'rbac' ? 'Azure RBAC' : 'access policies'}`,
          properties.authModel === 'accessPolicy'
            ? `access policy for ${objectId}: ${access.accessPolicy ? `secrets ${(access.accessPolicy.secrets ?? []).join(',') || '(none)'}` : 'none'}`
            : `role assignments for ${objectId}: ${access.roleAssignments.length ? access.roleAssignments.map((a) => `${a.roleName ?? a.roleDefinitionId} at ${a.scope}`).join('; ') : 'none'}`,
        ],
        cause: properties.authModel === 'rbac' ? 'No role with the read data action at the vault, its parents, or the secret.' : 'No access policy with get for this identity.',
        fix: { commands: grantCommands(grant, properties.authModel), docs: [properties.authModel === 'rbac' ? DOCS.keyVaultRbac : DOCS.accessPolicy] },
        confidence: 'confirmed',
        action: grantAction(grant, properties.authModel),
      }),
    );
  }
  return findings;
};
