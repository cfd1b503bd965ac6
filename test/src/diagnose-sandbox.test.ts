import fs from 'node:fs';
import path from 'node:path';
import { diagnose, loadRegistry, type DiagnosisTarget } from '@kvcsi/core';
import { createRuntime, type Runtime } from '@kvcsi/runtime';
import { parse } from 'yaml';

// Diagnose over the sandbox's default scenario, end to end: the real adapters drive the real SDKs against the sandbox.
interface Expectation {
  cluster: string;
  namespace: string;
  pod: string;
  app: string;
  finding?: string;
  /** A failure that does not stop the pod (a rotation failure) is a warning; the default is an error. */
  severity?: 'error' | 'warning';
}
const EXPECTATIONS_FILE = path.resolve(__dirname, '../../packages/sandbox/src/scenarios/default/expectations.yaml');
// Read by the test only: the engine must find these causes without them.
const expected = parse(fs.readFileSync(EXPECTATIONS_FILE, 'utf8')) as { healthy: Expectation[]; expectations: Expectation[] };

const registry = loadRegistry({ env: {} });
let runtime: Runtime;

beforeEach(() => {
  runtime = createRuntime({ registry, sandbox: { stateFile: false } });
});
afterEach(() => runtime.close());

const podTarget = (e: Expectation): DiagnosisTarget => ({ kind: 'pod', cluster: e.cluster, namespace: e.namespace, name: e.pod });
const run = (target: DiagnosisTarget & { cluster: string }) => diagnose(target, { cluster: runtime.clusterPort(target.cluster), vault: runtime.vault, registry });

describe('diagnose over the default scenario', () => {
  it.each(expected.expectations.map((e) => [e.pod, e] as const))('names the expected cause of %s first', async (_pod, expectation) => {
    const report = await run(podTarget(expectation) as DiagnosisTarget & { cluster: string });
    expect(report.findings[0]).toMatchObject({ id: expectation.finding, severity: expectation.severity ?? 'error' });
    expect(report.unknowns).toEqual([]);
  });

  it.each(expected.healthy.map((e) => [e.pod, e] as const))('finds no error on the healthy pod %s', async (_pod, healthy) => {
    const report = await run(podTarget(healthy) as DiagnosisTarget & { cluster: string });
    expect(report.findings.filter((finding) => finding.severity === 'error')).toEqual([]);
    expect(report.unknowns).toEqual([]);
  });

  it('diagnoses an app whose SecretProviderClass no pod mounts', async () => {
    const report = await run({ kind: 'app', cluster: 'painelclientes-dev', app: 'painel-worker' });
    expect(report.findings[0]).toMatchObject({ id: 'K2', severity: 'error' });
  });

  it('fills the grant command with the real vault scope and identity object id', async () => {
    const defectdojo = expected.expectations.find((e) => e.app === 'defectdojo')!;
    const report = await run(podTarget(defectdojo) as DiagnosisTarget & { cluster: string });
    expect(report.findings[0]?.fix.commands.join('\n')).toContain(
      'az role assignment create --role "Key Vault Secrets User" --assignee-object-id 2d81911b-60a4-4a53-9045-ad7193c91ee5 --assignee-principal-type ServicePrincipal --scope /subscriptions/a6806ab2-ebb4-4fdc-a9d5-884687a165bd/resourceGroups/rg-cafehyna-prd/providers/Microsoft.KeyVault/vaults/kv-cafehyna-prd',
    );
    expect(report.findings[0]?.action).toMatchObject({ kind: 'grant' });
  });

  it('names a soft-deleted secret as such, with its recover as the fix and the button\'s action; other D7s still offer to create', async () => {
    const notifications = expected.expectations.find((e) => e.app === 'argocd-notifications')!;
    const report = await run(podTarget(notifications) as DiagnosisTarget & { cluster: string });
    expect(report.findings[0]).toMatchObject({
      id: 'D7', confidence: 'confirmed',
      title: expect.stringMatching(/^argocd-notifications-slack-token was deleted from kv-cafehyna-default — recoverable until \d{4}-\d\d-\d\d$/),
      action: { kind: 'recover-secret', params: { vault: 'kv-cafehyna-default', name: 'argocd-notifications-slack-token' } },
    });
    expect(report.findings[0]?.fix.commands).toEqual([
      'az keyvault secret recover --vault-name kv-cafehyna-default --name argocd-notifications-slack-token',
      'kvcsi secret recover argocd-notifications-slack-token -c cafehyna-hub',
    ]);
    expect(report.findings[0]?.evidence[0]).toMatch(/^kv-cafehyna-default lists argocd-notifications-slack-token under deleted secrets \(deleted \S+, purged at \S+\)$/);
    // Another D7 (a name that was never there) still offers to create it, not to recover it.
    const other = expected.expectations.filter((e) => e.finding === 'D7' && e.app !== 'argocd-notifications');
    for (const expectation of other) {
      const d7 = (await run(podTarget(expectation) as DiagnosisTarget & { cluster: string })).findings.find((finding) => finding.id === 'D7');
      expect(d7?.action?.kind).not.toBe('recover-secret');
    }
  });

  it('never reads the scenario\'s expectations', async () => {
    const opened: string[] = [];
    const record = (file: unknown) => opened.push(String(file));
    const sync = jest.spyOn(fs, 'readFileSync').mockImplementation(((original) => (file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      record(file);
      return (original as (...args: unknown[]) => unknown)(file, ...rest);
    })(fs.readFileSync.bind(fs)) as typeof fs.readFileSync);
    try {
      for (const e of [...expected.expectations, ...expected.healthy]) await run(podTarget(e) as DiagnosisTarget & { cluster: string });
    } finally {
      sync.mockRestore();
    }
    expect(opened.filter((file) => file.includes('expectations'))).toEqual([]);
  });
});

describe('diagnose when sources fail', () => {
  const defectdojo = () => expected.expectations.find((e) => e.app === 'defectdojo')!;

  it('still reports, saying what could not be checked, when the cluster API is down', async () => {
    runtime.sandbox!.faults.add({ kind: 'down', host: 'cafehyna-prd.sandbox.azmk8s.io' });
    const report = await run(podTarget(defectdojo()) as DiagnosisTarget & { cluster: string });
    expect(report.unknowns.length).toBeGreaterThan(0);
    expect(report.unknowns.map((unknown) => unknown.source).join(' ')).toMatch(/pod/);
    expect(report.unknowns.every((unknown) => unknown.reason.length > 0)).toBe(true);
  });

  it('still reports during a 429 storm on the vault', async () => {
    runtime.sandbox!.faults.add({ kind: 'throttle', host: 'kv-cafehyna-prd.vault.azure.net', retryAfterSeconds: 0 });
    const report = await run(podTarget(defectdojo()) as DiagnosisTarget & { cluster: string });
    // The pod's own events still name the cause; the vault's secret list is what could not be read.
    expect(report.findings[0]).toMatchObject({ id: 'D2' });
    expect(report.unknowns.map((unknown) => `${unknown.source}: ${unknown.reason}`).join('\n')).toMatch(/kv-cafehyna-prd/);
  });
});
