/** The unit of a diagnosis: one cause, its evidence (redacted) and a fix ready to run. */
import { redactEvidence } from './redact.js';

export type Severity = 'error' | 'warning' | 'info';

/** How sure the engine is: the facts confirm it, the text says it, or it is one of several possibilities. */
export type Confidence = 'confirmed' | 'likely' | 'possible';

export type FindingActionKind = 'grant' | 'create-secret' | 'recover-secret' | 'fix-spc' | 'restart-pod' | 'fix-csidriver' | 'install-driver' | 'install-provider';

/** What a front end can offer as a button; params are names and ids, never secret values. */
export interface FindingAction {
  kind: FindingActionKind;
  params: Record<string, string>;
}

export interface Finding {
  /** Catalogue id (`A1`, `C4.2`, `D2`, …) or ours (`K1`, …). */
  id: string;
  severity: Severity;
  title: string;
  /** One sentence: what is wrong, for whom. */
  summary: string;
  /** Redacted excerpts of events, logs and facts that show it. */
  evidence: string[];
  /** Why it happens. */
  cause: string;
  fix: { commands: string[]; docs: string[] };
  action?: FindingAction;
  confidence: Confidence;
  /** A symptom rather than a cause (timeouts, "stuck"): ranked after causes. */
  generic?: boolean;
  /** The pod or SecretProviderClass the finding is about. */
  subject?: { kind: 'Pod' | 'SecretProviderClass' | 'CSIDriver' | 'Vault' | 'Secret'; namespace?: string; name: string };
  /** The volume and SecretProviderClass the evidence names, for pods with several CSI volumes. */
  volume?: { name: string; secretProviderClass?: string };
  /** An event, log or pasted text reports it (rather than cluster facts predicting it): ranked first. */
  observed?: boolean;
  /** Age of the youngest evidence (event last seen, `kubectl describe` Age), when known. */
  ageInSeconds?: number;
  /** How often the evidence was seen (event counts). */
  occurrences?: number;
  /** Something that happened before and is over now (a driver that was registering at node boot): context only. */
  earlier?: boolean;
  /** A consequence of another finding (its id): shown under that cause, kept in JSON. */
  causedBy?: string;
}

export type FindingInput = Omit<Finding, 'evidence' | 'fix' | 'confidence'> & {
  evidence?: string[];
  fix?: { commands?: string[]; docs?: string[] };
  confidence?: Confidence;
};

/** A finding with redacted, de-duplicated evidence and fix commands. */
export function finding(input: FindingInput): Finding {
  const evidence = [...new Set(redactEvidence(input.evidence ?? []).filter((line) => line !== ''))];
  const result: Finding = {
    ...input,
    evidence,
    fix: { commands: [...new Set(input.fix?.commands ?? [])], docs: [...new Set(input.fix?.docs ?? [])] },
    confidence: input.confidence ?? 'likely',
  };
  return result;
}

export const DOCS = {
  providerTroubleshooting: 'https://azure.github.io/secrets-store-csi-driver-provider-azure/docs/troubleshooting/',
  aksTroubleshooting: 'https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/extensions/troubleshoot-key-vault-csi-secrets-store-csi-driver',
  driverTroubleshooting: 'https://secrets-store-csi-driver.sigs.k8s.io/troubleshooting',
  knownLimitations: 'https://secrets-store-csi-driver.sigs.k8s.io/known-limitations',
  syncAsSecret: 'https://secrets-store-csi-driver.sigs.k8s.io/topics/sync-as-kubernetes-secret',
  rotation: 'https://secrets-store-csi-driver.sigs.k8s.io/topics/secret-auto-rotation',
  providerConfig: 'https://azure.github.io/secrets-store-csi-driver-provider-azure/docs/getting-started/usage/',
  identityAccess: 'https://learn.microsoft.com/azure/aks/csi-secrets-store-identity-access',
  workloadIdentity: 'https://learn.microsoft.com/azure/aks/workload-identity-overview',
  keyVaultErrors: 'https://learn.microsoft.com/azure/key-vault/general/rest-error-codes',
  keyVaultRbac: 'https://learn.microsoft.com/azure/key-vault/general/rbac-guide',
  accessPolicy: 'https://learn.microsoft.com/azure/key-vault/general/assign-access-policy',
  networkSecurity: 'https://learn.microsoft.com/azure/key-vault/general/network-security',
  privateLink: 'https://learn.microsoft.com/azure/key-vault/general/private-link-service',
  throttling: 'https://learn.microsoft.com/azure/key-vault/general/overview-throttling',
  softDelete: 'https://learn.microsoft.com/azure/key-vault/general/key-vault-recovery',
  aadErrors: 'https://learn.microsoft.com/entra/identity-platform/reference-error-codes',
} as const;
