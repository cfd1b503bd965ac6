import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main.js';
import { captureIo } from '../test-io.js';

function sandboxIo() {
  const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-status-'));
  return captureIo({ cwd: dir, env: { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'state.json') } });
}

describe('kvcsi status', () => {
  it('shows the vault, the identity and every node, and exits 1 for the Windows node without the driver', async () => {
    const io = sandboxIo();
    expect(await main(['status', '-c', 'cafehyna-dev'], io)).toBe(1);
    expect(io.output.stdout).toMatch(/Key Vault: +kv-cafehyna-dev-hlg: reachable, access policies/);
    expect(io.output.stdout).toMatch(/Identity: +client f1a14a8f-6d38-40a0-a935-3cdd91a25f47 object 2d81911b-60a4-4a53-9045-ad7193c91ee5/);
    expect(io.output.stdout).toMatch(/akswin\S* +windows +missing +missing +no CSI driver pod/);
  });

  it('exits 3, after the partial report, when the cluster cannot be read (issue 19: it exited 0)', async () => {
    const io = sandboxIo();
    io.env.KVCSI_SANDBOX_FAULTS = JSON.stringify({ rules: [{ kind: 'down', host: 'cafehyna-hub.*' }] });
    expect(await main(['status', '-c', 'cafehyna-hub'], io)).toBe(3);
    expect(io.output.stdout).toMatch(/Kubernetes API: +unreachable/);
    expect(io.output.stdout).toMatch(/Key Vault: +kv-cafehyna-default: reachable/);
  });

  it('reports a missing kubeconfig as a configuration error, without an unhandled rejection (issue 19)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-status-kubeconfig-'));
    const example = readFileSync(path.join(__dirname, '../../../core/config/kvcsi.example.yaml'), 'utf8');
    const config = path.join(dir, 'kvcsi.yaml');
    writeFileSync(config, example.replace(/kubeAuth: azure/g, 'kubeAuth: kubeconfig'));
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const io = captureIo({ cwd: dir, env: { HOME: dir, KUBECONFIG: path.join(dir, 'no-such-kubeconfig'), AZURE_CONFIG_DIR: dir } });
      expect(await main(['--config', config, 'status', '-c', 'cafehyna-dev'], io)).toBe(2);
      expect(io.output.stderr).toMatch(/kubeconfig/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('prints the service status plus the plumbing as JSON', async () => {
    const io = sandboxIo();
    await main(['status', '-c', 'cafehyna-prd', '--format', 'json'], io);
    const status = JSON.parse(io.output.stdout) as { vault: { authModel: string }; plumbing: { nodes: { problems: string[] }[]; versions: { driver: string[] } } };
    expect(status.vault.authModel).toBe('rbac');
    expect(status.plumbing.nodes.length).toBeGreaterThan(0);
    expect(status.plumbing.versions.driver.length).toBeGreaterThan(0);
  });
});

describe('kvcsi bindings', () => {
  it('lists the SecretProviderClasses of every cluster, or of one app', async () => {
    const all = sandboxIo();
    expect(await main(['bindings'], all)).toBe(0);
    expect(all.output.stdout).toMatch(/^CLUSTER +NAMESPACE +SECRETPROVIDERCLASS +APP +VAULT/);
    expect(all.output.stdout).toMatch(/cafehyna-prd +defectdojo +defectdojo-secrets +defectdojo +kv-cafehyna-prd/);
    expect(all.output.stdout).toMatch(/painelclientes-dev +painel-clientes +painel-worker-secrets/);

    const one = sandboxIo();
    expect(await main(['bindings', 'defectdojo', '-c', 'cafehyna-prd', '-o', 'json'], one)).toBe(0);
    const result = JSON.parse(one.output.stdout) as { clusters: { cluster: string; bindings: { name: string; objects: { objectName: string }[] }[] }[] };
    expect(result.clusters).toHaveLength(1);
    expect(result.clusters[0]?.bindings.map((binding) => binding.name)).toEqual(['defectdojo-secrets']);
  });

  it('keeps serving the other clusters when one is down', async () => {
    const io = sandboxIo();
    // A cluster that answers nothing: its AKS resource is in a resource group ARM does not have.
    const config = path.join(io.cwd, 'kvcsi.yaml');
    const example = readFileSync(path.resolve(__dirname, '../../../core/config/kvcsi.example.yaml'), 'utf8');
    writeFileSync(config, example.replace('resourceGroup: rg-cafehyna-hub', 'resourceGroup: rg-nowhere-hub'));
    // The partial report is printed, and the exit code says it is partial (issue 19: it was 0).
    expect(await main(['bindings', '--config', config], io)).toBe(3);
    expect(io.output.stdout).toMatch(/cafehyna-prd +defectdojo/);
    expect(io.output.stdout).toMatch(/Could not read: cafehyna-hub/);
  });
});
