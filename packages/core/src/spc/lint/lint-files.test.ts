import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KvcsiError } from '../../errors.js';
import { exampleRegistry } from '../test-support.js';
import { lintFiles } from './lint-files.js';

const GOOD = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: a
  namespace: a
spec:
  provider: azure
  parameters:
    useVMManagedIdentity: "true"
    userAssignedIdentityID: f1a14a8f-6d38-40a0-a935-3cdd91a25f47
    keyvaultName: kv-cafehyna-dev-hlg
    tenantId: 3f7a3df4-f85b-4ca8-98d0-08b1034e6567
    objects: |
      array:
        - |
          objectName: token
          objectType: secret
`;

describe('lintFiles', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'kvcsi-lint-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function write(relative: string, text: string): string {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  }

  it('walks directories for *.yaml and *.yml, skips other files, and sorts findings by file and line', async () => {
    const gitops = 'argo-cd-helm-values/kube-addons';
    write(`${gitops}/a/cafehyna-dev/spc.yaml`, GOOD);
    const bad = write(`${gitops}/b/cafehyna-dev/spc.yml`, GOOD.replace('objectType: secret', 'objectType: Secret').replace('  namespace: a\n', ''));
    write(`${gitops}/b/cafehyna-dev/README.md`, 'kind: SecretProviderClass\n: broken');
    write(`${gitops}/c/values.yaml`, 'replicas: 2\n');
    write('node_modules/x/spc.yaml', GOOD.replace('azure', 'Azure'));
    const result = await lintFiles([root], { registry: exampleRegistry() });
    expect(result.filesChecked).toBe(3);
    expect(result.findings.map((finding) => [path.relative(root, finding.file), finding.line, finding.rule])).toEqual([
      [path.relative(root, bad), 3, 'missing-namespace'],
      [path.relative(root, bad), 16, 'object-type'],
    ]);
  });

  it('lints an explicitly named file whatever its extension', async () => {
    const file = write('spc.txt', GOOD.replace('objectType: secret', 'objectType: secrets'));
    const result = await lintFiles([file]);
    expect(result).toEqual({ filesChecked: 1, findings: [expect.objectContaining({ file, rule: 'object-type', line: 17 })] });
  });

  it('fails with NOT_FOUND for a missing path', async () => {
    await expect(lintFiles([path.join(root, 'missing')])).rejects.toThrow(KvcsiError);
    await expect(lintFiles([path.join(root, 'missing')])).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('stops when aborted', async () => {
    write('a.yaml', GOOD);
    await expect(lintFiles([root], { abortSignal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
