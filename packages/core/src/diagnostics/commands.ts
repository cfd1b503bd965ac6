/**
 * Fix commands with the real names filled in. When an id is not known, the command resolves it in a subshell rather
 * than printing a placeholder, so it stays ready to run. Every name is shell-quoted (`sh`): names come from
 * SecretProviderClasses, events and pasted text, which anyone who can write an SPC controls.
 */
import { sh, shellQuote, rawShell } from '../shell/quote.js';

export type ObjectKind = 'secret' | 'key' | 'cert';

const ROLE_BY_KIND: Record<ObjectKind, string> = { secret: 'Key Vault Secrets User', key: 'Key Vault Crypto User', cert: 'Key Vault Certificate User' };
const POLICY_FLAG_BY_KIND: Record<ObjectKind, string> = { secret: '--secret-permissions', key: '--key-permissions', cert: '--certificate-permissions' };

export function objectKind(objectType: string | undefined): ObjectKind {
  return objectType === 'key' || objectType === 'cert' ? objectType : 'secret';
}

export function roleFor(kind: ObjectKind): string {
  return ROLE_BY_KIND[kind];
}

/** The object id, or a subshell that resolves it from the client id. */
export function objectIdExpression(identity: { objectId?: string; clientId?: string }): string {
  if (identity.objectId) return identity.objectId;
  if (identity.clientId) return sh`$(az ad sp show --id ${identity.clientId} --query id -o tsv)`;
  return '$(az aks show -g <resource-group> -n <cluster> --query identityProfile.kubeletidentity.objectId -o tsv)';
}

/** The vault's ARM id, or a subshell that looks it up. */
export function vaultIdExpression(vault: { name: string; id?: string }): string {
  return vault.id ?? sh`$(az keyvault show --name ${vault.name} --query id -o tsv)`;
}

/** One word as shellQuote makes it: plain characters, single-quoted runs and \' (what shellQuote produces). */
const QUOTED_WORD = String.raw`(?:[A-Za-z0-9@%+=:,./_-]|'[^']*'|\')+`;
/**
 * The subshells objectIdExpression and vaultIdExpression build, matched exactly: whatever produced such a text, all
 * it runs is that az command with one quoted argument, so it goes into a command unquoted (its output is an id).
 */
const OUR_SUBSHELLS = [
  new RegExp(String.raw`^\$\(az ad sp show --id ${QUOTED_WORD} --query id -o tsv\)$`),
  new RegExp(String.raw`^\$\(az keyvault show --name ${QUOTED_WORD} --query id -o tsv\)$`),
  /^\$\(az aks show -g <resource-group> -n <cluster> --query identityProfile\.kubeletidentity\.objectId -o tsv\)$/,
];

/** An id, or one of our subshells, as one shell word. */
function idWord(value: string) {
  return rawShell(OUR_SUBSHELLS.some((pattern) => pattern.test(value)) ? value : shellQuote(value));
}

export function setPolicyCommand(options: { vault: string; objectId: string; kind?: ObjectKind; withList?: boolean }): string {
  const kind = options.kind ?? 'secret';
  const permissions = options.withList === false ? 'get' : 'get list';
  return sh`az keyvault set-policy --name ${options.vault} --object-id ${idWord(options.objectId)} ${rawShell(POLICY_FLAG_BY_KIND[kind])} ${rawShell(permissions)}`;
}

export function roleAssignmentCommand(options: { scope: string; objectId: string; kind?: ObjectKind }): string {
  return sh`az role assignment create --role "${rawShell(roleFor(options.kind ?? 'secret'))}" --assignee-object-id ${idWord(options.objectId)} --assignee-principal-type ServicePrincipal --scope ${scopeWord(options.scope)}`;
}

/** A scope: an ARM id, or our vault subshell followed by /secrets/<name> (as secretScope builds it). */
function scopeWord(scope: string) {
  const match = /^(\$\(.*\))(\/(?:secrets|keys|certificates)\/.*)?$/.exec(scope);
  if (match && OUR_SUBSHELLS.some((pattern) => pattern.test(match[1]!))) return rawShell(`${match[1]!}${match[2] ? shellQuote(match[2]) : ''}`);
  return rawShell(shellQuote(scope));
}

/** The vault scope, or one secret under it. */
export function secretScope(vaultId: string, objectName?: string, kind: ObjectKind = 'secret'): string {
  if (!objectName) return vaultId;
  const collection = kind === 'key' ? 'keys' : kind === 'cert' ? 'certificates' : 'secrets';
  return `${vaultId}/${collection}/${objectName}`;
}

export function describePodCommand(namespace: string | undefined, pod: string | undefined): string {
  return sh`kubectl describe pod ${pod ?? '<pod>'} -n ${namespace ?? '<namespace>'}`;
}

export function deletePodCommand(namespace: string | undefined, pod: string | undefined): string {
  return sh`kubectl delete pod ${pod ?? '<pod>'} -n ${namespace ?? '<namespace>'}`;
}

export function providerLogsCommand(nodeName: string | undefined): string {
  const node = nodeName ? sh` --field-selector ${`spec.nodeName=${nodeName}`}` : '';
  return `kubectl get pods -A -l 'app in (csi-secrets-store-provider-azure, secrets-store-provider-azure)' -o wide${node}`;
}

/**
 * The provider log on the node, as a command that runs as printed: `kubectl logs` has no --field-selector, so the pod
 * is found first (a label selector and the node, which selects the one provider pod of the node).
 */
export function providerLogTailCommand(nodeName: string | undefined, tailLines = 100): string {
  const node = nodeName ? sh` --field-selector ${`spec.nodeName=${nodeName}`}` : '';
  return `kubectl get pods -A -l 'app in (csi-secrets-store-provider-azure, secrets-store-provider-azure)'${node} -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{"\\n"}{end}' | while read ns pod; do kubectl logs -n "$ns" "$pod" --tail=${tailLines}; done`;
}

export function driverPodsCommand(nodeName: string | undefined): string {
  const node = nodeName ? sh` --field-selector ${`spec.nodeName=${nodeName}`}` : '';
  return `kubectl get pods -A -l app=secrets-store-csi-driver -o wide${node}`;
}

export function getSpcCommand(namespace: string | undefined, name: string | undefined): string {
  return name ? sh`kubectl get secretproviderclass ${name} -n ${namespace ?? '<namespace>'} -o yaml` : sh`kubectl get secretproviderclass -n ${namespace ?? '<namespace>'} -o yaml`;
}
