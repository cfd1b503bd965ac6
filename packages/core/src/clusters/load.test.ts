import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KvcsiError } from '../errors.js';
import { EXAMPLE_CONFIG_PATH, loadRegistry, parseRegistryConfig, resolveConfigPath } from './load.js';

const TENANT = '3f7a3df4-f85b-4ca8-98d0-08b1034e6567';
const CLIENT = 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47';

function configError(text: string): KvcsiError {
  try {
    parseRegistryConfig(text, 'kvcsi.yaml');
  } catch (error) {
    if (error instanceof KvcsiError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('the shipped example configuration', () => {
  const registry = loadRegistry({ explicitPath: EXAMPLE_CONFIG_PATH });

  it('holds the runbook\'s five clusters with their tiers, vaults and identities', () => {
    expect(registry.list().map((c) => [c.name, c.tier, c.keyVault.name, c.identity.kind === 'fixed' ? c.identity.clientId : 'discover'])).toEqual([
      ['cafehyna-dev', 'dev', 'kv-cafehyna-dev-hlg', CLIENT],
      ['cafehyna-hub', 'hub', 'kv-cafehyna-default', CLIENT],
      ['cafehyna-prd', 'prd', 'kv-cafehyna-prd', CLIENT],
      ['painelclientes-dev', 'dev', 'painel-clientes-hml', 'discover'],
      ['painelclientes-prd', 'prd', 'painel-clientes-prd', 'discover'],
    ]);
    expect(registry.list().every((c) => c.tenantId === TENANT && c.cloud === 'AzurePublicCloud')).toBe(true);
    expect(registry.gitopsRoot).toBe('argo-cd-helm-values/kube-addons');
  });

  it('suggests the closest cluster for a typo', () => {
    expect(() => registry.get('cafehyna-prod')).toThrow(/Did you mean "cafehyna-prd"/);
    expect(() => registry.get('cafehyna-prod')).toThrow(expect.objectContaining({ code: 'NOT_FOUND', field: 'cluster' }));
  });
});

describe('parseRegistryConfig defaults', () => {
  it('fills cloud, gitops root, grant scope, kube context and the tenant per cluster', () => {
    const registry = parseRegistryConfig(
      `tenantId: ${TENANT}\nclusters:\n  - name: a\n    tier: dev\n    keyVault: { name: kv-a }\n    identity: { clientId: ${CLIENT} }\n`,
      'x.yaml',
    );
    expect(registry.cloud).toBe('AzurePublicCloud');
    expect(registry.grantScope).toBe('vault');
    expect(registry.get('a')).toMatchObject({ tenantId: TENANT, cloud: 'AzurePublicCloud', kubeContext: 'a', identityMode: 'vmManagedIdentity' });
  });
});

describe('configuration errors name the file, line, field and rule', () => {
  const valid = [
    `tenantId: ${TENANT}`,
    'clusters:',
    '  - name: cafehyna-dev',
    '    tier: dev',
    '    keyVault:',
    '      name: kv-cafehyna-dev-hlg',
    '    identity:',
    `      clientId: ${CLIENT}`,
  ];
  const withLine = (index: number, line: string) => valid.map((original, i) => (i === index ? line : original)).join('\n');

  it('rejects an unknown tier on its line', () => {
    const error = configError(withLine(3, '    tier: staging'));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', file: 'kvcsi.yaml', line: 4, field: 'clusters[0].tier' });
    expect(error.message).toContain('kvcsi.yaml:4: clusters[0].tier:');
  });

  it('rejects a vault name that is a URL', () => {
    const error = configError(withLine(5, '      name: https://kv-cafehyna-dev-hlg.vault.azure.net/'));
    expect(error).toMatchObject({ line: 6, field: 'clusters[0].keyVault.name' });
    expect(error.rule).toMatch(/3-24 letters, digits and dashes/);
  });

  it('rejects a client id that is not a GUID', () => {
    const error = configError(withLine(7, '      clientId: not-a-guid'));
    expect(error).toMatchObject({ line: 8, field: 'clusters[0].identity.clientId' });
    expect(error.rule).toMatch(/must be a GUID/);
  });

  it('rejects misspelled keys', () => {
    const error = configError(withLine(3, '    teir: dev'));
    expect(error.message).toMatch(/unknown key\(s\) "teir"/);
    expect(error.message).toMatch(/kvcsi.yaml:4: clusters\[0\]: unknown key\(s\) "teir"/);
    expect(error.message).toMatch(/clusters\[0\]\.tier: is required/);
  });

  it('rejects a missing tenant', () => {
    const error = configError(valid.slice(1).join('\n'));
    expect(error).toMatchObject({ field: 'tenantId', rule: 'is required' });
  });

  it('rejects duplicate cluster names', () => {
    const error = configError([...valid, ...valid.slice(2)].join('\n'));
    expect(error).toMatchObject({ line: 9, field: 'clusters[1].name' });
    expect(error.rule).toMatch(/unique/);
  });

  it('rejects malformed YAML with its line', () => {
    const error = configError(`tenantId: ${TENANT}\nclusters:\n  - name: [unclosed\n`);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', rule: 'must be valid YAML' });
    expect(error.line).toBeGreaterThanOrEqual(3);
  });

  it('reports a missing file by path', () => {
    expect(() => loadRegistry({ explicitPath: '/nonexistent/kvcsi.yaml' })).toThrow(/Cannot read kvcsi configuration \/nonexistent\/kvcsi.yaml: file not found/);
  });
});

describe('resolveConfigPath', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-config-'));

  it('prefers --config, then KVCSI_CONFIG, then ./kvcsi.yaml, then the example', () => {
    expect(resolveConfigPath({ explicitPath: 'a.yaml', env: { KVCSI_CONFIG: 'b.yaml' }, cwd: dir })).toEqual({ path: path.join(dir, 'a.yaml'), origin: 'flag' });
    expect(resolveConfigPath({ env: { KVCSI_CONFIG: 'b.yaml' }, cwd: dir })).toEqual({ path: path.join(dir, 'b.yaml'), origin: 'env' });
    expect(resolveConfigPath({ env: {}, cwd: dir })).toEqual({ path: EXAMPLE_CONFIG_PATH, origin: 'example' });
    writeFileSync(path.join(dir, 'kvcsi.yaml'), '');
    expect(resolveConfigPath({ env: {}, cwd: dir })).toEqual({ path: path.join(dir, 'kvcsi.yaml'), origin: 'cwd' });
  });
});

describe('front-end and policy sections', () => {
  const base = `tenantId: ${TENANT}\nclusters:\n  - { name: a, tier: prd, keyVault: { name: kv-a }, identity: { clientId: ${CLIENT} } }\n`;

  it('accepts a policy section and keeps it, and passes slack and backstage sections through', () => {
    const registry = parseRegistryConfig(
      `${base}policy:\n  groups:\n    approvers-prd: ['slack:U0ABEL']\n  rules:\n    - { principals: ['slack:U0ABEL'], actions: [grant] }\nslack:\n  approvalsChannel: C0APPROVALS\nbackstage: {}\n`,
      'kvcsi.yaml',
    );
    expect(registry.policy?.groups).toEqual({ 'approvers-prd': ['slack:U0ABEL'] });
  });

  it('rejects a bad policy with its line and field', () => {
    const error = configError(`${base}policy:\n  rules:\n    - { principals: ['slack:U0ABEL'], actions: [fly] }\n`);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', line: 6 });
    expect(error.field).toMatch(/^policy\.rules\[0\]\.actions/);
  });
});
