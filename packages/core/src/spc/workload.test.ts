import { parse } from 'yaml';
import { buildSecretProviderClass } from './render.js';
import { bindingSpecFromInputs } from './spec.js';
import { buildWorkloadSnippet, envVarName, renderWorkloadSnippet } from './workload.js';
import { exampleRegistry } from './test-support.js';

const cluster = exampleRegistry().get('cafehyna-dev');

describe('workload snippet', () => {
  const spc = buildSecretProviderClass(bindingSpecFromInputs({
    app: 'shop', namespace: 'shop', cluster, secrets: ['shop-db-password=db-password', 'api-token'], syncTo: ['shop-env'], tls: ['shop-cert'],
  }));

  it('mounts the CSI volume read-only with the SecretProviderClass name', () => {
    const snippet = buildWorkloadSnippet(spc);
    expect(snippet.volumes).toEqual([{ name: 'secrets-store', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'shop-secrets' } } }]);
    expect(snippet.containers[0]!.volumeMounts).toEqual([{ name: 'secrets-store', mountPath: '/mnt/secrets-store', readOnly: true }]);
  });

  it('reads env vars from the synced Opaque Secret, not from the TLS Secret', () => {
    const env = buildWorkloadSnippet(spc).containers[0]!.env;
    expect(env).toEqual([
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-env', key: 'db-password' } } },
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'shop-env', key: 'api-token' } } },
    ]);
  });

  it('renders YAML that reads back to the same snippet, with options applied', () => {
    const options = { containerName: 'web', mountPath: '/secrets', volumeName: 'kv' };
    expect(parse(renderWorkloadSnippet(spc, options))).toEqual(buildWorkloadSnippet(spc, options));
  });

  it('keeps a hostile name inside the comment', () => {
    const text = renderWorkloadSnippet({ ...spc, name: 'x\ninjected: true' });
    expect(Object.keys(parse(text) as object)).toEqual(['volumes', 'containers']);
  });

  it('makes valid, distinct env var names', () => {
    expect(envVarName('tls.crt')).toBe('TLS_CRT');
    expect(envVarName('1st-key')).toBe('_1ST_KEY');
  });
});
