import fc from 'fast-check';
import { isMap, parseDocument } from 'yaml';
import { lintText } from './lint/lint-text.js';
import type { AzureSecretProviderClass, KeyVaultObject, SecretObject } from './model.js';
import { checkMountedFilePath } from './names.js';
import { parseSecretProviderClassFile, toSecretProviderClassModel } from './parse.js';
import { buildSecretProviderClass, renderSecretProviderClass, type BindingObject, type BindingSpec } from './render.js';
import { stringifySecretProviderClass } from './serialize.js';
import { exampleRegistry } from './test-support.js';

const registry = exampleRegistry();

/** Strings heavy in what breaks hand-made YAML: quotes, colons, `#`, `|`, newlines, indicators, unicode. */
const hostileChar = fc.constantFrom('"', "'", ':', ': ', '#', ' #', '|', '>', '\n', '\r\n', '\t', ' ', '-', '- ', '{', '}', '[', ']', ',', '&', '*', '!', '%', '@', '`', '\\', '?', 'é', '日本', '🔑', '\u00a0', '\u2028', 'a', 'Z', '0', 'true', 'null', '~', 'yes', '---', '...');
const hostileString = fc.oneof(fc.string({ unit: hostileChar, maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ maxLength: 12 }));
const record = fc.dictionary(hostileString, hostileString, { maxKeys: 3 });

const keyVaultObject: fc.Arbitrary<KeyVaultObject> = fc.record(
  {
    objectName: hostileString,
    objectType: hostileString,
    objectAlias: hostileString,
    objectVersion: hostileString,
    objectVersionHistory: fc.integer({ min: 0, max: 1000 }),
    objectFormat: hostileString,
    objectEncoding: hostileString,
    filePermission: hostileString,
  },
  { requiredKeys: ['objectName', 'objectType'] },
);

const secretObject: fc.Arbitrary<SecretObject> = fc.record(
  {
    secretName: hostileString,
    type: hostileString,
    labels: record,
    annotations: record,
    data: fc.array(fc.record({ objectName: hostileString, key: hostileString }), { maxLength: 3 }),
  },
  { requiredKeys: ['secretName', 'type', 'data'] },
);

const anyModel: fc.Arbitrary<AzureSecretProviderClass> = fc.record(
  {
    name: hostileString,
    namespace: hostileString,
    labels: record,
    annotations: record,
    parameters: fc.record(
      {
        keyvaultName: hostileString, tenantId: hostileString, tenantID: hostileString, cloudName: hostileString, cloudEnvFileName: hostileString,
        usePodIdentity: hostileString, useVMManagedIdentity: hostileString, useAzureTokenProxy: hostileString,
        userAssignedIdentityID: hostileString, clientID: hostileString, resourceGroup: hostileString, subscriptionId: hostileString,
      },
      { requiredKeys: [] },
    ),
    objects: fc.array(keyVaultObject, { minLength: 1, maxLength: 4 }),
    secretObjects: fc.array(secretObject, { minLength: 1, maxLength: 2 }),
  },
  { requiredKeys: ['name', 'parameters', 'objects'] },
);

function keysOf(node: unknown): string[] {
  return isMap(node) ? node.items.map((pair) => String((pair.key as { value: unknown }).value)) : [];
}

