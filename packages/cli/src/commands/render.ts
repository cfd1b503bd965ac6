import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KvcsiError } from '@kvcsi/core/errors';
import { bindingSpecFromInputs, buildSecretProviderClass, renderSecretProviderClass, renderWorkloadSnippet } from '@kvcsi/core/spc';
import type { Command } from 'commander';
import { EXIT_OK } from '../exit-codes.js';
import type { RunCommand } from '../main.js';

interface RenderOptions {
  app: string;
  cluster: string;
  namespace: string;
  secret: string[];
  cert: string[];
  syncTo: string[];
  tls: string[];
  workloadIdentity?: boolean;
  name?: string;
  identityClientId?: string;
  workload?: boolean;
  write?: string;
  force?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `<gitops-root>/<app>/<cluster>/secretproviderclass.yaml`, the layout Argo CD syncs from. */
export function gitopsFilePath(gitopsRoot: string, app: string, cluster: string): string {
  return path.join(gitopsRoot, app, cluster, 'secretproviderclass.yaml');
}

function writeOnce(file: string, content: string, force: boolean): void {
  if (existsSync(file) && !force) {
    throw new KvcsiError('ALREADY_EXISTS', `${file} exists; pass --force to overwrite it`, { field: '--write', rule: 'refuses to overwrite without --force', file });
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

export function registerRenderCommand(program: Command, run: RunCommand): void {
  program
    .command('render')
    .description('Render the SecretProviderClass (and the workload snippet) for an app on a cluster, from the cluster registry')
    .requiredOption('--app <app>', 'the app (label app.kubernetes.io/name and GitOps directory)')
    .requiredOption('-c, --cluster <cluster>', 'a cluster of the configuration (vault, identity and tenant come from it)')
    .requiredOption('-n, --namespace <namespace>', 'the namespace of the pods that mount it')
    .option('--secret <name[=alias]>', 'a Key Vault secret to mount, optionally under another file name (repeatable)', collect, [])
    .option('--cert <name[=alias]>', 'a Key Vault certificate to mount (public cert only; repeatable)', collect, [])
    .option('--sync-to <k8s-secret[=file,…]>', 'sync mounted files into this Kubernetes Secret (repeatable)', collect, [])
    .option('--tls <cert-name[=k8s-secret]>', 'mount a certificate and its key and sync them into a kubernetes.io/tls Secret (repeatable)', collect, [])
    .option('--workload-identity', 'authenticate with workload identity (clientID) instead of the VM managed identity')
    .option('--name <spc-name>', 'the SecretProviderClass name (default: <app>-secrets)')
    .option('--identity-client-id <guid>', 'client ID of the identity, for clusters whose identity is "discover" (the AKS kubelet identity)')
    .option('--workload', 'also print the pod spec snippet: CSI volume, volumeMount and env vars from the synced Secret')
    .option('--write <gitops-root>', 'write <gitops-root>/<app>/<cluster>/secretproviderclass.yaml instead of printing it')
    .option('--force', 'with --write, overwrite an existing file')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  # one API token, synced into a Kubernetes Secret',
        '  kvcsi render --app external-dns --cluster cafehyna-dev -n external-dns --secret cloudflare-api-token --sync-to cloudflare-api-token',
        '  # a TLS certificate into a kubernetes.io/tls Secret',
        '  kvcsi render --app ingress --cluster cafehyna-prd -n ingress --tls wildcard-cafehyna',
        '  # write it into the GitOps tree',
        '  kvcsi render --app defectdojo --cluster cafehyna-prd -n defectdojo --secret defectdojo-admin --write argo-cd-helm-values/kube-addons',
        '',
      ].join('\n'),
    )
    .action((options: RenderOptions) =>
      run((context) => {
        const cluster = context.registry.get(options.cluster);
        const spec = bindingSpecFromInputs({
          app: options.app,
          namespace: options.namespace,
          cluster,
          secrets: options.secret,
          certs: options.cert,
          syncTo: options.syncTo,
          tls: options.tls,
          workloadIdentity: options.workloadIdentity === true,
          ...(options.name === undefined ? {} : { spcName: options.name }),
          ...(options.identityClientId === undefined ? {} : { identityClientId: options.identityClientId }),
        });
        if (cluster.identity.kind === 'discover' && options.identityClientId === undefined) {
          throw new KvcsiError(
            'INVALID_INPUT',
            `cluster "${cluster.name}" takes its identity from AKS (discover): pass --identity-client-id with the kubelet identity's client ID ` +
              `(az aks show -g <resource-group> -n ${cluster.name} --query identityProfile.kubeletidentity.clientId -o tsv)`,
            { field: '--identity-client-id', rule: 'required for clusters whose identity is "discover"' },
          );
        }
        const spcYaml = renderSecretProviderClass(spec);
        const workloadYaml = options.workload ? renderWorkloadSnippet(buildSecretProviderClass(spec)) : undefined;
        const file = options.write === undefined ? undefined : gitopsFilePath(path.resolve(context.io.cwd, options.write), options.app, cluster.name);
        if (file) writeOnce(file, spcYaml, options.force === true);

        if (context.options.format === 'json') {
          context.json({ secretProviderClass: spcYaml, ...(workloadYaml ? { workloadSnippet: workloadYaml } : {}), ...(file ? { written: file } : {}) });
          return EXIT_OK;
        }
        if (file) context.out(`wrote ${file}\n`);
        else context.out(spcYaml);
        if (workloadYaml) context.out(`${file ? '' : '\n'}# Add to the pod spec of ${options.app}:\n${workloadYaml}`);
        return EXIT_OK;
      }),
    );
}
