import { explain, formatReport, groupByCause, type Finding } from '@kvcsi/core';
import { loadCorpus } from './corpus/corpus';

// Regressions for issue 15, each from a real text of the corpus (test/src/corpus, with its source URL), or, where no
// public paste exists, from the upstream source's own format string (cited beside the test).
const corpus = loadCorpus();
const text = (id: string): string => {
  const entry = corpus.find((candidate) => candidate.id === id);
  if (!entry) throw new Error(`no corpus entry ${id}`);
  return entry.text;
};
const first = (input: string): Finding => {
  const finding = explain(input).findings[0];
  if (!finding) throw new Error('no finding');
  return finding;
};

describe('Entra ID and SDK wording the engine used to miss', () => {
  it('AADSTS700213 (workload identity subject mismatch), even cut mid-word, is a federated-credential error', () => {
    expect(first(text('wi-aadsts700213-cut'))).toMatchObject({ id: 'C4.2', severity: 'error' });
  });

  it('adal "Failed to refresh the Token" with IMDS "Identity not found", escaped in a klog err=, is C3', () => {
    expect(first(text('imds-identity-not-found-adal-klog')).id).toBe('C3');
  });

  it('"Status=0 --Original Error: context cancelled" (retyped) and "StatusCode=0 … context deadline exceeded" are no answer from Key Vault, not a mount timeout', () => {
    expect(first(text('d10-status0-cancelled-stack-hub')).id).toBe('D10.4');
    expect(first(text('d10-status0-deadline-windows-title')).id).toBe('D10.4');
  });

  it('an AD FS token endpoint (MSIS9602) is named as AD FS', () => {
    expect(first(text('adfs-stack-hub-invalid-resource')).id).toBe('C9');
  });

  it('TLS interception and proxies have their own findings', () => {
    expect(first(text('d10-tls-unknown-authority-msal')).id).toBe('D10.1');
    expect(first(text('d10-tls-name-mismatch-privatelink')).title).toMatch(/certificate is not valid for .*privatelink/);
    expect(first(text('d10-proxy-connection-reset-python')).id).toBe('D10.2');
  });
});

describe('429: IMDS, Entra ID and Key Vault are three different limits', () => {
  it('a 429 from IMDS is C7 and one from Entra ID is C8; neither is called Key Vault throttling', () => {
    const imds = explain(text('imds-429-azure-identity')).findings.map((finding) => finding.id);
    const entra = explain(text('entra-429-msal-client-credentials')).findings.map((finding) => finding.id);
    expect(imds[0]).toBe('C7');
    expect(entra[0]).toBe('C8');
    expect([...imds, ...entra]).not.toContain('D9');
  });
});

describe('ranking and folding', () => {
  it('the specific cause leads although the timeouts are listed first; the timeouts fold under it', () => {
    const { findings } = explain(text('a4-stat-provider-describe'));
    expect(findings.map((finding) => [finding.id, finding.causedBy])).toEqual([['A4', undefined], ['A6', 'A4']]);
    const groups = groupByCause(findings);
    expect(groups).toHaveLength(1);
    const note = formatReport({ findings });
    expect(note).toMatch(/1 cause, 1 consequence/);
    expect(note).toMatch(/Consequences[^\n]*\n\s+- \[ERROR\] A6/);
  });

  it('a one-off driver-registration event 30 minutes old drops to "earlier" behind the 404 reported now', () => {
    // Messages verbatim from the corpus (issue 173 title, issue 497 event); the two rows are composed into one paste.
    const paste = [
      `  Warning  FailedMount  30m                kubelet  MountVolume.SetUp failed for volume "secrets-volume" : kubernetes.io/csi: ${text('a1-title-windows-pool')}`,
      text('d7-secretnotfound-autorest').replace('45s (x6 over 62s)', '45s (x6 over 29m)'),
    ].join('\n');
    const { findings } = explain(paste);
    expect(findings[0]).toMatchObject({ id: 'D7', severity: 'error' });
    expect(findings.find((finding) => finding.id === 'A1')).toMatchObject({ severity: 'info', earlier: true });
    expect(formatReport({ findings })).toMatch(/Earlier \(over now, context only\):\n\s+- \[INFO\] A1/);
  });
});

describe('misreadings', () => {
  it('rotation "failed to get node publish secret … not found" means the used=true label, not a deleted Secret', () => {
    // kubernetes-sigs/secrets-store-csi-driver pkg/rotation/reconciler.go: generateEvent(…, mountRotationFailedReason,
    // fmt.Sprintf("failed to get node publish secret %s/%s, err: %+v", …)) with the informer lister's NotFound error;
    // docs/book/src/getting-started/upgrades.md: "rotations will fail with `failed to get node publish secret` errors".
    const event = 'MountRotationFailed: failed to get node publish secret default/secrets-store-creds, err: secret "secrets-store-creds" not found';
    const findings = explain(event).findings;
    expect(findings.map((finding) => finding.id)).toEqual(['G2']);
    expect(findings[0]!.title).toContain('secrets-store.csi.k8s.io/used=true');
    expect(findings[0]!.fix.commands[0]).toBe('kubectl label secret secrets-store-creds -n <namespace> secrets-store.csi.k8s.io/used=true');
  });

  it('for a secret that is not found, recovering a soft-deleted one comes before creating it', () => {
    const commands = first(text('d7-secretnotfound-autorest')).fix.commands;
    const recover = commands.findIndex((command) => command.startsWith('az keyvault secret recover'));
    const create = commands.findIndex((command) => command.startsWith('kvcsi secret create'));
    expect(recover).toBeGreaterThanOrEqual(0);
    expect(recover).toBeLessThan(create);
  });

  it('no suggested command uses an option its tool does not have (kubectl logs --field-selector)', () => {
    const commands = corpus.flatMap((entry) => explain(entry.text).findings.flatMap((finding) => finding.fix.commands));
    expect(commands.length).toBeGreaterThan(50);
    expect(commands.filter((command) => /kubectl logs\b[^|;]*--field-selector/.test(command))).toEqual([]);
  });
});
