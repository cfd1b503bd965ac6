import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main.js';
import { captureIo } from '../test-io.js';

describe('kvcsi clusters', () => {
  it('prints the JSON contract for the example configuration', async () => {
    const io = captureIo();
    expect(await main(['clusters', '--format', 'json'], io)).toBe(0);
    const parsed = JSON.parse(io.output.stdout) as { clusters: Record<string, unknown>[] };
    expect(parsed.clusters).toHaveLength(5);
    expect(parsed.clusters[2]).toEqual({
      name: 'cafehyna-prd',
      tier: 'prd',
      keyVault: { name: 'kv-cafehyna-prd' },
      identity: { mode: 'vmManagedIdentity', clientId: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47' },
      tenantId: '3f7a3df4-f85b-4ca8-98d0-08b1034e6567',
      cloud: 'AzurePublicCloud',
      kubeContext: 'cafehyna-prd',
      kubeAuth: 'azure',
      aks: { name: 'cafehyna-prd', subscriptionId: 'a6806ab2-ebb4-4fdc-a9d5-884687a165bd', resourceGroup: 'rg-cafehyna-prd' },
    });
    expect(parsed.clusters[1]).toMatchObject({ name: 'cafehyna-hub', kubeAuth: 'azure', inCluster: true });
    expect(parsed.clusters[3]).toMatchObject({ name: 'painelclientes-dev', identity: { discover: true } });
  });

  it('prints a table without colour when stdout is not a terminal', async () => {
    const io = captureIo();
    expect(await main(['clusters'], io)).toBe(0);
    expect(io.output.stdout).toMatch(/^NAME\s+TIER\s+KEY VAULT\s+IDENTITY\s+CLUSTER ACCESS\n/);
    expect(io.output.stdout).toMatch(/painelclientes-prd\s+prd\s+painel-clientes-prd\s+\(discover: AKS kubelet identity\)\s+azure: Entra ID, AKS rg-painelclientes-prd\/painelclientes-prd\n/);
    expect(io.output.stdout).toMatch(/cafehyna-hub .*azure: Entra ID, AKS rg-cafehyna-hub\/cafehyna-hub \(in-cluster when kvcsi runs there\)/);
    expect(io.output.stdout).not.toContain('\u001b[');
  });

  it('colours only on a terminal', async () => {
    const io = captureIo({ tty: true });
    await main(['clusters'], io);
    expect(io.output.stdout).toContain('\u001b[2m');
    const noColor = captureIo({ tty: true, env: { NO_COLOR: '1' } });
    await main(['clusters'], noColor);
    expect(noColor.output.stdout).not.toContain('\u001b[');
  });

  it('reads --config, else KVCSI_CONFIG', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-cli-'));
    const file = path.join(dir, 'mine.yaml');
    writeFileSync(
      file,
      'tenantId: 3f7a3df4-f85b-4ca8-98d0-08b1034e6567\nclusters:\n  - name: lab\n    tier: dev\n    keyVault: { name: kv-lab }\n    identity: { discover: true }\n',
    );
    const viaFlag = captureIo();
    await main(['clusters', '--config', file, '-o', 'json'], viaFlag);
    expect(JSON.parse(viaFlag.output.stdout).clusters.map((c: { name: string }) => c.name)).toEqual(['lab']);
    const viaEnv = captureIo({ env: { KVCSI_CONFIG: file } });
    await main(['clusters', '-o', 'json'], viaEnv);
    expect(JSON.parse(viaEnv.output.stdout).clusters.map((c: { name: string }) => c.name)).toEqual(['lab']);
  });

  it('exits 2 with file, line and field for a broken configuration', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-cli-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'tenantId: 3f7a3df4-f85b-4ca8-98d0-08b1034e6567\nclusters:\n  - name: lab\n    tier: qa\n    keyVault: { name: kv-lab }\n    identity: { discover: true }\n');
    const io = captureIo();
    expect(await main(['clusters', '--config', file], io)).toBe(2);
    expect(io.output.stderr).toContain(`${file}:4: clusters[0].tier:`);
  });
});

describe('kvcsi usage', () => {
  it('shows help and exits 0 for --help', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.output.stdout).toMatch(/Usage: kvcsi/);
    for (const command of ['clusters', 'render', 'lint']) expect(io.output.stdout).toContain(command);
  });

  it.each(['clusters', 'render', 'lint'])('has --help for %s', async (command) => {
    const io = captureIo();
    expect(await main([command, '--help'], io)).toBe(0);
    expect(io.output.stdout).toMatch(new RegExp(`Usage: kvcsi ${command}`));
  });

  it('exits 2 for an unknown command or option', async () => {
    const unknownCommand = captureIo();
    expect(await main(['frobnicate'], unknownCommand)).toBe(2);
    expect(unknownCommand.output.stderr).toMatch(/unknown command 'frobnicate'/);
    const badFormat = captureIo();
    expect(await main(['clusters', '--format', 'xml'], badFormat)).toBe(2);
    expect(badFormat.output.stderr).toMatch(/Allowed choices are text, json/);
  });

  it('prints help and exits 2 when called without arguments', async () => {
    const io = captureIo();
    expect(await main([], io)).toBe(2);
    expect(io.output.stdout).toMatch(/Usage: kvcsi/);
  });
});
