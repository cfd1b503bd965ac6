import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lintFiles } from './lint/lint-files.js';
import { buildSecretProviderClass } from './render.js';
import { stringifySecretProviderClass } from './serialize.js';
import { bindingSpecFromInputs, type BindingInputs } from './spec.js';
import { exampleRegistry } from './test-support.js';
import { renderWorkloadSnippet } from './workload.js';

const EXAMPLES = path.resolve(__dirname, '../../../../examples/gitops');
const registry = exampleRegistry();

type ExampleBinding = Omit<BindingInputs, 'cluster'> & { cluster: string; description: string };
const { bindings } = JSON.parse(readFileSync(path.join(EXAMPLES, 'bindings.json'), 'utf8')) as { bindings: ExampleBinding[] };

describe('examples/gitops', () => {
  it('covers the runbook apps and the three patterns', () => {
    expect(bindings.map((binding) => `${binding.app}/${binding.cluster}`)).toEqual(
      expect.arrayContaining(['external-dns/cafehyna-dev', 'defectdojo/cafehyna-prd', 'cert-manager/cafehyna-dev']),
    );
    expect(bindings.some((binding) => binding.tls?.length)).toBe(true);
  });

  it.each(bindings.map((binding) => [`${binding.app}/${binding.cluster}`, binding] as const))('%s is exactly what the renderer produces', (_name, binding) => {
    const { description: _description, cluster, ...inputs } = binding;
    const model = buildSecretProviderClass(bindingSpecFromInputs({ ...inputs, cluster: registry.get(cluster) }));
    const directory = path.join(EXAMPLES, registry.gitopsRoot, binding.app, cluster);
    expect(readFileSync(path.join(directory, 'secretproviderclass.yaml'), 'utf8')).toBe(stringifySecretProviderClass(model));
    expect(readFileSync(path.join(directory, 'workload-snippet.yaml'), 'utf8')).toBe(renderWorkloadSnippet(model));
  });

  it('is lint-clean with the example registry', async () => {
    const result = await lintFiles([EXAMPLES], { registry });
    expect(result.findings).toEqual([]);
    expect(result.filesChecked).toBe(bindings.length * 2);
  });
});
