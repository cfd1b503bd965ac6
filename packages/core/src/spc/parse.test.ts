import { parseSecretProviderClassFile, toSecretProviderClassModel } from './parse.js';

const FILE = `# a comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: not-an-spc
---
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: app-secrets
  namespace: app
spec:
  provider: azure
  parameters:
    useVMManagedIdentity: "true"
    keyvaultName: kv-app
    objects: |
      array:
        - |
          objectName: db-password
          objectType: secret
        - |

          objectName: tls
          objectType: cert
          objectAlias: tls.crt
    tenantId: tid
  secretObjects:
    - secretName: app-db
      type: Opaque
      data:
        - objectName: db-password
          key: password
`;

describe('parseSecretProviderClassFile', () => {
  const parsed = parseSecretProviderClassFile(FILE, 'f.yaml');
  const spc = parsed.documents[0]!;

  it('skips documents that are not SecretProviderClasses', () => {
    expect(parsed.documents).toHaveLength(1);
    expect(spc.documentIndex).toBe(1);
    expect(parsed.problems).toEqual([]);
  });

  it('gives every parameter, object field and secretObjects entry its file line', () => {
    expect(spc.name).toEqual({ value: 'app-secrets', kind: 'string', line: 10 });
    expect(spc.parameters.map((parameter) => [parameter.key, parameter.line])).toEqual([
      ['useVMManagedIdentity', 15],
      ['keyvaultName', 16],
      ['objects', 17],
      ['tenantId', 27],
    ]);
    const entries = spc.objects!.entries;
    expect(entries[0]!.fields.map((field) => [field.key, field.line])).toEqual([['objectName', 20], ['objectType', 21]]);
    // A blank first line inside the block does not shift the mapping.
    expect(entries[1]!.fields.map((field) => [field.key, field.line])).toEqual([['objectName', 24], ['objectType', 25], ['objectAlias', 26]]);
    expect(spc.secretObjects[0]!.line).toBe(29);
    expect(spc.secretObjects[0]!.data![0]!.objectName).toEqual({ key: 'objectName', value: 'db-password', kind: 'string', line: 32 });
    expect(spc.secretObjects[0]!.data![0]!.key!.line).toBe(33);
  });

  it('builds the typed model', () => {
    const model = toSecretProviderClassModel(spc);
    expect(model.objects).toEqual([
      { objectName: 'db-password', objectType: 'secret' },
      { objectName: 'tls', objectType: 'cert', objectAlias: 'tls.crt' },
    ]);
    expect(model.secretObjects).toEqual([{ secretName: 'app-db', type: 'Opaque', data: [{ objectName: 'db-password', key: 'password' }] }]);
  });

  it('reads the JSON form of objects', () => {
    const text = `kind: SecretProviderClass
metadata: {name: x}
spec:
  provider: azure
  parameters:
    objects: '{"array":["objectName: a\\nobjectType: secret", "objectName: b\\nobjectType: key"]}'
`;
    const json = parseSecretProviderClassFile(text, 'j.yaml').documents[0]!;
    expect(json.objects!.form).toBe('json');
    expect(json.objects!.problems).toEqual([]);
    expect(json.objects!.entries.map((entry) => entry.values)).toEqual([
      { objectName: 'a', objectType: 'secret' },
      { objectName: 'b', objectType: 'key' },
    ]);
    expect(json.objects!.entries[1]!.fields[0]!.line).toBe(6);
  });

  it.each([
    ['a list of maps (missing |)', '      array:\n        - objectName: a\n          objectType: secret\n', /is a map, not a string/, 19],
    ['a list without array:', '      - |\n        objectName: a\n', /is a list/, 18],
    ['bad indentation inside an entry', '      array:\n        - |\n          objectName: a\n            objectType: secret\n', /entry 0 is not valid YAML/, 20],
    ['a tab', '      array:\n        - |\n          objectName: a\n          objectType:\tsecret\n          \tx: y\n', /not valid YAML/, 22],
    ['an empty array', '      array: []\n', /array is empty/, 18],
  ])('records %s as a problem with its line, without throwing', (_label, objects, message, line) => {
    const text = `apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: x
  namespace: y
spec:
  provider: azure
  parameters:
    keyvaultName: kv-app
    tenantId: t
    useVMManagedIdentity: "true"
    userAssignedIdentityID: id
    a: b
    b: c
    c: d
    d: e
    objects: |
${objects}`;
    const problems = parseSecretProviderClassFile(text, 'x.yaml').documents[0]!.objects!.problems;
    expect(problems).toEqual([expect.objectContaining({ message: expect.stringMatching(message), line })]);
  });

  it('reports invalid YAML of a file that mentions SecretProviderClass', () => {
    const parsed = parseSecretProviderClassFile('kind: SecretProviderClass\nmetadata:\n  name: a\n  name: b\n', 'x.yaml');
    expect(parsed.problems).toEqual([expect.objectContaining({ line: 4 })]);
  });

  it('reads unquoted booleans and numbers with their YAML 1.1 kind', () => {
    const text = 'kind: SecretProviderClass\nspec:\n  parameters:\n    usePodIdentity: no\n    a: 0644\n    b: "yes"\n    c:\n';
    const kinds = parseSecretProviderClassFile(text, 'x.yaml').documents[0]!.parameters.map((parameter) => [parameter.key, parameter.kind]);
    expect(kinds).toEqual([['usePodIdentity', 'boolean'], ['a', 'number'], ['b', 'string'], ['c', 'null']]);
  });
});
