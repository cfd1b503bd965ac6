import {
  AZURE_PARAMETER_KEYS,
  BOOLEAN_PARAMETER_KEYS,
  CLOUD_NAMES,
  IDENTITY_FLAG_KEYS,
  LEGACY_PARAMETER_KEYS,
  OBJECT_FIELDS,
  SECRET_OBJECT_DATA_FIELDS,
  SECRET_OBJECT_FIELDS,
} from '../../model.js';
import { parameterValue } from '../../parse.js';
import { didYouMean, flagEnabled, parameterText, parseGoBool, quote } from '../helpers.js';
import type { LintRule, RuleFinding } from '../types.js';

const KEY_VAULT_NAME_STRICT = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

export const keyvaultNameRule: LintRule = {
  id: 'keyvault-name',
  severity: 'error',
  description: '`keyvaultName` given as a URL/FQDN, or not 3–24 of `[-a-zA-Z0-9]` (starting with a letter, no `--`)',
  check({ spc }) {
    const parameter = parameterValue(spc, 'keyvaultName');
    const name = parameterText(spc, 'keyvaultName');
    if (!parameter || name === undefined) return [];
    const fix = 'Use the bare vault name (3-24 letters, digits and dashes), e.g. `kv-myapp-prd`, not https://kv-myapp-prd.vault.azure.net/.';
    if (/^[a-z]+:\/\//i.test(name) || name.includes('.') || name.includes('/')) {
      return [{ line: parameter.line, message: `keyvaultName ${quote(name)} is a URL or host name; the provider builds the URL itself and fails with "Invalid vault name"`, fix }];
    }
    if (name.length < 3 || name.length > 24) {
      return [{ line: parameter.line, message: `keyvaultName ${quote(name)} has ${name.length} characters; it must have 3-24`, fix }];
    }
    if (!KEY_VAULT_NAME_STRICT.test(name)) {
      return [{ line: parameter.line, message: `keyvaultName ${quote(name)} is not a Key Vault name (letters, digits and dashes, starting with a letter, ending with a letter or digit, no "--")`, fix }];
    }
    return [];
  },
};

export const identityModeConflictRule: LintRule = {
  id: 'identity-mode-conflict',
  severity: 'error',
  description: 'more than one of `usePodIdentity`, `useVMManagedIdentity`, `useAzureTokenProxy` is true',
  check({ spc }) {
    const enabled = IDENTITY_FLAG_KEYS.filter((key) => flagEnabled(spc, key));
    if (enabled.length <= 1) return [];
    const line = parameterValue(spc, enabled[1]!)!.line;
    return [{ line, message: `${enabled.join(' and ')} are all true: the provider fails with "only one identity mode can be enabled at a time"`, fix: 'Keep one identity mode: set the others to "false" (kvcsi clusters use useVMManagedIdentity or workload identity via clientID).' }];
  },
};

export const clientIdWithVmIdentityRule: LintRule = {
  id: 'client-id-with-vm-identity',
  severity: 'warning',
  description: '`clientID` together with `useVMManagedIdentity` (or `usePodIdentity`): `clientID` is silently ignored',
  check({ spc }) {
    const clientId = parameterValue(spc, 'clientID');
    if (!clientId || clientId.value.trim() === '') return [];
    const mode = ['useVMManagedIdentity', 'usePodIdentity'].find((key) => flagEnabled(spc, key));
    if (!mode) return [];
    return [{ line: clientId.line, message: `clientID is set but ${mode} is "true": the provider ignores clientID and uses the ${mode === 'usePodIdentity' ? 'pod' : 'VM managed'} identity`, fix: mode === 'useVMManagedIdentity' ? 'For the VM identity put the client ID in userAssignedIdentityID and drop clientID; for workload identity set useVMManagedIdentity: "false".' : 'Drop clientID or disable usePodIdentity.' }];
  },
};

export const userAssignedIdIgnoredRule: LintRule = {
  id: 'user-assigned-id-ignored',
  severity: 'warning',
  description: '`userAssignedIdentityID` without `useVMManagedIdentity: "true"` (it is ignored)',
  check({ spc }) {
    const id = parameterValue(spc, 'userAssignedIdentityID');
    if (!id || id.value.trim() === '' || flagEnabled(spc, 'useVMManagedIdentity')) return [];
    return [{ line: id.line, message: 'userAssignedIdentityID is set but useVMManagedIdentity is not "true": the provider ignores it', fix: 'Set `useVMManagedIdentity: "true"` to use the node identity, or remove userAssignedIdentityID.' }];
  },
};

export const noIdentityRule: LintRule = {
  id: 'no-identity',
  severity: 'warning',
  description: 'no identity flag and no `clientID`: the provider falls back to a service principal in `nodePublishSecretRef`',
  check({ spc }) {
    if (spc.parametersLine === undefined) return [];
    if (IDENTITY_FLAG_KEYS.some((key) => flagEnabled(spc, key)) || parameterText(spc, 'clientID') !== undefined) return [];
    return [{ line: spc.parametersLine, message: 'no identity mode is set: the provider falls back to service-principal mode and the mount fails with "nodePublishSecretRef secret is not set" unless the pod passes one', fix: 'Set `useVMManagedIdentity: "true"` and `userAssignedIdentityID: <kubelet identity client ID>`, or `clientID: <workload identity client ID>`.' }];
  },
};

