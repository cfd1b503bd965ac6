import { analyzeClusterAccess } from './cluster-access.js';
import { analyzeContent } from './content.js';
import type { Analyzer } from './helpers.js';
import { analyzeIdentity } from './identity.js';
import { analyzePlumbing } from './plumbing.js';
import { analyzePodStuck } from './pod-stuck.js';
import { analyzeProviderConfig } from './provider-config.js';
import { analyzeRotation } from './rotation.js';
import { analyzeSecretSync } from './secret-sync.js';
import { analyzeSilent } from './silent.js';
import { analyzeVaultAccess } from './vault-access.js';
import { analyzeVaultNetwork } from './vault-network.js';
import { analyzeVaultObject } from './vault-object.js';

export type { Analyzer } from './helpers.js';
export { analyzeApp } from './app.js';
export { analyzeAppClusterAccess, analyzeClusterAccess } from './cluster-access.js';
export { closestNames } from './vault-object.js';
export { referencedSecrets } from './secret-sync.js';
export {
  analyzeContent, analyzeIdentity, analyzePlumbing, analyzePodStuck, analyzeProviderConfig, analyzeRotation,
  analyzeSecretSync, analyzeSilent, analyzeVaultAccess, analyzeVaultNetwork, analyzeVaultObject,
};

/** The analyzers `diagnose` and `explain` run, by family. Compose your own list to add or drop one. */
export const DEFAULT_ANALYZERS: readonly { name: string; analyze: Analyzer }[] = [
  { name: 'plumbing (A)', analyze: analyzePlumbing },
  { name: 'provider configuration (B)', analyze: analyzeProviderConfig },
  { name: 'identity (C)', analyze: analyzeIdentity },
  { name: 'vault access (D1, D2, D5)', analyze: analyzeVaultAccess },
  { name: 'vault objects (D6, D7)', analyze: analyzeVaultObject },
  { name: 'vault network and service (D3, D4, D8–D11)', analyze: analyzeVaultNetwork },
  { name: 'content (E)', analyze: analyzeContent },
  { name: 'secret sync (F, K2, K3)', analyze: analyzeSecretSync },
  { name: 'rotation (G)', analyze: analyzeRotation },
  { name: 'silent checks (§6)', analyze: analyzeSilent },
  { name: 'pod stuck in ContainerCreating (K1)', analyze: analyzePodStuck },
  { name: 'kvcsi cannot read the cluster (K18)', analyze: analyzeClusterAccess },
];
