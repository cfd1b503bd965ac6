import type { LintRule } from '../types.js';
import { providerNameRule, requiredFieldRule, requiredParameterRule } from './document.js';
import { missingNamespaceRule, registryMismatchRule, unknownClusterRule } from './gitops.js';
import {
  duplicateFileRule,
  filePermissionRule,
  objectAliasPathRule,
  objectEncodingRule,
  objectFormatRule,
  objectNameRule,
  objectTypeRule,
  objectsYamlRule,
} from './objects.js';
import {
  booleanParameterRule,
  clientIdWithVmIdentityRule,
  cloudNameRule,
  identityModeConflictRule,
  keyvaultNameRule,
  legacyParameterRule,
  noIdentityRule,
  parameterTypeRule,
  unknownKeyRule,
  userAssignedIdIgnoredRule,
} from './parameters.js';
import {
  duplicateSecretKeyRule,
  secretObjectRequiredRule,
  secretObjectUnmountedRule,
  tlsKeyFromCertRule,
  tlsSecretKeysRule,
} from './secret-objects.js';

/** File-level: the YAML of a file that mentions SecretProviderClass does not parse. Reported by the runner. */
export const yamlSyntaxRule: LintRule = {
  id: 'yaml-syntax',
  severity: 'error',
  description: 'a file that mentions SecretProviderClass is not valid YAML (duplicate keys included)',
  check: () => [],
};

/** Every rule, in the order of the README table. */
export const LINT_RULES: readonly LintRule[] = [
  yamlSyntaxRule,
  requiredFieldRule,
  providerNameRule,
  requiredParameterRule,
  keyvaultNameRule,
  identityModeConflictRule,
  clientIdWithVmIdentityRule,
  userAssignedIdIgnoredRule,
  noIdentityRule,
  booleanParameterRule,
  parameterTypeRule,
  unknownKeyRule,
  legacyParameterRule,
  cloudNameRule,
  objectsYamlRule,
  objectNameRule,
  objectTypeRule,
  objectAliasPathRule,
  duplicateFileRule,
  objectFormatRule,
  objectEncodingRule,
  filePermissionRule,
  secretObjectRequiredRule,
  secretObjectUnmountedRule,
  tlsSecretKeysRule,
  tlsKeyFromCertRule,
  duplicateSecretKeyRule,
  registryMismatchRule,
  missingNamespaceRule,
  unknownClusterRule,
];