export const booleanParameterRule: LintRule = {
  id: 'boolean-parameter',
  severity: 'error',
  description: '`usePodIdentity`/`useVMManagedIdentity`/`useAzureTokenProxy` not the quoted string `"true"` or `"false"`',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    for (const parameter of spc.parameters) {
      if (!BOOLEAN_PARAMETER_KEYS.includes(parameter.key)) continue;
      const fix = `Write \`${parameter.key}: "true"\` or \`${parameter.key}: "false"\` (quoted).`;
      if (parameter.kind !== 'string') {
        findings.push({ line: parameter.line, message: `${parameter.key} is an unquoted ${parameter.kind}; spec.parameters values must be strings, so Kubernetes rejects the object`, fix });
      } else if (parameter.value !== 'true' && parameter.value !== 'false') {
        const accepted = parseGoBool(parameter.value) !== undefined;
        findings.push({
          line: parameter.line,
          message: accepted
            ? `${parameter.key} is ${quote(parameter.value)}; the provider accepts it but the convention is "true" or "false"`
            : `${parameter.key} is ${quote(parameter.value)}: the provider fails with "failed to parse ${parameter.key} flag … invalid syntax"`,
          fix,
        });
      }
    }
    return findings;
  },
};

export const parameterTypeRule: LintRule = {
  id: 'parameter-type',
  severity: 'error',
  description: 'a `spec.parameters` value that is not a string (unquoted number, null, map or list)',
  check({ spc }) {
    return spc.parameters
      .filter((parameter) => !BOOLEAN_PARAMETER_KEYS.includes(parameter.key) && parameter.kind !== 'string' && !(parameter.key === 'objects' && parameter.kind === 'null'))
      .map((parameter) => ({
        line: parameter.line,
        message: `${parameter.key} is ${parameter.kind === 'null' ? 'empty (null)' : `a ${parameter.kind}`}; spec.parameters values must be strings, so Kubernetes rejects the object`,
        fix: parameter.key === 'objects' ? 'Write `objects: |` followed by the indented `array:` text.' : `Quote the value: \`${parameter.key}: "…"\`.`,
      }));
  },
};

export const legacyParameterRule: LintRule = {
  id: 'legacy-parameter',
  severity: 'warning',
  description: '`resourceGroup`/`subscriptionId`: legacy parameters the provider ignores',
  check({ spc }) {
    return spc.parameters
      .filter((parameter) => (LEGACY_PARAMETER_KEYS as readonly string[]).includes(parameter.key))
      .map((parameter) => ({ line: parameter.line, message: `${parameter.key} is ignored by every provider since 0.0.4`, fix: `Remove ${parameter.key}.` }));
  },
};

export const cloudNameRule: LintRule = {
  id: 'cloud-name',
  severity: 'error',
  description: '`cloudName` not a known Azure cloud, or AzureStackCloud without `cloudEnvFileName`',
  check({ spc }) {
    const parameter = parameterValue(spc, 'cloudName');
    const name = parameterText(spc, 'cloudName');
    if (!parameter || name === undefined) return [];
    const known = CLOUD_NAMES.find((cloud) => cloud.toLowerCase() === name.toLowerCase());
    if (!known) {
      return [{ line: parameter.line, message: `cloudName ${quote(name)} is not a known cloud: the provider fails with "cloudName … is not valid"`, fix: `Use one of ${CLOUD_NAMES.join(', ')} (or leave it empty for AzurePublicCloud).` }];
    }
    if (known === 'AzureStackCloud' && parameterText(spc, 'cloudEnvFileName') === undefined) {
      return [{ line: parameter.line, message: 'cloudName AzureStackCloud needs cloudEnvFileName (the environment file mounted into the provider pod)', fix: 'Set cloudEnvFileName to the path of the Azure Stack environment JSON in the provider pod.' }];
    }
    return [];
  },
};

function unknownKeyFinding(key: string, line: number, where: string, known: readonly string[], consequence: string): RuleFinding {
  const suggestion = didYouMean(key, known);
  return {
    line,
    message: `unknown ${where} key ${quote(key)}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: ${consequence}`,
    fix: suggestion ? `Rename ${quote(key)} to "${suggestion}" (keys are case-sensitive).` : `Remove ${quote(key)}; known keys: ${known.join(', ')}.`,
  };
}

export const unknownKeyRule: LintRule = {
  id: 'unknown-key',
  severity: 'error',
  description: 'unknown or misspelled key in `parameters`, an `objects` entry (e.g. `objectname`) or `secretObjects`, with "did you mean"',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    for (const parameter of spc.parameters) {
      if (!(AZURE_PARAMETER_KEYS as readonly string[]).includes(parameter.key)) {
        findings.push(unknownKeyFinding(parameter.key, parameter.line, 'parameter', AZURE_PARAMETER_KEYS, 'the provider ignores it'));
      }
    }
    for (const entry of spc.objects?.entries ?? []) {
      for (const field of entry.fields) {
        if (!(OBJECT_FIELDS as readonly string[]).includes(field.key)) {
          findings.push(unknownKeyFinding(field.key, field.line, 'objects', OBJECT_FIELDS, 'the provider silently ignores it, so the field it was meant to set stays empty'));
        }
      }
    }
    for (const secretObject of spc.secretObjects) {
      for (const field of secretObject.fields) {
        if (!(SECRET_OBJECT_FIELDS as readonly string[]).includes(field.key)) {
          findings.push(unknownKeyFinding(field.key, field.line, 'secretObjects', SECRET_OBJECT_FIELDS, 'Kubernetes drops or rejects it'));
        }
      }
      for (const item of secretObject.data ?? []) {
        for (const field of item.fields) {
          if (!(SECRET_OBJECT_DATA_FIELDS as readonly string[]).includes(field.key)) {
            findings.push(unknownKeyFinding(field.key, field.line, 'secretObjects.data', SECRET_OBJECT_DATA_FIELDS, 'Kubernetes drops or rejects it'));
          }
        }
      }
    }
    return findings;
  },
};
