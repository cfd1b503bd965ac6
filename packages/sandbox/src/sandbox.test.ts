import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KvcsiError } from '@kvcsi/core';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { kubeletCredential, NONPROD_SUBSCRIPTION, operatorCredential, secretClient, TENANT_ID } from './azure/sdkTestHelpers.js';
import * as mountLoop from './mount/loop.js';

// Wrap the real mount loop so the test can count evaluations.
jest.mock('./mount/loop.js', () => {
  const actual = jest.requireActual<typeof mountLoop>('./mount/loop.js');
  return { ...actual, reconcileMounts: jest.fn(actual.reconcileMounts) };
});
import { createSandbox, listScenarios, loadScenario, SANDBOX_STATE_ENV } from './index.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'kvcsi-sandbox-'));

describe('createSandbox: persistence and reset', () => {
  it('saves every change to the state file, and a new sandbox on that file sees it', async () => {
    const stateFile = path.join(tmp(), 'nested', 'state.json');
    const first = createSandbox({ stateFile });
    const server = first.listen();
    try {
      await secretClient('kv-cafehyna-dev-hlg', operatorCredential()).setSecret('from-run-one', 'value-one');
      first.clock.advance(5000);
      first.save();
    } finally {
      server.close();
    }
    expect(existsSync(stateFile)).toBe(true);
    const second = createSandbox({ stateFile });
    expect(second.clock.nowMs()).toBe(first.clock.nowMs());
    const secondServer = second.listen();
    try {
      const reader = secretClient('kv-cafehyna-dev-hlg', operatorCredential());
      const names: string[] = [];
      for await (const p of reader.listPropertiesOfSecrets()) names.push(p.name);
      expect(names).toContain('from-run-one');
      second.reset();
      const afterReset: string[] = [];
      for await (const p of secretClient('kv-cafehyna-dev-hlg', operatorCredential()).listPropertiesOfSecrets()) afterReset.push(p.name);
      expect(afterReset).not.toContain('from-run-one');
    } finally {
      secondServer.close();
    }
    // reset() saved too: a third run starts from the scenario again.
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ format: 'kvcsi-sandbox-state/v1', scenario: 'default' });
    expect(readFileSync(stateFile, 'utf8')).not.toContain('from-run-one');
  });

  it('takes the state file from KVCSI_SANDBOX_STATE when none is passed', () => {
    const stateFile = path.join(tmp(), 'env.json');
    process.env[SANDBOX_STATE_ENV] = stateFile;
    try {
      const sandbox = createSandbox();
      expect(sandbox.stateFile).toBe(stateFile);
      sandbox.save();
      expect(existsSync(stateFile)).toBe(true);
    } finally {
      delete process.env[SANDBOX_STATE_ENV];
    }
  });

  it('writes byte-identical state for the same history (seeded IDs, sandbox clock)', async () => {
    const run = async (file: string): Promise<string> => {
      const sandbox = createSandbox({ stateFile: file });
      const server = sandbox.listen();
      try {
        await secretClient('kv-cafehyna-dev-hlg', operatorCredential()).setSecret('same', 'history');
      } finally {
        server.close();
      }
      return readFileSync(file, 'utf8');
    };
    expect(await run(path.join(tmp(), 'a.json'))).toBe(await run(path.join(tmp(), 'b.json')));
  });

  it('refuses a state file written for another scenario, and a malformed one', () => {
    const dir = tmp();
    const stateFile = path.join(dir, 'state.json');
    writeFileSync(stateFile, JSON.stringify({ format: 'kvcsi-sandbox-state/v1', scenario: 'other', nowMs: 0, azure: { vaults: [] }, kubernetes: {} }));
    expect(() => createSandbox({ scenario: 'default', stateFile })).toThrow(/holds scenario "other"/);
    writeFileSync(stateFile, JSON.stringify({ format: 'nope' }));
    expect(() => createSandbox({ stateFile })).toThrow(/format/);
  });

  it('save() without a state file is an input error', () => {
    expect(() => createSandbox().save()).toThrow(KvcsiError);
  });

  it('re-evaluates mounts after each Azure change (secret set, access policy change) and not after a read', async () => {
    const sandbox = createSandbox();
    const spy = jest.mocked(mountLoop.reconcileMounts);
    spy.mockClear();
    const server = sandbox.listen();
    try {
      await secretClient('kv-cafehyna-dev-hlg', operatorCredential()).setSecret('trigger', 'x');
      expect(spy).toHaveBeenCalledTimes(1);
      await new KeyVaultManagementClient(operatorCredential(), NONPROD_SUBSCRIPTION).vaults.updateAccessPolicy('rg-cafehyna-dev', 'kv-cafehyna-dev-hlg', 'add', {
        properties: { accessPolicies: [{ tenantId: TENANT_ID, objectId: '2d81911b-60a4-4a53-9045-ad7193c91ee5', permissions: { secrets: ['get'] } }] },
      });
      expect(spy).toHaveBeenCalledTimes(2);
      await secretClient('kv-cafehyna-dev-hlg', kubeletCredential()).getSecret('trigger');
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      server.close();
    }
  });
});

