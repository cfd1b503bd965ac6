/**
 * D6 / D7: the object is disabled or not found — the runbook's second case. The vault's secret *names* (never
 * values) turn "not found" into "did you mean …": a name that differs only by case, or by a character or two.
 */
import { getSpcCommand, objectKind } from '../commands.js';
import { sh } from '../../shell/quote.js';
import { editDistance } from '../../clusters/registry.js';
import { pickVaultName, podNamespace, vaultFacts, volumeViews } from '../context.js';
import { valueOf, type PodFacts } from '../facts.js';
import type { DeletedSecretInfo } from '../../ports.js';
import type { Signal } from '../signals.js';
import { DOCS, type Finding } from '../finding.js';
import { fieldOf, podFinding, signalGroups, type Analyzer } from './helpers.js';

/**
 * A missing secret may be soft-deleted: creating one with its name fails with 409 (deleted but recoverable), and a new
 * value would replace the one the app had. So: look in the deleted secrets, recover if there, create only if not.
 */
export function recoverThenCreate(vault: string, name: string, cluster?: string): string[] {
  return [
    sh`az keyvault secret show-deleted --vault-name ${vault} --name ${name} --query "{name:name, deletedDate:deletedDate, scheduledPurgeDate:scheduledPurgeDate}"`,
    sh`az keyvault secret recover --vault-name ${vault} --name ${name}   # if it is listed as deleted`,
    // kvcsi creates in the cluster's vault (-c); a name Key Vault refuses gets no create command.
    ...(KEY_VAULT_NAME.test(name) ? [sh`kvcsi secret create ${name} -c ${cluster ?? '<cluster>'}   # only if it was not deleted`] : []),
  ];
}

/** The vault's deleted secret of this name, when the collector found one (it looks only for names the vault lacks). */
function deletedSecretOf(facts: PodFacts, vault: string | undefined, name: string): DeletedSecretInfo | undefined {
  return valueOf(vaultFacts(facts, vault)?.deleted?.[name.toLowerCase()]) ?? undefined;
}

/**
 * D7 with its cause known: the secret is soft-deleted. Recovering brings back every version, so the app gets the value
 * it had and nobody types one; a new secret of that name is refused (409 ObjectIsDeletedButRecoverable) until purged.
 */
function deletedSecretFinding(facts: PodFacts, signals: Signal[], vault: string, objectName: string, deleted: DeletedSecretInfo, spcName: string | undefined): Finding {
  const until = deleted.scheduledPurgeOn ? ` until ${deleted.scheduledPurgeOn.slice(0, 10)}` : '';
  const dates = [deleted.deletedOn && `deleted ${deleted.deletedOn}`, deleted.scheduledPurgeOn && `purged at ${deleted.scheduledPurgeOn}`].filter(Boolean).join(', ');
  return podFinding(facts, signals, {
    id: 'D7',
    severity: 'error',
    title: `${deleted.name} was deleted from ${vault} — recoverable${until}`,
    summary: `${spcName ? `SecretProviderClass ${spcName}` : 'The SecretProviderClass'} asks ${vault} for secret "${objectName}", which was deleted${deleted.deletedOn ? ` at ${deleted.deletedOn}` : ''} and is soft-deleted: recovering it brings back its value.`,
    evidence: [`${vault} lists ${deleted.name} under deleted secrets${dates ? ` (${dates})` : ''}`],
    cause: 'The secret was deleted. Key Vault keeps a deleted secret for the retention period: a recover brings back every version, and until it is purged the name cannot be reused.',
    fix: {
      commands: [
        sh`az keyvault secret recover --vault-name ${vault} --name ${deleted.name}`,
        sh`kvcsi secret recover ${deleted.name} -c ${facts.target.cluster ?? '<cluster>'}`,
      ],
      docs: [DOCS.softDelete, DOCS.keyVaultErrors],
    },
    confidence: 'confirmed',
    action: { kind: 'recover-secret', params: { vault, name: deleted.name } },
  });
}

/** Key Vault object names: 1-127 letters, digits and dashes. */
const KEY_VAULT_NAME = /^[0-9A-Za-z-]{1,127}$/;

/** Names in the vault close to the one asked for: same name but for case first, then small edit distance. */
export function closestNames(wanted: string, names: readonly string[]): string[] {
  const lower = wanted.toLowerCase();
  const sameButCase = names.filter((name) => name !== wanted && name.toLowerCase() === lower);
  const normalise = (name: string) => name.toLowerCase().replace(/[_.\s]/g, '-');
  const near = names
    .filter((name) => name.toLowerCase() !== lower)
    .map((name) => ({ name, distance: Math.min(editDistance(lower, name.toLowerCase()), normalise(name) === normalise(wanted) ? 0 : Infinity) }))
    .filter((candidate) => candidate.distance <= Math.max(1, Math.min(3, Math.floor(wanted.length / 4))))
    .sort((a, b) => a.distance - b.distance)
    .map((candidate) => candidate.name);
  return [...sameButCase, ...near].slice(0, 3);
}

