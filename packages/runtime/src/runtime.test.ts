import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadRegistry } from '@kvcsi/core';
import { createRuntime } from './runtime.js';

const registry = loadRegistry({ env: {} });

describe('createRuntime in sandbox mode', () => {
  it('talks to the sandbox as kvcsi-operator and reuses one ClusterPort per cluster', async () => {
    const runtime = createRuntime({ registry, sandbox: { stateFile: false } });
    try {
      const vault = await runtime.vault.getVaultProperties({ name: 'kv-cafehyna-prd' });
      expect(vault).toMatchObject({ authModel: 'rbac' });
      expect(runtime.clusterPort('cafehyna-prd')).toBe(runtime.clusterPort('cafehyna-prd'));
      const driver = await runtime.clusterPort('cafehyna-prd').getCsiDriver({});
      expect(driver?.metadata.name).toBe('secrets-store.csi.k8s.io');
    } finally {
      await runtime.close();
    }
  });

  it('refuses a cluster the registry does not know', async () => {
    const runtime = createRuntime({ registry, sandbox: { stateFile: false } });
    try {
      expect(() => runtime.clusterPort('cafehyna-prod')).toThrow(/Did you mean "cafehyna-prd"/);
    } finally {
      await runtime.close();
    }
  });

  it('persists the sandbox state to the state file, so the next run sees the change', async () => {
    const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'kvcsi-runtime-')), 'state.json');
    const first = createRuntime({ registry, sandbox: { stateFile } });
    try {
      await first.vault.setSecret({ name: 'kv-cafehyna-dev-hlg' }, 'runtime-test-secret', 'sandbox-only-value');
    } finally {
      await first.close();
    }
    expect(existsSync(stateFile)).toBe(true);
    const second = createRuntime({ registry, sandbox: { stateFile } });
    try {
      const page = await second.vault.listSecretProperties({ name: 'kv-cafehyna-dev-hlg' });
      expect(page.items.map((secret) => secret.name)).toContain('runtime-test-secret');
    } finally {
      await second.close();
    }
  });
});

describe('createRuntime against a sandbox served by another process', () => {
  it('forwards to it, and sees the state it holds', async () => {
    const { createSandbox, startSandboxHttpServer } = await import('@kvcsi/sandbox');
    const sandbox = createSandbox({ autoSave: false });
    const server = await startSandboxHttpServer(sandbox);
    const runtime = createRuntime({ registry, sandbox: { url: server.url } });
    try {
      expect(runtime.sandbox).toBeUndefined();
      await runtime.vault.setSecret({ name: 'kv-cafehyna-dev-hlg' }, 'written-remotely', 'sandbox-only-value');
      expect(sandbox.state.azure.vaults.find((vault) => vault.name === 'kv-cafehyna-dev-hlg')?.secrets.map((secret) => secret.name)).toContain('written-remotely');
      const pod = await runtime.clusterPort('cafehyna-prd').listPods({ namespace: 'defectdojo' });
      expect(pod[0]?.status?.phase).toBe('Pending');
    } finally {
      await runtime.close();
      await server.close();
    }
  });
});
