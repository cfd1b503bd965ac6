import { KvcsiError, type AzureCloud } from '@kvcsi/core';

/** Where a cloud's services live. */
export interface AzureEndpoints {
  /** Azure Resource Manager, e.g. `https://management.azure.com`. */
  resourceManager: string;
  /** Key Vault DNS suffix, e.g. `vault.azure.net`. */
  keyVaultSuffix: string;
  /** Entra ID authority host, e.g. `https://login.microsoftonline.com`. */
  authorityHost: string;
}

const KNOWN: Partial<Record<AzureCloud, AzureEndpoints>> = {
  AzurePublicCloud: { resourceManager: 'https://management.azure.com', keyVaultSuffix: 'vault.azure.net', authorityHost: 'https://login.microsoftonline.com' },
  AzureUSGovernmentCloud: { resourceManager: 'https://management.usgovcloudapi.net', keyVaultSuffix: 'vault.usgovcloudapi.net', authorityHost: 'https://login.microsoftonline.us' },
  AzureChinaCloud: { resourceManager: 'https://management.chinacloudapi.cn', keyVaultSuffix: 'vault.azure.cn', authorityHost: 'https://login.chinacloudapi.cn' },
  AzureGermanCloud: { resourceManager: 'https://management.microsoftazure.de', keyVaultSuffix: 'vault.microsoftazure.de', authorityHost: 'https://login.microsoftonline.de' },
};

/** The endpoints of a cloud; Azure Stack has no fixed endpoints, so it needs `overrides` for all three. */
export function endpointsFor(cloud: AzureCloud, overrides: Partial<AzureEndpoints> = {}): AzureEndpoints {
  const base = KNOWN[cloud];
  const merged = { ...base, ...overrides };
  if (merged.resourceManager === undefined || merged.keyVaultSuffix === undefined || merged.authorityHost === undefined) {
    throw new KvcsiError('CONFIG_INVALID', `cloud ${cloud} has no built-in endpoints: pass endpoints.resourceManager, endpoints.keyVaultSuffix and endpoints.authorityHost`, {
      field: 'endpoints',
    });
  }
  return { resourceManager: merged.resourceManager.replace(/\/+$/, ''), keyVaultSuffix: merged.keyVaultSuffix, authorityHost: merged.authorityHost.replace(/\/+$/, '') };
}

/** `https://<vault>.<suffix>` — the data-plane URL needs only the vault's name. */
export function vaultUrl(vaultName: string, endpoints: AzureEndpoints): string {
  return `https://${vaultName.toLowerCase()}.${endpoints.keyVaultSuffix}`;
}
