import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { main } from '../main.js';
import { captureIo } from '../test-io.js';

const base = ['render', '--app', 'defectdojo', '--cluster', 'cafehyna-prd', '-n', 'defectdojo'];

describe('kvcsi render', () => {
  it('fills vault, tenant and identity from the registry', async () => {
    const io = captureIo();
    expect(await main([...base, '--secret', 'defectdojo-admin=admin', '--sync-to', 'defectdojo'], io)).toBe(0);
    const spc = parse(io.output.stdout) as { metadata: { labels: Record<string, string> }; spec: { parameters: Record<string, string>; secretObjects: unknown[] } };
    expect(spc.metadata.labels).toEqual({ 'app.kubernetes.io/component': 'secrets', 'app.kubernetes.io/name': 'defectdojo' });
    expect(spc.spec.parameters).toMatchObject({
      keyvaultName: 'kv-cafehyna-prd',
      tenantId: '3f7a3df4-f85b-4ca8-98d0-08b1034e6567',
      useVMManagedIdentity: 'true',
      userAssignedIdentityID: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47',
    });
    expect(spc.spec.parameters.objects).toContain('objectAlias: admin');
    expect(spc.spec.secretObjects).toEqual([{ secretName: 'defectdojo', type: 'Opaque', data: [{ objectName: 'admin', key: 'admin' }] }]);
  });

  it('is byte-stable across runs', async () => {
    const first = captureIo();
    const second = captureIo();
    const args = [...base, '--secret', 'b', '--secret', 'a', '--tls', 'wildcard', '--workload'];
    await main(args, first);
    await main(args, second);
    expect(first.output.stdout).toBe(second.output.stdout);
    expect(first.output.stdout).toContain('type: kubernetes.io/tls');
    expect(first.output.stdout).toContain('secretProviderClass: defectdojo-secrets');
  });

  it('uses clientID with --workload-identity', async () => {
    const io = captureIo();
    await main([...base, '--secret', 'a', '--workload-identity', '-o', 'json'], io);
    const { secretProviderClass } = JSON.parse(io.output.stdout) as { secretProviderClass: string };
    const parameters = (parse(secretProviderClass) as { spec: { parameters: Record<string, string> } }).spec.parameters;
    expect(parameters.clientID).toBe('f1a14a8f-6d38-40a0-a935-3cdd91a25f47');
    expect(parameters.useVMManagedIdentity).not.toBe('true');
    expect(parameters).not.toHaveProperty('userAssignedIdentityID');
  });

  it('writes into the GitOps tree and refuses to overwrite without --force', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'kvcsi-gitops-'));
    const file = path.join(root, 'defectdojo', 'cafehyna-prd', 'secretproviderclass.yaml');
    const first = captureIo();
    expect(await main([...base, '--secret', 'a', '--write', root], first)).toBe(0);
    expect(first.output.stdout).toBe(`wrote ${file}\n`);
    const written = readFileSync(file, 'utf8');
    expect(written).toContain('keyvaultName: kv-cafehyna-prd');

    writeFileSync(file, 'hand edited\n');
    const second = captureIo();
    expect(await main([...base, '--secret', 'b', '--write', root], second)).toBe(2);
    expect(second.output.stderr).toMatch(/exists; pass --force to overwrite it/);
    expect(readFileSync(file, 'utf8')).toBe('hand edited\n');

    expect(await main([...base, '--secret', 'b', '--write', root, '--force'], captureIo())).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('objectName: b');
  });

  it('names the field and rule for a bad secret name, and writes nothing', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'kvcsi-gitops-'));
    const io = captureIo();
    expect(await main([...base, '--secret', 'bad_name', '--write', root], io)).toBe(2);
    expect(io.output.stderr).toMatch(/--secret "bad_name"/);
    expect(() => readFileSync(path.join(root, 'defectdojo', 'cafehyna-prd', 'secretproviderclass.yaml'))).toThrow();
  });

  it('asks for --identity-client-id on a cluster whose identity is discovered, and uses it', async () => {
    const args = ['render', '--app', 'billing', '--cluster', 'painelclientes-prd', '-n', 'billing', '--secret', 'billing-db'];
    const missing = captureIo();
    expect(await main(args, missing)).toBe(2);
    expect(missing.output.stderr).toMatch(/pass --identity-client-id .*az aks show -g <resource-group> -n painelclientes-prd/);
    const given = captureIo();
    expect(await main([...args, '--identity-client-id', '0b9e1a3c-5f1d-4c8e-9a51-2f0d7c3e8b11'], given)).toBe(0);
    expect(given.output.stdout).toContain('userAssignedIdentityID: 0b9e1a3c-5f1d-4c8e-9a51-2f0d7c3e8b11');
    expect(given.output.stdout).toContain('keyvaultName: painel-clientes-prd');
  });

  it('exits 2 for an unknown cluster with a suggestion, and for missing required flags', async () => {
    const unknown = captureIo();
    expect(await main(['render', '--app', 'a', '--cluster', 'cafehyna-prod', '-n', 'a', '--secret', 'x'], unknown)).toBe(2);
    expect(unknown.output.stderr).toMatch(/Did you mean "cafehyna-prd"/);
    const missing = captureIo();
    expect(await main(['render', '--app', 'a'], missing)).toBe(2);
    expect(missing.output.stderr).toMatch(/required option '-c, --cluster <cluster>' not specified/);
  });

  it('reports errors as JSON with --format json', async () => {
    const io = captureIo();
    expect(await main([...base, '--secret', 'bad_name', '-o', 'json'], io)).toBe(2);
    expect(JSON.parse(io.output.stdout)).toEqual({ error: expect.objectContaining({ code: 'INVALID_INPUT', field: '--secret' }) });
  });
});
