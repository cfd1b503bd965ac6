import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main.js';
import { captureIo } from '../test-io.js';

const EXAMPLES = path.resolve(__dirname, '../../../../examples/gitops');

const brokenSpc = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: app-secrets
  namespace: app
spec:
  provider: azure
  parameters:
    useVMManagedIdentity: "true"
    userAssignedIdentityID: f1a14a8f-6d38-40a0-a935-3cdd91a25f47
    keyvaultName: kv-cafehyna-prd
    tenantId: 3f7a3df4-f85b-4ca8-98d0-08b1034e6567
    objects: |
      array:
        - |
          objectName: token
          objectType: Secret
`;

function gitopsTree(content: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'kvcsi-lint-'));
  const dir = path.join(root, 'argo-cd-helm-values/kube-addons/app/cafehyna-dev');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'secretproviderclass.yaml'), content);
  return root;
}

describe('kvcsi lint', () => {
  it('passes the example GitOps tree', async () => {
    const io = captureIo();
    expect(await main(['lint', EXAMPLES], io)).toBe(0);
    expect(io.output.stdout).toMatch(/\d+ file\(s\) checked, 0 error\(s\), 0 warning\(s\)/);
  });

  it('exits 1 and prints the JSON contract for findings of severity error', async () => {
    const root = gitopsTree(brokenSpc);
    const io = captureIo({ cwd: root });
    expect(await main(['lint', '.', '--format', 'json'], io)).toBe(1);
    const result = JSON.parse(io.output.stdout) as { filesChecked: number; findings: Record<string, unknown>[] };
    expect(result.filesChecked).toBe(1);
    const file = 'argo-cd-helm-values/kube-addons/app/cafehyna-dev/secretproviderclass.yaml';
    expect(result.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file, line: 17, rule: 'object-type', severity: 'error' }),
        // The file sits under cafehyna-dev, whose vault is kv-cafehyna-dev-hlg.
        expect.objectContaining({ file, line: 11, rule: 'registry-mismatch', severity: 'error' }),
      ]),
    );
    for (const finding of result.findings) expect(Object.keys(finding).sort()).toEqual(['file', 'fix', 'line', 'message', 'rule', 'severity']);
  });

  it('prints file:line, severity, message, rule and fix as text', async () => {
    const root = gitopsTree(brokenSpc);
    const io = captureIo({ cwd: root });
    expect(await main(['lint', 'argo-cd-helm-values'], io)).toBe(1);
    expect(io.output.stdout).toMatch(/secretproviderclass\.yaml:17 {2}error {2}.*\[object-type\]\n {4}fix: /);
    expect(io.output.stdout).toMatch(/1 file\(s\) checked, \d+ error\(s\)/);
  });

  it('exits 2 for a path that does not exist', async () => {
    const io = captureIo();
    expect(await main(['lint', '/nonexistent/dir'], io)).toBe(2);
    expect(io.output.stderr).toMatch(/no such file or directory/);
  });
});