describe('scenarios', () => {
  it('ships the default scenario with the runbook clusters, vaults and users', () => {
    expect(listScenarios()).toContain('default');
    const { azure, scenario } = loadScenario('default');
    expect(azure.managedClusters.map((c) => c.name)).toEqual(['cafehyna-dev', 'cafehyna-hub', 'cafehyna-prd', 'painelclientes-dev', 'painelclientes-prd']);
    expect(azure.vaults.map((v) => [v.name, v.enableRbacAuthorization])).toEqual([
      ['kv-cafehyna-dev-hlg', false],
      ['kv-cafehyna-default', false],
      ['kv-cafehyna-prd', true],
      ['painel-clientes-hml', false],
      ['painel-clientes-prd', true],
      ['kv-cafehyna-billing', false],
    ]);
    // The issue-16 cases: a firewall, a soft-deleted secret, rotation on the hub.
    expect(azure.vaults.find((v) => v.name === 'kv-cafehyna-billing')?.networkAcls?.defaultAction).toBe('Deny');
    expect(azure.vaults.find((v) => v.name === 'kv-cafehyna-default')?.deletedSecrets?.map((d) => d.secret.name)).toEqual(['argocd-notifications-slack-token']);
    expect(azure.managedClusters.find((c) => c.name === 'cafehyna-hub')?.secretRotation).toEqual({ enabled: true, pollIntervalInMs: 120_000 });
    expect(azure.tenantId).toBe('3f7a3df4-f85b-4ca8-98d0-08b1034e6567');
    const kubelet = azure.identities.find((i) => i.clientId === 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47');
    for (const name of ['cafehyna-dev', 'cafehyna-hub', 'cafehyna-prd']) expect(azure.managedClusters.find((c) => c.name === name)?.kubeletIdentityClientId).toBe(kubelet?.clientId);
    expect(azure.users.map((u) => u.name)).toEqual(['requester', 'approver', 'outsider']);
    const approvers = azure.groups.find((g) => g.name === 'kvcsi-prd-approvers');
    expect(approvers?.memberObjectIds).toEqual([azure.users.find((u) => u.name === 'approver')?.objectId]);
    expect(scenario.clusters.every((c) => /^v\d/.test(c.secretsStoreCsi.providerVersion))).toBe(true);
    // Same seed, same IDs.
    expect(loadScenario('default').azure).toEqual(azure);
  });

  function writeScenario(body: string): string {
    const dir = tmp();
    mkdirSync(path.join(dir, 'broken'));
    writeFileSync(path.join(dir, 'broken', 'scenario.yaml'), body);
    return path.join(dir, 'broken');
  }

  const base = `name: broken
tenant: { id: 3f7a3df4-f85b-4ca8-98d0-08b1034e6567, domain: t.example }
subscriptions:
  - name: s1
`;

  it('names file, line and field for a schema error', () => {
    const dir = writeScenario(`${base}vaults:\n  - name: kv-ok\n    subscription: s1\n    resourceGroup: rg\n    enableRbacAuthorization: maybe\n`);
    let error: unknown;
    try {
      loadScenario(dir);
    } catch (e) {
      error = e;
    }
    expect(KvcsiError.is(error, 'CONFIG_INVALID')).toBe(true);
    expect(error).toMatchObject({ file: path.join(dir, 'scenario.yaml'), field: 'vaults[0].enableRbacAuthorization', line: 9 });
    expect((error as Error).message).toContain('scenario.yaml:9: vaults[0].enableRbacAuthorization');
  });

  it('names file, line and field for a reference to an unknown principal', () => {
    const dir = writeScenario(`${base}vaults:\n  - name: kv-ok\n    subscription: s1\n    resourceGroup: rg\n    enableRbacAuthorization: false\n    accessPolicies:\n      - principal: ghost\n        secrets: [get]\n`);
    expect(() => loadScenario(dir)).toThrow(/scenario\.yaml:11: vaults\[0\]\.accessPolicies\[0\]\.principal: unknown principal "ghost"/);
  });

  it('refuses an unknown scenario name with the list of shipped ones', () => {
    expect(() => loadScenario('nope')).toThrow(/shipped scenarios: .*default/);
  });
});