describe('property: the serializer', () => {
  it('keeps a value whose first line holds only spaces (a counterexample fast-check found)', () => {
    const model = { name: '', parameters: {}, objects: [{ objectName: '', objectType: '', filePermission: ' \n' }, { objectName: '', objectType: '' }] };
    const parsed = parseSecretProviderClassFile(stringifySecretProviderClass(model as never), 'x.yaml');
    expect(toSecretProviderClassModel(parsed.documents[0]!)).toEqual(model);
  });

  it('round-trips any model through YAML and parse, whatever the strings hold', () => {
    fc.assert(
      fc.property(anyModel, (model) => {
        const parsed = parseSecretProviderClassFile(stringifySecretProviderClass(model), 'x.yaml');
        expect(parsed.problems).toEqual([]);
        expect(parsed.documents).toHaveLength(1);
        expect(parsed.documents[0]!.objects?.problems ?? []).toEqual([]);
        expect(toSecretProviderClassModel(parsed.documents[0]!)).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });

  it('never lets a value add a key at any level', () => {
    fc.assert(
      fc.property(anyModel, (model) => {
        const doc = parseDocument(stringifySecretProviderClass(model));
        expect(keysOf(doc.contents)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
        const metadataKeys = ['name', 'namespace', 'labels', 'annotations'].filter((key) => model[key as keyof typeof model] !== undefined);
        expect(keysOf(doc.getIn(['metadata'], true))).toEqual(metadataKeys);
        expect(keysOf(doc.getIn(['spec'], true))).toEqual(model.secretObjects?.length ? ['provider', 'parameters', 'secretObjects'] : ['provider', 'parameters']);
        expect(keysOf(doc.getIn(['spec', 'parameters'], true)).sort()).toEqual([...Object.keys(model.parameters), 'objects'].sort());
        const objects = parseDocument(String(doc.getIn(['spec', 'parameters', 'objects'])), { schema: 'failsafe' });
        expect(keysOf(objects.contents)).toEqual(['array']);
        const entries = (objects.toJS() as { array: string[] }).array;
        expect(entries).toHaveLength(model.objects.length);
        entries.forEach((entry, index) => {
          expect(keysOf(parseDocument(entry, { schema: 'failsafe' }).contents).sort()).toEqual(Object.keys(model.objects[index]!).sort());
        });
      }),
      { numRuns: 300 },
    );
  });
});

const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,14}[a-z0-9])?$/);
const objectName = fc.stringMatching(/^[0-9a-zA-Z-]{1,20}$/);
const alias = hostileString.filter((value) => checkMountedFilePath(value) === undefined);
const bindingObject: fc.Arbitrary<BindingObject> = fc.oneof(
  fc.record({ name: objectName, type: fc.constantFrom('key' as const, 'cert' as const), alias, version: fc.stringMatching(/^[0-9a-f]{32}$/) }, { requiredKeys: ['name', 'type'] }),
  fc.record(
    { name: objectName, type: fc.constant('secret' as const), alias, version: fc.stringMatching(/^[0-9a-f]{32}$/), format: fc.constantFrom('pem', 'pfx'), encoding: fc.constantFrom('utf-8', 'base64', 'hex') },
    { requiredKeys: ['name', 'type'] },
  ),
);
const fileOf = (object: BindingObject) => object.alias ?? object.name;
const fixedClusters = registry.list().filter((cluster) => cluster.identity.kind === 'fixed');

const validSpec: fc.Arbitrary<BindingSpec> = fc
  .record({
    app: dnsLabel,
    namespace: dnsLabel,
    cluster: fc.constantFrom(...fixedClusters),
    identityMode: fc.constantFrom('vmManagedIdentity' as const, 'workloadIdentity' as const),
    objects: fc.uniqueArray(bindingObject, { minLength: 1, maxLength: 5, selector: fileOf }),
  })
  .chain((base) => {
    const files = base.objects.map(fileOf);
    const secretObjectArbitrary = fc.record(
      {
        secretName: dnsLabel,
        type: fc.constantFrom('Opaque', 'example.com/custom'),
        labels: fc.dictionary(fc.stringMatching(/^[a-z]([-a-z0-9.]{0,10}[a-z0-9])?$/), fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?)?$/), { maxKeys: 2 }),
        annotations: fc.dictionary(fc.stringMatching(/^[a-z]([-a-z0-9.]{0,10}[a-z0-9])?$/), hostileString, { maxKeys: 2 }),
        data: fc.uniqueArray(fc.record({ objectName: fc.constantFrom(...files), key: fc.stringMatching(/^[-._a-zA-Z0-9]{1,12}$/) }), { minLength: 1, maxLength: 3, selector: (item) => item.key }),
      },
      { requiredKeys: ['secretName', 'type', 'data'] },
    );
    return fc.record({ secretObjects: fc.uniqueArray(secretObjectArbitrary, { maxLength: 2, selector: (item) => item.secretName }) }).map((extra) => ({ ...base, ...extra }));
  });

describe('property: the renderer', () => {
  it('render → parse returns the spec, and the output lints clean at its GitOps path', () => {
    fc.assert(
      fc.property(validSpec, (spec) => {
        const text = renderSecretProviderClass(spec);
        const parsed = parseSecretProviderClassFile(text, 'x.yaml').documents[0]!;
        const model = toSecretProviderClassModel(parsed);
        expect(model).toEqual(buildSecretProviderClass(spec));
        expect(model.namespace).toBe(spec.namespace);
        expect(model.objects.map((object) => [object.objectName, object.objectType, object.objectAlias, object.objectVersion, object.objectFormat, object.objectEncoding])).toEqual(
          spec.objects.map((object) => [object.name, object.type, object.alias, object.version, object.format, object.encoding]),
        );
        expect(model.secretObjects ?? []).toEqual(spec.secretObjects);
        const file = `/gitops/${registry.gitopsRoot}/${spec.app}/${spec.cluster.name}/secretproviderclass.yaml`;
        expect(lintText(text, file, { registry })).toEqual([]);
        expect(renderSecretProviderClass(spec)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
