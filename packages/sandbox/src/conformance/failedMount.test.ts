import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { crdDirectory } from '../kubernetes/crdValidation.js';
import type { EventObject } from '../kubernetes/types.js';
import { createSandbox, type Sandbox } from '../sandbox.js';

// Every FailedMount (and rotation) text the mount loop writes must be one of the format strings of the component it
// imitates, nested the way the components nest them. The format strings are copied from upstream source (cited per
// line), never from the diagnosis engine or the failure catalogue: kubernetes/kubernetes (kubelet), kubernetes-sigs/
// secrets-store-csi-driver v1.6.0 and v1.5.6, Azure/secrets-store-csi-driver-provider-azure v1.8.2, grpc-go.

const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
const ANY = '[\\s\\S]+?';
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A Go format string as a regex source: each verb takes the next given source (or any text; %q a Go-quoted string). */
function go(format: string, ...inner: string[]): string {
  let next = 0;
  return format
    .split(/(%[+]?[svwqd])/)
    .map((part) => {
      if (!/^%[+]?[svwqd]$/.test(part)) return escape(part);
      const given = inner[next];
      next += 1;
      if (given !== undefined) return `(?:${given})`;
      return part === '%q' ? QUOTED : part === '%d' ? '\\d+' : ANY;
    })
    .join('');
}
const oneOf = (...sources: string[]): string => sources.map((s) => `(?:${s})`).join('|');
const WORD = '[A-Za-z0-9._-]+';

// grpc-go status.Error: "rpc error: code = %s desc = %s" (internal/status/status.go).
const rpc = (code: string, desc: string): string => go('rpc error: code = %s desc = %s', code, desc);

// Provider: pkg/server/server.go:61 "failed to mount objects, error: %w"; pkg/provider/provider.go:599
// errors.Wrapf(err, "failed to get objectType:%s, objectName:%s, objectVersion:%s"); configuration errors of
// provider.go (keyvaultName/tenantId/objects/identity modes/auth config) are wrapped the same way or returned as is.
const providerMessage = oneOf(
  go('failed to get objectType:%s, objectName:%s, objectVersion:%s: %s', '\\w*', '[^,]*', '[^:]*'),
  go('failed to build auth config for mode %s: %s', WORD),
  go('failed to create auth config, error: %s'),
  go('failed to get keyvault client: %s'),
  go('failed to yaml unmarshal objects, error: %s'),
  go('unmarshal failed for keyVaultObjects at index %d, error: %s'),
  go('failed to parse %s flag, error: %s', WORD),
  go('failed to get vault: %s'),
  go('cloudName %s is not valid, error: %s', WORD),
  'keyvaultName is not (?:provided|set)', 'tenantId is not (?:provided|set)', 'objects is not set', 'pod name is not provided',
  'only one identity mode can be enabled at a time: usePodIdentity, useVMManagedIdentity, or useAzureTokenProxy',
  // Go's decoding errors returned unwrapped by getContentBytes.
  go('illegal base64 data at input byte %d'), go('encoding/hex: %s'),
);
const providerCall = oneOf(
  rpc('Unknown', go('failed to mount objects, error: %w', providerMessage)),
  // provider_client.go: "%w: provider %q" under nodeserver.go "error connecting to provider %q: %w".
  go('error connecting to provider %q: %w', QUOTED, go('provider not found: provider %q')),
  'missing object versions',
);
// Driver NodePublishVolume (pkg/secrets-store/nodeserver.go, utils.go at v1.6.0).
const driverDesc = oneOf(
  go('failed to mount secrets store objects for pod %s/%s, err: %w', WORD, WORD, providerCall),
  go('failed to get secretproviderclass %s/%s, error: %w', WORD, WORD, go('secretproviderclasses.secrets-store.csi.x-k8s.io %q not found')),
  'secretProviderClass is not set',
  go('provider not set in %s/%s', WORD, WORD),
  go('parameters not set in %s/%s', WORD, WORD),
);
const driverError = oneOf(
  rpc('Unknown', driverDesc),
  rpc('InvalidArgument', 'Readonly is not true in request'),
  // kubelet's own csiTimeout ends the call.
  rpc('DeadlineExceeded', 'context deadline exceeded'),
);
// kubelet: pkg/volume/csi/csi_mounter.go, csi_client.go, csi_plugin.go; operation_generator.go GenerateError
// ("%s for volume %q %s" with ": " + err); kubelet.go "Unable to attach or mount volumes: %v"; volume_manager.go.
const kubeletError = oneOf(
  driverError,
  go('kubernetes.io/csi: mounter.SetupAt failed: %v', driverError),
  go('kubernetes.io/csi: mounter.SetUpAt failed to get CSI client: %v', go('driver name %s not found in the list of registered CSI drivers', WORD)),
  go('fetching NodePublishSecretRef %s/%s failed: %v', WORD, WORD, go('kubernetes.io/csi: failed to find the secret %s in the namespace %s with error: %v', WORD, WORD, go('secrets %q not found'))),
);
const volumeList = '\\[[^\\]]*\\]';
const FAILED_MOUNT = new RegExp(`^(?:${oneOf(
  go('MountVolume.SetUp failed for volume %q : %v', QUOTED, kubeletError),
  go('MountVolume.NewMounter initialization failed for volume %q : %v', QUOTED, go('volume mode %q not supported by driver %s (no CSIDriver object)', QUOTED, WORD)),
  go('Unable to attach or mount volumes: %v', oneOf(
    go('unmounted volumes=%v, unattached volumes=%v: %s', volumeList, volumeList, 'timed out waiting for the condition'),
    go('unmounted volumes=%v, unattached volumes=%v, failed to process volumes=%v: %w', volumeList, volumeList, volumeList, oneOf('timed out waiting for the condition', 'context deadline exceeded')),
  )),
)})$`);
// Driver ≤ v1.5.6 pkg/rotation/reconciler.go:403 "provider mount err: %+v" (the provider call's gRPC error).
const MOUNT_ROTATION_FAILED = new RegExp(`^${go('provider mount err: %+v', providerCall)}$`);
// Controller (secretproviderclasspodstatus_controller.go / secretutil): "failed to get data in spc %s/%s for secret %s, err: %w".
const FAILED_TO_CREATE_SECRET = new RegExp(`^${go('failed to get data in spc %s/%s for secret %s, err: %w', WORD, WORD, WORD, go('file matching objectName %s not found in the pod', WORD))}$`);

