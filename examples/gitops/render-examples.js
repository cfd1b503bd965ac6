'use strict';
// Regenerates the example GitOps tree from bindings.json with the kvcsi renderer (needs `npm run build`).
// Usage: node examples/gitops/render-examples.js
const fs = require('node:fs');
const path = require('node:path');
const core = require('../../packages/core/dist/index.js');

/** The files of one example: the SecretProviderClass and the workload snippet. */
function renderBinding(registry, binding) {
  const { description: _description, cluster, ...inputs } = binding;
  const spec = core.bindingSpecFromInputs({ ...inputs, cluster: registry.get(cluster) });
  const model = core.buildSecretProviderClass(spec);
  return {
    directory: path.join(registry.gitopsRoot, binding.app, cluster),
    files: {
      'secretproviderclass.yaml': core.stringifySecretProviderClass(model),
      'workload-snippet.yaml': core.renderWorkloadSnippet(model),
    },
  };
}

function main() {
  const registry = core.parseRegistryConfig(fs.readFileSync(core.EXAMPLE_CONFIG_PATH, 'utf8'), core.EXAMPLE_CONFIG_PATH);
  const { bindings } = JSON.parse(fs.readFileSync(path.join(__dirname, 'bindings.json'), 'utf8'));
  for (const binding of bindings) {
    const { directory, files } = renderBinding(registry, binding);
    fs.mkdirSync(path.join(__dirname, directory), { recursive: true });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(__dirname, directory, name), text);
    console.log(`wrote ${path.join(directory, 'secretproviderclass.yaml')}`);
  }
}

if (require.main === module) main();
module.exports = { renderBinding };
