import { Document } from 'yaml';
import { CSI_DRIVER_NAME, TLS_SECRET_TYPE, type AzureSecretProviderClass } from './model.js';

export interface WorkloadSnippetOptions {
  /** Container to patch; default: the app label, else the SecretProviderClass name. */
  containerName?: string;
  /** Default `secrets-store`. */
  volumeName?: string;
  /** Default `/mnt/secrets-store`. */
  mountPath?: string;
}

export interface EnvFromSecret {
  name: string;
  valueFrom: { secretKeyRef: { name: string; key: string } };
}

/** The pod-spec fragment an app needs to mount a SecretProviderClass and read its synced Secrets. */
export interface WorkloadSnippet {
  volumes: { name: string; csi: { driver: string; readOnly: true; volumeAttributes: { secretProviderClass: string } } }[];
  containers: { name: string; volumeMounts: { name: string; mountPath: string; readOnly: true }[]; env?: EnvFromSecret[] }[];
}

/** `db-password` → `DB_PASSWORD`: a valid environment variable name. */
export function envVarName(key: string): string {
  const name = key.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** The env vars reading every key of every synced Secret (TLS Secrets excluded: they are meant for volumes and Ingress). */
export function envFromSecretObjects(spc: AzureSecretProviderClass): EnvFromSecret[] {
  const env: EnvFromSecret[] = [];
  const used = new Set<string>();
  for (const secretObject of spc.secretObjects ?? []) {
    if (secretObject.type === TLS_SECRET_TYPE) continue;
    for (const item of secretObject.data) {
      const base = envVarName(item.key);
      let name = base;
      for (let suffix = 2; used.has(name); suffix++) name = `${base}_${suffix}`;
      used.add(name);
      env.push({ name, valueFrom: { secretKeyRef: { name: secretObject.secretName, key: item.key } } });
    }
  }
  return env;
}

export function buildWorkloadSnippet(spc: AzureSecretProviderClass, options: WorkloadSnippetOptions = {}): WorkloadSnippet {
  const volumeName = options.volumeName ?? 'secrets-store';
  const containerName = options.containerName ?? spc.labels?.['app.kubernetes.io/name'] ?? spc.name;
  const env = envFromSecretObjects(spc);
  const container: WorkloadSnippet['containers'][number] = {
    name: containerName,
    volumeMounts: [{ name: volumeName, mountPath: options.mountPath ?? '/mnt/secrets-store', readOnly: true }],
  };
  if (env.length > 0) container.env = env;
  return {
    // readOnly is mandatory: the driver refuses a writable CSI volume ("Readonly is not true in request").
    volumes: [{ name: volumeName, csi: { driver: CSI_DRIVER_NAME, readOnly: true, volumeAttributes: { secretProviderClass: spc.name } } }],
    containers: [container],
  };
}

/** The snippet as YAML, to merge into a Deployment's `spec.template.spec`. */
export function renderWorkloadSnippet(spc: AzureSecretProviderClass, options: WorkloadSnippetOptions = {}): string {
  const doc = new Document(buildWorkloadSnippet(spc, options), { version: '1.1' });
  // A comment node, not string concatenation: a name with a newline must not escape the comment.
  // Synced Secrets exist only while a pod mounts the CSI volume: keep the volume even if only env vars are used.
  doc.commentBefore = ` Merge into spec.template.spec of the workload that uses SecretProviderClass ${spc.name}.\n Synced Secrets exist only while a pod mounts this volume.`;
  return doc.toString({ lineWidth: 0, indentSeq: true });
}
