'use strict';
// Writes a GitOps tree of SecretProviderClass files for the lint benchmark: rendered ones (valid) and
// mutated ones (broken in the ways the lint rules catch), over the example registry's clusters.
const fs = require('node:fs');
const path = require('node:path');

/** Mutations that break a rendered SecretProviderClass; each keeps the file parseable or not, as real mistakes do. */
const BREAKAGES = [
  (text) => text.replace('objectType: secret', 'objectType: Secret'),
  (text) => text.replace('objectType: secret', 'objecttype: secret'),
  (text) => text.replace('useVMManagedIdentity: "true"', 'useVMManagedIdentity: yes'),
  (text) => text.replace('usePodIdentity: "false"', 'usePodIdentity: "true"'),
  (text) => text.replace(/keyvaultName: (\S+)/, 'keyvaultName: https://$1.vault.azure.net/'),
  (text) => text.replace(/\n {4}tenantId: \S+/, ''),
  (text) => text.replace(/\n {2}namespace: \S+/, ''),
  (text) => text.replace(/objects: \|\n {6}array:\n {8}- \|\n/, 'objects: |\n      array:\n        - '),
  (text) => text.replace(/objectAlias: (\S+)/, 'objectAlias: ../$1'),
  (text) => text.replace('tenantId: 3f7a3df4', 'tenantId: 00000000'),
  (text) => text.replace(/(\n {10}objectType: secret)/, '$1\n          filePermission: rw'),
  (text) => text.replace(/key: (\S+)\n/, 'key: $1\n        - objectName: not-mounted\n          key: other\n'),
];

function pick(list, index) {
  return list[index % list.length];
}

/**
 * Writes `count` files under `<root>/<gitopsRoot>/<app>/<cluster>/`; about a third are broken.
 * Returns the number of files written.
 */
function generateTree(core, registry, root, count) {
  const clusters = registry.list().filter((cluster) => cluster.identity.kind === 'fixed');
  for (let index = 0; index < count; index++) {
    const cluster = pick(clusters, index);
    const app = `app-${String(index).padStart(5, '0')}`;
    const secrets = Array.from({ length: 1 + (index % 4) }, (_, n) => (n % 2 === 0 ? `${app}-secret-${n}=file-${n}` : `${app}-secret-${n}`));
    const inputs = { app, namespace: `ns-${index % 50}`, cluster, secrets };
    if (index % 3 !== 2) inputs.syncTo = [`${app}-env`];
    if (index % 5 === 0) inputs.tls = [`${app}-cert`];
    if (index % 7 === 0) inputs.certs = [`${app}-ca=ca.crt`];
    if (index % 4 === 3) inputs.workloadIdentity = true;
    let text = core.renderSecretProviderClass(core.bindingSpecFromInputs(inputs));
    if (index % 3 === 1) text = pick(BREAKAGES, Math.floor(index / 3))(text);
    // Some files carry other manifests too, as Helm-values trees do.
    if (index % 10 === 0) text = `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${app}\n---\n${text}`;
    const directory = path.join(root, registry.gitopsRoot, app, cluster.name);
    fs.mkdirSync(directory, { recursive: true });
    fs.writeFileSync(path.join(directory, 'secretproviderclass.yaml'), text);
  }
  return count;
}

module.exports = { generateTree };