function eventsOf(s: Sandbox, reason: string): { cluster: string; message: string }[] {
  return Object.entries(s.state.kubernetes).flatMap(([cluster, kube]) =>
    (kube.list('events', { fieldSelector: `reason=${reason}` }).items as EventObject[]).map((e) => ({ cluster, message: e.message.replace(/^\(combined from similar events\): /, '') })));
}

function unmatched(s: Sandbox, reason: string, format: RegExp): string[] {
  return eventsOf(s, reason).filter((e) => !format.test(e.message)).map((e) => `${e.cluster}: ${e.message}`);
}

describe('FailedMount texts follow the upstream format strings they imitate', () => {
  it.each(['v1.4.1', 'v1.5.6', 'v1.7.2', 'v1.8.2'])('for every broken pod of the default scenario with provider %s', (providerVersion) => {
    const s = createSandbox({ scenario: 'default', autoSave: false });
    for (const cluster of s.state.azure.managedClusters) cluster.secretsStoreCsi = { ...cluster.secretsStoreCsi, providerVersion };
    for (const kube of Object.values(s.state.kubernetes)) for (const e of kube.list('events').items) kube.delete('events', e.metadata.namespace, e.metadata.name);
    s.reconcile();
    expect(eventsOf(s, 'FailedMount').length).toBeGreaterThanOrEqual(4);
    expect(unmatched(s, 'FailedMount', FAILED_MOUNT)).toEqual([]);
    expect(unmatched(s, 'FailedToCreateSecret', FAILED_TO_CREATE_SECRET)).toEqual([]);
  });

  it('over ten realistic minutes on old and new kubelets (retries, deadlines, pod-level timeouts, aggregation, rotation)', () => {
    const s = createSandbox({ scenario: 'default', autoSave: false, timing: 'realistic' });
    const versions = ['1.24.17', '1.27.9', '1.31.5', '1.18.20'];
    s.state.azure.managedClusters.forEach((c, i) => {
      c.kubernetesVersion = versions[i % versions.length] ?? '1.31.5';
    });
    s.advance(600_000);
    const texts = eventsOf(s, 'FailedMount').map((e) => e.message);
    expect(texts.some((t) => t.startsWith('Unable to attach or mount volumes'))).toBe(true);
    expect(texts.some((t) => t.includes('kubernetes.io/csi: mounter.SetupAt failed: rpc error'))).toBe(true);
    expect(unmatched(s, 'FailedMount', FAILED_MOUNT)).toEqual([]);
    expect(unmatched(s, 'MountRotationFailed', MOUNT_ROTATION_FAILED)).toEqual([]);
  });
});

describe('every SecretProviderClass and SecretProviderClassPodStatus served validates against the released CRDs', () => {
  const REFERENCE = path.resolve(__dirname, '../../reference/kubernetes');
  const files = { secretproviderclasses: 'secrets-store.csi.x-k8s.io_secretproviderclasses.yaml', secretproviderclasspodstatuses: 'secrets-store.csi.x-k8s.io_secretproviderclasspodstatuses.yaml' } as const;

  it('ships byte-identical copies of the reference CRDs', () => {
    for (const file of Object.values(files)) expect(readFileSync(path.join(crdDirectory(), file), 'utf8')).toBe(readFileSync(path.join(REFERENCE, file), 'utf8'));
  });

  it('validates each one the scenario and the mount loop produce', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const s = createSandbox({ scenario: 'default', autoSave: false, timing: 'realistic' });
    s.advance(300_000);
    let checked = 0;
    for (const [plural, file] of Object.entries(files)) {
      const crd = parse(readFileSync(path.join(REFERENCE, file), 'utf8')) as { spec: { versions: { name: string; schema: { openAPIV3Schema: object } }[] } };
      const validators = Object.fromEntries(crd.spec.versions.map((v) => [v.name, ajv.compile(v.schema.openAPIV3Schema)]));
      for (const [cluster, kube] of Object.entries(s.state.kubernetes)) {
        for (const object of kube.list(plural as keyof typeof files).items) {
          const version = object.apiVersion.split('/')[1] ?? '';
          const validate = validators[version];
          expect(validate).toBeDefined();
          const name = object.metadata.name;
          const valid: boolean = validate === undefined || validate(object);
          if (!valid) throw new Error(`${cluster} ${plural}/${name}: ${ajv.errorsText(validate?.errors)}`);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });
});