export const analyzeVaultObject: Analyzer = (facts: PodFacts): Finding[] => {
  const findings: Finding[] = [];
  const ns = podNamespace(facts);
  const views = volumeViews(facts).filter((view) => view.spc);
  const spc = views[0]?.spc;
  const reported = new Set<string>();

  for (const { id, signals } of signalGroups(facts, ['D7', 'D6'])) {
    for (const signal of signals) {
      const objectName = signal.fields.objectName ?? '';
      const vault = pickVaultName(facts, signal.fields.vault);
      const key = `${id}/${vault ?? ''}/${objectName}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const secrets = valueOf(vaultFacts(facts, vault)?.secrets);
      const names = (secrets ?? []).map((secret) => secret.name);
      if (id === 'D6') {
        findings.push(
          podFinding(facts, [signal], {
            id: 'D6',
            severity: 'error',
            title: `Secret ${objectName} in ${vault ?? 'the vault'} is disabled`,
            summary: `The pinned or latest version of ${objectName} is disabled in ${vault ?? 'the vault'}.`,
            cause: 'Key Vault refuses get on a disabled secret version.',
            fix: { commands: [sh`az keyvault secret set-attributes --vault-name ${vault ?? '<vault>'} --name ${objectName} --enabled true`], docs: [DOCS.keyVaultErrors] },
          }),
        );
        continue;
      }
      const present = secrets?.find((secret) => secret.name.toLowerCase() === objectName.toLowerCase());
      const deleted = present ? undefined : deletedSecretOf(facts, vault, objectName);
      if (vault && deleted) {
        findings.push(deletedSecretFinding(facts, [signal], vault, objectName, deleted, spc?.name));
        continue;
      }
      const suggestions = closestNames(objectName, names);
      const version = fieldOf([signal], 'objectVersion');
      const exists = present !== undefined;
      findings.push(
        podFinding(facts, [signal], {
          id: 'D7',
          severity: exists ? 'warning' : 'error',
          title: exists ? `${objectName} exists in ${vault} now${version ? `; version ${version} may not` : ''}` : `${objectName} not found in ${vault ?? 'the vault'}${suggestions[0] ? ` — did you mean "${suggestions[0]}"?` : ''}`,
          summary: exists
            ? `Key Vault answered 404 for ${objectName}, but the vault lists it now: it was created or recovered after the failure, or the pinned version is wrong.`
            : `The SecretProviderClass asks ${vault ?? 'the vault'} for ${signal.fields.objectType ?? 'secret'} "${objectName}", which does not exist${suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?` : '.'}`,
          evidence: secrets ? [`${vault} has ${names.length} secrets${suggestions.length ? `, closest: ${suggestions.join(', ')}` : ''}`] : [],
          cause: exists
            ? 'Kubelet retries the mount with back-off; a wrong objectVersion keeps failing.'
            : 'Wrong objectName (Key Vault names allow only letters, digits and dashes), wrong vault, wrong objectType (a certificate fetched as a secret-only object or vice versa), or the secret was deleted (soft-deleted secrets can be recovered).',
          fix: {
            commands: exists
              ? [getSpcCommand(ns, spc?.name)]
              : [
                  sh`az keyvault secret list --vault-name ${vault ?? '<vault>'} --query "[].name" -o tsv`,
                  ...(suggestions[0] ? [sh`kubectl edit secretproviderclass ${spc?.name ?? '<spc>'} -n ${ns ?? '<namespace>'}   # objectName: ${suggestions[0]}`] : recoverThenCreate(vault ?? '<vault>', objectName, facts.target.cluster)),
                ],
            docs: [DOCS.keyVaultErrors, DOCS.softDelete],
          },
          confidence: secrets ? 'confirmed' : 'likely',
          ...(exists ? {} : suggestions[0] ? { action: { kind: 'fix-spc' as const, params: { namespace: ns ?? '', name: spc?.name ?? '', objectName, suggestion: suggestions[0] } } } : { action: { kind: 'create-secret' as const, params: { vault: vault ?? '', name: objectName } } }),
        }),
      );
    }
  }

  // From the facts alone: SPC objects of type secret the vault does not list (predicts D7).
  for (const view of views) {
    const vault = view.spc?.vaultName;
    const secrets = valueOf(vaultFacts(facts, vault)?.secrets);
    if (!vault || !secrets) continue;
    const names = secrets.map((secret) => secret.name);
    for (const object of view.spc?.objects ?? []) {
      if (!object.objectName || objectKind(object.objectType) !== 'secret' || object.objectType !== 'secret') continue;
      const key = `D7/${vault}/${object.objectName}`;
      if ([...reported].some((entry) => entry.toLowerCase() === key.toLowerCase())) continue;
      // Key Vault names are case-insensitive: a case-only difference is found by the provider.
      if (names.some((name) => name.toLowerCase() === object.objectName.toLowerCase())) continue;
      reported.add(key);
      const deleted = deletedSecretOf(facts, vault, object.objectName);
      if (deleted) {
        findings.push(deletedSecretFinding(facts, [], vault, object.objectName, deleted, view.spc?.name));
        continue;
      }
      const suggestions = closestNames(object.objectName, names);
      findings.push(
        podFinding(facts, [], {
          id: 'D7',
          severity: 'error',
          title: `${object.objectName} not found in ${vault}${suggestions[0] ? ` — did you mean "${suggestions[0]}"?` : ''}`,
          summary: `SecretProviderClass ${view.spc!.name} asks ${vault} for secret "${object.objectName}", which the vault does not list${suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?` : '.'}`,
          evidence: [`${vault} lists ${names.length} secrets${suggestions.length ? `, closest: ${suggestions.join(', ')}` : ''}`],
          cause: 'A typo in objectName, the wrong vault, or the secret has not been created (or was deleted).',
          fix: {
            commands: suggestions[0]
              ? [sh`kubectl edit secretproviderclass ${view.spc!.name} -n ${ns ?? '<namespace>'}   # objectName: ${suggestions[0]}`]
              : recoverThenCreate(vault, object.objectName, facts.target.cluster),
            docs: [DOCS.keyVaultErrors],
          },
          confidence: 'confirmed',
          action: suggestions[0]
            ? { kind: 'fix-spc', params: { namespace: ns ?? '', name: view.spc!.name, objectName: object.objectName, suggestion: suggestions[0] } }
            : { kind: 'create-secret', params: { vault, name: object.objectName } },
        }),
      );
    }
  }
  return findings;
};
