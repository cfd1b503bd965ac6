import { KvcsiError } from '../errors.js';
import { buildSecretProviderClass, renderSecretProviderClass, type BindingSpec } from './render.js';
import { bindingSpecFromInputs } from './spec.js';
import { parseSecretProviderClassFile, toSecretProviderClassModel } from './parse.js';
import { lintText } from './lint/lint-text.js';
import { exampleRegistry } from './test-support.js';

const registry = exampleRegistry();
const prd = registry.get('cafehyna-prd');

function roundTrip(spec: BindingSpec) {
  const text = renderSecretProviderClass(spec);
  const parsed = parseSecretProviderClassFile(text, 'x.yaml');
  expect(parsed.documents).toHaveLength(1);
  return { text, parsed: parsed.documents[0]!, model: toSecretProviderClassModel(parsed.documents[0]!) };
}

describe('renderSecretProviderClass', () => {
  it('renders one API token with VM managed identity, vault, tenant and cloud from the registry', () => {
    const spec = bindingSpecFromInputs({ app: 'billing', namespace: 'billing', cluster: prd, secrets: ['billing-api-token=api-token'], syncTo: ['billing-api'] });
    const { text, model } = roundTrip(spec);
    expect(text).toContain('useVMManagedIdentity: "true"\n');
    expect(text).toContain('userAssignedIdentityID: f1a14a8f-6d38-40a0-a935-3cdd91a25f47\n');
    expect(text).not.toContain('clientID');
    expect(model.parameters).toEqual({
      usePodIdentity: 'false',
      useVMManagedIdentity: 'true',
      userAssignedIdentityID: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47',
      keyvaultName: 'kv-cafehyna-prd',
      cloudName: 'AzurePublicCloud',
      tenantId: '3f7a3df4-f85b-4ca8-98d0-08b1034e6567',
    });
    expect(model.labels).toEqual({ 'app.kubernetes.io/name': 'billing', 'app.kubernetes.io/component': 'secrets' });
    expect(model.objects).toEqual([{ objectName: 'billing-api-token', objectType: 'secret', objectAlias: 'api-token' }]);
    expect(model.secretObjects).toEqual([{ secretName: 'billing-api', type: 'Opaque', data: [{ objectName: 'api-token', key: 'api-token' }] }]);
    expect(model).toEqual(buildSecretProviderClass(spec));
  });

  it('renders workload identity with clientID and no VM identity', () => {
    const spec = bindingSpecFromInputs({ app: 'billing', namespace: 'billing', cluster: prd, secrets: ['billing-api-token'], workloadIdentity: true });
    const { text, model } = roundTrip(spec);
    expect(model.parameters.clientID).toBe('f1a14a8f-6d38-40a0-a935-3cdd91a25f47');
    expect(model.parameters.useVMManagedIdentity).toBe('false');
    expect(text).not.toContain('userAssignedIdentityID');
  });

  it('renders several secrets into several Kubernetes Secrets', () => {
    const spec = bindingSpecFromInputs({
      app: 'shop', namespace: 'shop', cluster: prd,
      secrets: ['shop-db-password=db-password', 'shop-db-user=db-user', 'shop-smtp-password=smtp-password'],
      syncTo: ['shop-db=db-password,db-user', 'shop-smtp'],
    });
    const { model } = roundTrip(spec);
    expect(model.secretObjects).toEqual([
      { secretName: 'shop-db', type: 'Opaque', data: [{ objectName: 'db-password', key: 'db-password' }, { objectName: 'db-user', key: 'db-user' }] },
      { secretName: 'shop-smtp', type: 'Opaque', data: [{ objectName: 'smtp-password', key: 'smtp-password' }] },
    ]);
  });

  it('renders a TLS certificate into a kubernetes.io/tls Secret from the cert and the secret of the same name', () => {
    const spec = bindingSpecFromInputs({ app: 'portal', namespace: 'portal', cluster: prd, tls: ['portal-tls=portal-tls-secret'] });
    const { model } = roundTrip(spec);
    expect(model.objects).toEqual([
      { objectName: 'portal-tls', objectType: 'cert', objectAlias: 'portal-tls.crt' },
      { objectName: 'portal-tls', objectType: 'secret', objectAlias: 'portal-tls.key' },
    ]);
    expect(model.secretObjects).toEqual([
      { secretName: 'portal-tls-secret', type: 'kubernetes.io/tls', data: [{ objectName: 'portal-tls.crt', key: 'tls.crt' }, { objectName: 'portal-tls.key', key: 'tls.key' }] },
    ]);
  });

  it('is byte-stable and lint-clean at its GitOps path', () => {
    const spec = bindingSpecFromInputs({ app: 'portal', namespace: 'portal', cluster: prd, secrets: ['a', 'b=c'], certs: ['d'], syncTo: ['s'], tls: ['e'] });
    const first = renderSecretProviderClass(spec);
    expect(renderSecretProviderClass(structuredClone(spec))).toBe(first);
    expect(lintText(first, '/repo/argo-cd-helm-values/kube-addons/portal/cafehyna-prd/secretproviderclass.yaml', { registry })).toEqual([]);
  });

  it('keeps version, format and encoding of secret objects', () => {
    const { model } = roundTrip({
      app: 'a', namespace: 'n', cluster: prd,
      objects: [{ name: 'bundle', type: 'secret', alias: 'bundle.pfx', version: '0123456789abcdef0123456789abcdef', format: 'pfx', encoding: 'base64' }],
    });
    expect(model.objects[0]).toEqual({ objectName: 'bundle', objectType: 'secret', objectAlias: 'bundle.pfx', objectVersion: '0123456789abcdef0123456789abcdef', objectFormat: 'pfx', objectEncoding: 'base64' });
  });

  it('needs the client ID when the cluster identity is "discover"', () => {
    const painel = registry.get('painelclientes-dev');
    const spec: BindingSpec = { app: 'a', namespace: 'n', cluster: painel, objects: [{ name: 'x', type: 'secret' }] };
    expect(() => buildSecretProviderClass(spec)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'identityClientId' }));
    const model = buildSecretProviderClass({ ...spec, identityClientId: '11111111-2222-3333-4444-555555555555' });
    expect(model.parameters.userAssignedIdentityID).toBe('11111111-2222-3333-4444-555555555555');
    expect(model.parameters.keyvaultName).toBe('painel-clientes-hml');
  });

  it.each([
    ['app', { app: 'Bad_App' }],
    ['namespace', { namespace: '' }],
    ['objects[0].name', { objects: [{ name: 'bad name', type: 'secret' as const }] }],
    ['objects[0].alias', { objects: [{ name: 'x', type: 'secret' as const, alias: '../etc/passwd' }] }],
    ['objects[0].format', { objects: [{ name: 'x', type: 'cert' as const, format: 'pfx' }] }],
    ['objects[0].encoding', { objects: [{ name: 'x', type: 'secret' as const, encoding: 'rot13' }] }],
    ['objects[1]', { objects: [{ name: 'x', type: 'secret' as const }, { name: 'x', type: 'cert' as const }] }],
    ['secretObjects[0].data[0].objectName', { secretObjects: [{ secretName: 's', type: 'Opaque', data: [{ objectName: 'nope', key: 'k' }] }] }],
    ['secretObjects[0].data', { secretObjects: [{ secretName: 's', type: 'kubernetes.io/tls', data: [{ objectName: 'x', key: 'tls.crt' }] }] }],
  ])('rejects a bad %s with INVALID_INPUT naming the field', (field, override) => {
    const spec: BindingSpec = { app: 'a', namespace: 'n', cluster: prd, objects: [{ name: 'x', type: 'secret' }], ...override };
    let caught: unknown;
    try {
      buildSecretProviderClass(spec);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KvcsiError);
    expect((caught as KvcsiError).code).toBe('INVALID_INPUT');
    expect((caught as KvcsiError).field).toBe(field);
    expect((caught as KvcsiError).rule).toEqual(expect.any(String));
  });
});
