import { readFileSync } from 'node:fs';
import path from 'node:path';
import { exampleRegistry } from '../test-support.js';
import { lintText } from './lint-text.js';
import { LINT_RULES } from './rules/index.js';

const registry = exampleRegistry();
const GITOPS_FILE = '/repo/argo-cd-helm-values/kube-addons/app/cafehyna-dev/secretproviderclass.yaml';

/** A correct SecretProviderClass for cafehyna-dev; line numbers in comments are used by the cases below. */
const VALID = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: app-secrets
  namespace: app
spec:
  provider: azure
  parameters:
    usePodIdentity: "false"
    useVMManagedIdentity: "true"
    userAssignedIdentityID: f1a14a8f-6d38-40a0-a935-3cdd91a25f47
    keyvaultName: kv-cafehyna-dev-hlg
    cloudName: AzurePublicCloud
    tenantId: 3f7a3df4-f85b-4ca8-98d0-08b1034e6567
    objects: |
      array:
        - |
          objectName: db-password
          objectType: secret
        - |
          objectName: tls
          objectType: cert
          objectAlias: tls.crt
        - |
          objectName: tls
          objectType: secret
          objectAlias: tls.key
  secretObjects:
    - secretName: app-db
      type: Opaque
      data:
        - objectName: db-password
          key: password
    - secretName: app-tls
      type: kubernetes.io/tls
      data:
        - objectName: tls.crt
          key: tls.crt
        - objectName: tls.key
          key: tls.key
