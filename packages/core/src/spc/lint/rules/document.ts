import { SPC_PROVIDER } from '../../model.js';
import { parameterValue } from '../../parse.js';
import { parameterText, tenantParameter } from '../helpers.js';
import type { LintRule, RuleFinding } from '../types.js';

export const requiredFieldRule: LintRule = {
  id: 'required-field',
  severity: 'error',
  description: 'metadata.name or spec.provider is missing',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    if (!spc.name || spc.name.value.trim() === '') {
      findings.push({ line: spc.metadataLine, message: 'metadata.name is missing', fix: 'Name the SecretProviderClass; pods refer to it in volumeAttributes.secretProviderClass.' });
    }
    if (!spc.provider || spc.provider.value === '') {
      findings.push({ line: spc.specLine, message: 'spec.provider is missing: the driver fails with "provider not set"', fix: 'Add `provider: azure` under spec.' });
    }
    return findings;
  },
};

export const providerNameRule: LintRule = {
  id: 'provider-name',
  severity: 'error',
  description: 'spec.provider is not exactly `azure` (the driver looks for `<provider>.sock`, case-sensitive)',
  check({ spc }) {
    const provider = spc.provider;
    if (!provider || provider.value === '' || provider.value === SPC_PROVIDER) return [];
    return [{ line: provider.line, message: `spec.provider is ${JSON.stringify(provider.value)}: the driver looks for the socket "${provider.value}.sock" and fails with "provider not found"`, fix: 'Write `provider: azure` (lower-case).' }];
  },
};

export const requiredParameterRule: LintRule = {
  id: 'required-parameter',
  severity: 'error',
  description: 'spec.parameters, `keyvaultName`, `tenantId`/`tenantID` or `objects` missing or empty',
  check({ spc }) {
    if (spc.parametersLine === undefined) {
      return [{ line: spc.specLine, message: 'spec.parameters is missing: the driver fails with "parameters not set"', fix: 'Add spec.parameters with keyvaultName, tenantId and objects.' }];
    }
    const findings: RuleFinding[] = [];
    const line = spc.parametersLine;
    if (parameterText(spc, 'keyvaultName') === undefined) {
      findings.push({ line: parameterValue(spc, 'keyvaultName')?.line ?? line, message: 'keyvaultName is missing or empty: the provider fails with "keyvaultName is not provided"', fix: 'Set keyvaultName to the bare vault name, e.g. `keyvaultName: kv-myapp-prd`.' });
    }
    if (!tenantParameter(spc)) {
      findings.push({ line: (parameterValue(spc, 'tenantId') ?? parameterValue(spc, 'tenantID'))?.line ?? line, message: 'tenantId is missing or empty: the provider fails with "tenantId is not provided", even for managed identity', fix: 'Set `tenantId: <Entra tenant GUID>`.' });
    }
    const objects = parameterValue(spc, 'objects');
    if (!objects || (objects.kind === 'null')) {
      findings.push({ line: objects?.line ?? line, message: 'objects is missing: the provider fails with "objects is not set"', fix: 'Add `objects: |` with an `array:` of the Key Vault objects to mount.' });
    }
    return findings;
  },
};
