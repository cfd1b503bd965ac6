/**
 * The deploy kit renders and validates: every overlay through `kubectl kustomize`, every built-in object against the
 * Kubernetes schemas (kubernetes-models), the SecretProviderClass against the driver's CRD, then what a reviewer
 * would check by hand — non-root, probes, workload identity, no secret value in the manifests.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseRegistryConfig } from '@kvcsi/core';
import { KIT, ROOT, kustomize, validateBuiltIn, validateSecretProviderClass, type KubeObject } from './testing';

const OVERLAYS = ['http', 'socket'] as const;
type Overlay = (typeof OVERLAYS)[number];

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: unknown; fieldRef?: unknown };
}
interface Probe { httpGet?: { path: string; port: number | string } }
interface Container {
  name: string;
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[]; add?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: { name: string; configMap?: { name: string }; csi?: { driver: string; volumeAttributes?: Record<string, string> } }[];
  topologySpreadConstraints?: { topologyKey: string }[];
}
interface Deployment extends KubeObject {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

const rendered = new Map<Overlay, KubeObject[]>(OVERLAYS.map((overlay) => [overlay, kustomize(`overlays/${overlay}`)]));
const objectsOf = (overlay: Overlay): KubeObject[] => rendered.get(overlay) ?? [];
const one = <T extends KubeObject>(overlay: Overlay, kind: string): T => {
  const found = objectsOf(overlay).filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`${overlay}: expected one ${kind}, found ${found.length}`);
  return found[0] as T;
};
const botContainer = (overlay: Overlay): Container => {
  const container = one<Deployment>(overlay, 'Deployment').spec.template.spec.containers.find((c) => c.name === 'bot');
  if (container === undefined) throw new Error(`${overlay}: no bot container`);
  return container;
};

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('renders objects that validate against the Kubernetes schemas and the SecretProviderClass CRD', () => {
    const objects = objectsOf(overlay);
    const builtIn = objects.filter((o) => o.apiVersion !== 'secrets-store.csi.x-k8s.io/v1');
    const kinds = ['ClusterRoleBinding', 'ConfigMap', 'Deployment', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'ServiceAccount', ...(overlay === 'http' ? ['Ingress', 'Service'] : [])];
    expect(builtIn.map((o) => o.kind).sort()).toEqual(kinds.sort());
    expect(validateBuiltIn(builtIn).filter((r) => r.errors.length > 0)).toEqual([]);
    const spc = one(overlay, 'SecretProviderClass');
    expect(validateSecretProviderClass(spc)).toEqual([]);
  });

  it('puts every namespaced object in the kvcsi namespace', () => {
    for (const object of objectsOf(overlay).filter((o) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind))) {
      expect(`${object.kind}/${object.metadata.name} ${object.metadata.namespace}`).toBe(`${object.kind}/${object.metadata.name} kvcsi`);
    }
  });

  it('runs two replicas as non-root with a read-only root, no capabilities, requests, limits and topology spread, behind a PDB', () => {
    const deployment = one<Deployment>(overlay, 'Deployment');
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(2);
    // The bot checks KVCSI_REPLICAS against its store (more than one needs PostgreSQL): it must say the truth.
    expect(botContainer(overlay).env?.find((e) => e.name === 'KVCSI_REPLICAS')?.value).toBe(String(deployment.spec.replicas));
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    for (const container of pod.containers) {
      expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(container.securityContext?.capabilities?.add ?? []).toEqual([]);
      expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(container.resources?.limits?.['memory']).toBeDefined();
    }
    expect(pod.topologySpreadConstraints?.map((c) => c.topologyKey).sort()).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    const pdb = one<KubeObject & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(overlay, 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(deployment.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
  });

  it('probes liveness on /healthz and readiness on /readyz, on the port the bot listens on', () => {
    const container = botContainer(overlay);
    const port = container.ports?.find((p) => p.name === 'http');
    const portEnv = container.env?.find((e) => e.name === 'PORT')?.value;
    expect(String(port?.containerPort)).toBe(portEnv);
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  it('uses workload identity: the pod label, and one client id for the ServiceAccount and the SecretProviderClass', () => {
    const deployment = one<Deployment>(overlay, 'Deployment');
    const serviceAccount = one(overlay, 'ServiceAccount');
    const spc = one<KubeObject & { spec: { parameters: Record<string, string> } }>(overlay, 'SecretProviderClass');
    expect(deployment.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
    expect(deployment.spec.template.spec.serviceAccountName).toBe(serviceAccount.metadata.name);
    const clientId = serviceAccount.metadata.annotations?.['azure.workload.identity/client-id'];
    expect(clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(spc.spec.parameters).toMatchObject({ clientID: clientId, useVMManagedIdentity: 'false', usePodIdentity: 'false' });
  });

  it('mounts the Slack tokens from the SecretProviderClass as files the bot reads', () => {
    const deployment = one<Deployment>(overlay, 'Deployment');
    const container = botContainer(overlay);
    const spc = one<KubeObject & { spec: { parameters: { objects: string } } }>(overlay, 'SecretProviderClass');
    const volume = deployment.spec.template.spec.volumes?.find((v) => v.csi?.volumeAttributes?.['secretProviderClass'] === spc.metadata.name);
    expect(volume?.csi?.driver).toBe('secrets-store.csi.k8s.io');
    const mountPath = container.volumeMounts?.find((m) => m.name === volume?.name)?.mountPath;
    const aliases = [...spc.spec.parameters.objects.matchAll(/objectAlias: (\S+)/g)].map((m) => m[1]).sort();
    const fileVars = (container.env ?? []).filter((e) => e.name.startsWith('SLACK_') && e.name.endsWith('_FILE'));
    expect(fileVars.map((e) => e.value).sort()).toEqual(aliases.map((alias) => `${mountPath}/${alias}`));
    const expected = overlay === 'http' ? ['SLACK_BOT_TOKEN_FILE', 'SLACK_SIGNING_SECRET_FILE'] : ['SLACK_APP_TOKEN_FILE', 'SLACK_BOT_TOKEN_FILE'];
    expect(fileVars.map((e) => e.name).sort()).toEqual(expected);
  });

  it('carries no secret value: no Secret objects, secrets only by reference, the database URL from a secretKeyRef', () => {
    const objects = objectsOf(overlay);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const env = botContainer(overlay).env ?? [];
    const sensitive = /TOKEN|SECRET|PASSWORD|DATABASE_URL|CONNECTION|API_KEY|DECISION_KEY|CREDENTIAL/;
    for (const variable of env.filter((e) => sensitive.test(e.name))) {
      // A sensitive variable is a file path (the _FILE convention) or comes from a Secret, never a literal.
      if (variable.name.endsWith('_FILE')) expect(variable.value).toMatch(/^\/var\/run\/secrets\//);
      else expect(variable).toEqual({ name: variable.name, valueFrom: { secretKeyRef: expect.objectContaining({ name: expect.any(String), key: expect.any(String) }) } });
    }
    expect(env.find((e) => e.name === 'KVCSI_DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'kvcsi-database', key: 'url' });
    expect(env.find((e) => e.name === 'KVCSI_DECISION_KEY')?.valueFrom?.secretKeyRef).toEqual({ name: 'kvcsi-decision-key', key: 'private-key.pem' });
    // Nothing in the rendered text looks like a Slack token or a URL with a password.
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/xox[abpe]-|xapp-|postgres(ql)?:\/\/[^"\s]*:[^"\s@]*@/);
  });

  it('loads a registry the core accepts from the ConfigMap the bot reads (KVCSI_CONFIG)', () => {
    const deployment = one<Deployment>(overlay, 'Deployment');
    const container = botContainer(overlay);
    const configPath = container.env?.find((e) => e.name === 'KVCSI_CONFIG')?.value ?? '';
    const mount = container.volumeMounts?.find((m) => configPath.startsWith(`${m.mountPath}/`));
    const configMapName = deployment.spec.template.spec.volumes?.find((v) => v.name === mount?.name)?.configMap?.name;
    const configMap = objectsOf(overlay).find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName) as (KubeObject & { data: Record<string, string> }) | undefined;
    const text = configMap?.data[path.basename(configPath)];
    expect(text).toBeDefined();
    const registry = parseRegistryConfig(text ?? '', `${overlay} ConfigMap`);
    expect(registry.list().length).toBeGreaterThan(0);
    // The Slack tokens' vault is the hub cluster's vault of this very registry.
    const spc = one<KubeObject & { spec: { parameters: Record<string, string> } }>(overlay, 'SecretProviderClass');
    expect(registry.list().some((c) => c.tier === 'hub' && c.keyVault.name === spc.spec.parameters['keyvaultName'] && c.tenantId === spc.spec.parameters['tenantId'])).toBe(true);
  });
});

describe('the schema validation', () => {
  it('refuses what the API server would refuse (so a pass means something)', () => {
    const deployment = structuredClone(one<Deployment>('http', 'Deployment'));
    (deployment.spec.template.spec.containers[0] as unknown as { ports: unknown[] }).ports = [{ name: 'http', containerPort: 'three thousand' }];
    const spc = structuredClone(one<KubeObject & { spec: Record<string, unknown> }>('http', 'SecretProviderClass'));
    spc.spec['secretObjects'] = [{ secretName: 'x', type: 'Opaque', data: 'not a list' }];
    expect(validateBuiltIn([deployment])[0]?.errors.join()).toMatch(/containerPort must be integer/);
    expect(validateBuiltIn([{ apiVersion: 'v1', kind: 'NoSuchKind', metadata: { name: 'x' } }])[0]?.errors).toEqual(['no schema for v1 NoSuchKind']);
    expect(validateSecretProviderClass(spc).join()).toMatch(/secretObjects\/0\/data must be array/);
  });
});

describe('the two transports', () => {
  it('HTTP exposes only /slack/events through the Ingress, to the bot port; Socket Mode has no Service or Ingress', () => {
    const ingress = one<KubeObject & { spec: { rules: { http: { paths: { path: string; pathType: string; backend: { service: { name: string; port: { name: string } } } }[] } }[] } }>('http', 'Ingress');
    const paths = ingress.spec.rules.flatMap((r) => r.http.paths);
    expect(paths.map((p) => `${p.pathType} ${p.path}`)).toEqual(['Exact /slack/events']);
    const service = one<KubeObject & { spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] } }>('http', 'Service');
    expect(paths[0]?.backend.service.name).toBe(service.metadata.name);
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
    expect(one<Deployment>('http', 'Deployment').spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(objectsOf('socket').filter((o) => o.kind === 'Ingress' || o.kind === 'Service')).toEqual([]);
    expect(botContainer('socket').env?.find((e) => e.name === 'KVCSI_SLACK_TRANSPORT')?.value).toBe('socket');
  });

  it('lets the ingress controller reach the bot only in the HTTP overlay; both may call out on 443 and 5432 only', () => {
    type Policy = KubeObject & { spec: { ingress: { from: { namespaceSelector: { matchLabels: Record<string, string> } }[] }[]; egress: { ports: { port: number }[] }[] } };
    const sources = (overlay: Overlay): string[] => one<Policy>(overlay, 'NetworkPolicy').spec.ingress.flatMap((r) => r.from.map((f) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name'] ?? '?')).sort();
    expect(sources('http')).toEqual(['app-routing-system', 'monitoring']);
    expect(sources('socket')).toEqual(['monitoring']);
    const ports = one<Policy>('socket', 'NetworkPolicy').spec.egress.flatMap((r) => r.ports.map((p) => p.port));
    expect([...new Set(ports)].sort((a, b) => a - b)).toEqual([53, 443, 5432]);
  });
});

describe('the SecretProviderClass for the Slack tokens', () => {
  // The script runs the installed kvcsi binary (the built dist/): `npm test` builds it (tsc -b) before jest runs.
  beforeAll(() => {
    if (!existsSync(path.join(ROOT, 'packages/cli/dist/main.js'))) throw new Error('packages/cli/dist is missing: run `npm run build` first');
  });

  it('is exactly what kvcsi render makes of the kit (deploy/scripts/render-secretproviderclasses.sh)', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'kvcsi-spc-'));
    execFileSync(path.join(KIT, 'scripts/render-secretproviderclasses.sh'), [out], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const overlay of OVERLAYS) {
      const committed = readFileSync(path.join(KIT, `overlays/${overlay}/secretproviderclass.yaml`), 'utf8');
      expect({ overlay, text: committed }).toEqual({ overlay, text: readFileSync(path.join(out, overlay, 'secretproviderclass.yaml'), 'utf8') });
    }
  });
});