`;

function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

type Case = { rule: string; bad: string; line: number; good?: string; message?: RegExp; file?: string };

const CASES: Case[] = [
  { rule: 'yaml-syntax', bad: edit(VALID, '  name: app-secrets\n', '  name: app-secrets\n  name: dup\n'), line: 5 },
  { rule: 'required-field', bad: edit(VALID, '  name: app-secrets\n', ''), line: 3 },
  { rule: 'provider-name', bad: edit(VALID, 'provider: azure', 'provider: Azure'), line: 7 },
  { rule: 'required-parameter', bad: edit(VALID, '    tenantId: 3f7a3df4-f85b-4ca8-98d0-08b1034e6567\n', ''), line: 8, message: /tenantId/ },
  { rule: 'required-parameter', bad: edit(VALID, 'keyvaultName: kv-cafehyna-dev-hlg', 'keyvaultName: ""'), line: 12, message: /keyvaultName/, good: edit(VALID, 'tenantId:', 'tenantID:') },
  { rule: 'keyvault-name', bad: edit(VALID, 'keyvaultName: kv-cafehyna-dev-hlg', 'keyvaultName: https://kv-cafehyna-dev-hlg.vault.azure.net/'), line: 12, message: /URL/ },
  { rule: 'keyvault-name', bad: edit(VALID, 'keyvaultName: kv-cafehyna-dev-hlg', 'keyvaultName: kv'), line: 12, message: /3-24/ },
  { rule: 'identity-mode-conflict', bad: edit(VALID, 'usePodIdentity: "false"', 'usePodIdentity: "true"'), line: 10 },
  { rule: 'client-id-with-vm-identity', bad: edit(VALID, '    objects: |', '    clientID: f1a14a8f-6d38-40a0-a935-3cdd91a25f47\n    objects: |'), line: 15 },
  { rule: 'user-assigned-id-ignored', bad: edit(VALID, 'useVMManagedIdentity: "true"', 'useVMManagedIdentity: "false"'), line: 11 },
  {
    rule: 'no-identity',
    bad: edit(edit(VALID, 'useVMManagedIdentity: "true"', 'useVMManagedIdentity: "false"'), '    userAssignedIdentityID: f1a14a8f-6d38-40a0-a935-3cdd91a25f47\n', ''),
    line: 8,
    good: edit(edit(VALID, 'useVMManagedIdentity: "true"', 'useVMManagedIdentity: "false"'), 'userAssignedIdentityID:', 'clientID:'),
  },
  { rule: 'boolean-parameter', bad: edit(VALID, 'useVMManagedIdentity: "true"', 'useVMManagedIdentity: yes'), line: 10, message: /unquoted boolean/ },
  { rule: 'boolean-parameter', bad: edit(VALID, 'useVMManagedIdentity: "true"', 'useVMManagedIdentity: "enabled"'), line: 10, message: /invalid syntax/ },
  { rule: 'parameter-type', bad: edit(VALID, 'cloudName: AzurePublicCloud', 'cloudName: 12'), line: 13 },
  { rule: 'unknown-key', bad: edit(VALID, 'objectName: db-password', 'objectname: db-password'), line: 18, message: /did you mean "objectName"/ },
  { rule: 'unknown-key', bad: edit(VALID, 'keyvaultName:', 'keyVaultName:'), line: 12, message: /did you mean "keyvaultName"/ },
  { rule: 'unknown-key', bad: edit(VALID, '          key: password', '          kye: password'), line: 33, message: /did you mean "key"/ },
  { rule: 'legacy-parameter', bad: edit(VALID, '    objects: |', '    resourceGroup: rg-app\n    objects: |'), line: 15 },
  { rule: 'cloud-name', bad: edit(VALID, 'cloudName: AzurePublicCloud', 'cloudName: AzureCloud'), line: 13, good: edit(VALID, 'cloudName: AzurePublicCloud', 'cloudName: azurepubliccloud') },
  { rule: 'objects-yaml', bad: edit(VALID, '        - |\n          objectName: db-password\n', '        - objectName: db-password\n'), line: 17, message: /not a string/ },
  { rule: 'objects-yaml', bad: edit(VALID, 'objectAlias: tls.key', 'objectAlias: tls.key\n          objectVersionHistory: five'), line: 28, message: /not an integer/ },
  { rule: 'object-name', bad: edit(VALID, 'objectName: db-password\n          objectType', 'objectName: db_password\n          objectType'), line: 18 },
  { rule: 'object-type', bad: edit(VALID, 'objectName: db-password\n          objectType: secret', 'objectName: db-password\n          objectType: Secret'), line: 19, message: /case-sensitively/ },
  { rule: 'object-alias-path', bad: edit(VALID, 'objectAlias: tls.crt', 'objectAlias: ../tls.crt'), line: 23 },
  { rule: 'object-alias-path', bad: edit(VALID, 'objectAlias: tls.crt', 'objectAlias: /etc/tls.crt'), line: 23, good: edit(edit(VALID, 'objectAlias: tls.crt', 'objectAlias: certs/tls.crt'), 'objectName: tls.crt', 'objectName: certs/tls.crt') },
  { rule: 'duplicate-file', bad: edit(VALID, 'objectAlias: tls.key', 'objectAlias: tls.crt'), line: 27 },
  { rule: 'object-format', bad: edit(VALID, 'objectAlias: tls.crt', 'objectAlias: tls.crt\n          objectFormat: pfx'), line: 24, good: edit(VALID, 'objectAlias: tls.key', 'objectAlias: tls.key\n          objectFormat: pem') },
  { rule: 'object-format', bad: edit(VALID, 'objectAlias: tls.key', 'objectAlias: tls.key\n          objectFormat: der'), line: 28 },
  // Regression (issue 19): pem on a cert is the provider's default and passes its validateObjectFormat; only pfx fails.
  { rule: 'object-format', bad: edit(VALID, 'objectAlias: tls.crt', 'objectAlias: tls.crt\n          objectFormat: pfx'), line: 24, message: /PFX format only supported for objectType: secret/, good: edit(VALID, 'objectAlias: tls.crt', 'objectAlias: tls.crt\n          objectFormat: pem') },
  { rule: 'object-encoding', bad: edit(VALID, 'objectAlias: tls.key', 'objectAlias: tls.key\n          objectEncoding: rot13'), line: 28, good: edit(VALID, 'objectAlias: tls.key', 'objectAlias: tls.key\n          objectEncoding: base64') },
  { rule: 'object-encoding', bad: edit(VALID, 'objectAlias: tls.crt', 'objectAlias: tls.crt\n          objectEncoding: base64'), line: 24 },
  { rule: 'file-permission', bad: edit(VALID, 'objectAlias: tls.key', 'objectAlias: tls.key\n          filePermission: rw'), line: 28, good: edit(VALID, 'objectAlias: tls.key', 'objectAlias: tls.key\n          filePermission: 0440') },
  { rule: 'secret-object-required', bad: edit(VALID, '      type: Opaque\n', ''), line: 29 },
  { rule: 'secret-object-unmounted', bad: edit(VALID, '        - objectName: tls.crt', '        - objectName: tls'), line: 37, message: /mounted as "tls.crt"/ },
  { rule: 'tls-secret-keys', bad: edit(VALID, '          key: tls.key', '          key: tls.pem'), line: 40, message: /not supported/ },
  { rule: 'tls-key-from-cert', bad: edit(VALID, '        - objectName: tls.key', '        - objectName: tls.crt'), line: 39 },
  { rule: 'duplicate-secret-key', bad: edit(VALID, '          key: password\n', '          key: password\n        - objectName: tls.key\n          key: password\n'), line: 35 },
  { rule: 'registry-mismatch', bad: edit(VALID, 'tenantId: 3f7a3df4-f85b-4ca8-98d0-08b1034e6567', 'tenantId: 00000000-0000-0000-0000-000000000000'), line: 14, message: /tenant/ },
  { rule: 'registry-mismatch', bad: edit(VALID, 'kv-cafehyna-dev-hlg', 'kv-cafehyna-prd'), line: 12, message: /vault/ },
  { rule: 'registry-mismatch', bad: edit(VALID, 'userAssignedIdentityID: f1a14a8f-6d38-40a0-a935-3cdd91a25f47', 'userAssignedIdentityID: 11111111-2222-3333-4444-555555555555'), line: 11, message: /identity/ },
  { rule: 'missing-namespace', bad: edit(VALID, '  namespace: app\n', ''), line: 3 },
  { rule: 'unknown-cluster', bad: VALID, line: 1, file: GITOPS_FILE.replace('cafehyna-dev', 'cafehyna-qa') },
];

describe('lint rules', () => {
  it('finds nothing in a correct SecretProviderClass at its GitOps path', () => {
    expect(lintText(VALID, GITOPS_FILE, { registry })).toEqual([]);
  });

  it('has a failing case for every rule', () => {
    const covered = new Set(CASES.map((testCase) => testCase.rule));
    expect(LINT_RULES.map((rule) => rule.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it('has unique, kebab-case rule ids', () => {
    const ids = LINT_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
  });

  describe.each(CASES)('$rule (line $line)', ({ rule, bad, line, good, message, file }) => {
    const target = file ?? GITOPS_FILE;
    it('reports the broken file at the right line, with a message and a fix', () => {
      const findings = lintText(bad, target, { registry }).filter((finding) => finding.rule === rule);
      expect(findings).toContainEqual(expect.objectContaining({ file: target, line, rule, severity: LINT_RULES.find((r) => r.id === rule)!.severity }));
      for (const finding of findings) {
        expect(finding.message.length).toBeGreaterThan(10);
        expect(finding.fix.length).toBeGreaterThan(5);
      }
      if (message) expect(findings.map((finding) => finding.message).join('\n')).toMatch(message);
    });
    it('passes the fixed file', () => {
      expect(lintText(good ?? VALID, GITOPS_FILE, { registry }).filter((finding) => finding.rule === rule)).toEqual([]);
    });
  });

  it('applies the GitOps rules only under <root>/<app>/<cluster>/', () => {
    const noNamespace = edit(VALID, '  namespace: app\n', '');
    expect(lintText(noNamespace, '/tmp/elsewhere/spc.yaml', { registry })).toEqual([]);
    expect(lintText(noNamespace, '/repo/argo-cd-helm-values/kube-addons/app.yaml', { registry })).toEqual([]);
  });

  it('ignores other providers and files that are not SecretProviderClasses', () => {
    expect(lintText(edit(VALID, 'provider: azure', 'provider: aws'), GITOPS_FILE, { registry })).toEqual([]);
    expect(lintText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', GITOPS_FILE, { registry })).toEqual([]);
  });

  it('sorts findings by line', () => {
    const broken = edit(edit(VALID, 'objectType: cert', 'objectType: Cert'), 'provider: azure', 'provider: Azure');
    const lines = lintText(broken, GITOPS_FILE, { registry }).map((finding) => finding.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(lines.length).toBeGreaterThanOrEqual(2);
  });
});

describe('packages/core/README.md', () => {
  it('lists every rule with its severity', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
    for (const rule of LINT_RULES) expect(readme).toContain(`| \`${rule.id}\` | ${rule.severity} |`);
  });
});
