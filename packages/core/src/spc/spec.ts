import type { Cluster } from '../clusters/registry.js';
import { KvcsiError } from '../errors.js';
import { TLS_SECRET_TYPE, objectFileName, type SecretObject } from './model.js';
import { checkDnsSubdomain, checkKeyVaultObjectName, checkMountedFilePath } from './names.js';
import type { BindingObject, BindingSpec, IdentityMode } from './render.js';

/** The `kvcsi render` flags, as strings, before validation. */
export interface BindingInputs {
  app: string;
  namespace: string;
  cluster: Cluster;
  /** `--secret name[=alias]`, repeatable. */
  secrets?: readonly string[];
  /** `--cert name[=alias]`, repeatable. */
  certs?: readonly string[];
  /**
   * `--sync-to <k8s-secret>[=<file>[,<file>…]]`, repeatable. Without `=`, the Secret gets every `--secret`
   * object not named by another `--sync-to`; keys are the file names (alias, else name).
   */
  syncTo?: readonly string[];
  /** `--tls <cert-name>[=<k8s-secret>]`: the cert as `<name>.crt`, its private key as `<name>.key`, a kubernetes.io/tls Secret. */
  tls?: readonly string[];
  workloadIdentity?: boolean;
  spcName?: string;
  identityClientId?: string;
}

function invalid(field: string, value: string, rule: string): never {
  throw new KvcsiError('INVALID_INPUT', `${field} ${JSON.stringify(value)}: ${rule}`, { field, rule });
}

/** `name[=value]` → [name, value]. */
function splitAssignment(input: string): [string, string | undefined] {
  const equals = input.indexOf('=');
  return equals < 0 ? [input, undefined] : [input.slice(0, equals), input.slice(equals + 1)];
}

function parseObjectFlag(flag: '--secret' | '--cert', input: string): BindingObject {
  const [name, alias] = splitAssignment(input);
  const nameRule = checkKeyVaultObjectName(name);
  if (nameRule) invalid(flag, input, `the Key Vault object name ${nameRule}`);
  if (alias !== undefined) {
    const aliasRule = checkMountedFilePath(alias);
    if (aliasRule) invalid(flag, input, `the alias (file name) ${aliasRule}`);
  }
  const object: BindingObject = { name, type: flag === '--secret' ? 'secret' : 'cert' };
  if (alias !== undefined) object.alias = alias;
  return object;
}

function fileOf(object: BindingObject): string {
  return objectFileName({ objectName: object.name, objectAlias: object.alias });
}

function tlsBinding(input: string): { objects: BindingObject[]; secretObject: SecretObject } {
  const [certName, secretName = `${certName}-tls`] = splitAssignment(input);
  const nameRule = checkKeyVaultObjectName(certName);
  if (nameRule) invalid('--tls', input, `the certificate name ${nameRule}`);
  const secretRule = checkDnsSubdomain(secretName);
  if (secretRule) invalid('--tls', input, `the Kubernetes Secret name ${secretRule}`);
  // The cert object holds only the certificate; the secret of the same name holds the private key (+ chain).
  const crt: BindingObject = { name: certName, type: 'cert', alias: `${certName}.crt` };
  const key: BindingObject = { name: certName, type: 'secret', alias: `${certName}.key` };
  return {
    objects: [crt, key],
    secretObject: {
      secretName,
      type: TLS_SECRET_TYPE,
      data: [
        { objectName: fileOf(crt), key: 'tls.crt' },
        { objectName: fileOf(key), key: 'tls.key' },
      ],
    },
  };
}

function syncSecrets(syncTo: readonly string[], secrets: readonly BindingObject[]): SecretObject[] {
  const byFileOrName = new Map<string, BindingObject>();
  for (const object of secrets) {
    byFileOrName.set(object.name, object);
    byFileOrName.set(fileOf(object), object);
  }
  const assigned = new Set<BindingObject>();
  const explicit = syncTo.map(splitAssignment).map(([secretName, list]) => {
    const secretRule = checkDnsSubdomain(secretName);
    if (secretRule) invalid('--sync-to', secretName, `the Kubernetes Secret name ${secretRule}`);
    if (list === undefined) return { secretName, objects: undefined };
    const objects = list.split(',').map((entry) => {
      const object = byFileOrName.get(entry);
      if (!object) invalid('--sync-to', `${secretName}=${list}`, `"${entry}" is not the name or alias of a --secret`);
      assigned.add(object);
      return object;
    });
    return { secretName, objects };
  });
  return explicit.map(({ secretName, objects }) => {
    const chosen = objects ?? secrets.filter((object) => !assigned.has(object));
    if (chosen.length === 0) invalid('--sync-to', secretName, 'has no --secret left to sync');
    return { secretName, type: 'Opaque', data: chosen.map((object) => ({ objectName: fileOf(object), key: fileOf(object) })) };
  });
}

/** Builds a binding spec from `kvcsi render` flags. Throws INVALID_INPUT naming the flag and the rule. */
export function bindingSpecFromInputs(inputs: BindingInputs): BindingSpec {
  const secrets = (inputs.secrets ?? []).map((input) => parseObjectFlag('--secret', input));
  const certs = (inputs.certs ?? []).map((input) => parseObjectFlag('--cert', input));
  const tls = (inputs.tls ?? []).map(tlsBinding);
  const objects = [...secrets, ...certs, ...tls.flatMap((binding) => binding.objects)];
  if (objects.length === 0) {
    throw new KvcsiError('INVALID_INPUT', 'Nothing to mount: give at least one --secret, --cert or --tls.', { field: '--secret', rule: 'at least one object is required' });
  }
  const secretObjects = [...syncSecrets(inputs.syncTo ?? [], secrets), ...tls.map((binding) => binding.secretObject)];
  const identityMode: IdentityMode = inputs.workloadIdentity ? 'workloadIdentity' : inputs.cluster.identityMode;
  const spec: BindingSpec = { app: inputs.app, namespace: inputs.namespace, cluster: inputs.cluster, objects, identityMode };
  if (secretObjects.length > 0) spec.secretObjects = secretObjects;
  if (inputs.spcName !== undefined) spec.spcName = inputs.spcName;
  if (inputs.identityClientId !== undefined) spec.identityClientId = inputs.identityClientId;
  return spec;
}
