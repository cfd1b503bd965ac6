// Helpers for the deploy kit's tests: render a Kustomize directory with kubectl, validate objects with the Kubernetes
// schemas, read the kit's data files. Not a test file.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export const ROOT = path.resolve(__dirname, '../../..');
export const KIT = path.join(ROOT, 'deploy');

/** A Kubernetes object as rendered; only the fields the tests read are typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** `kubectl kustomize <dir>`: what Argo CD applies from the directory. */
export function kustomize(directory: string): KubeObject[] {
  const output = execFileSync('kubectl', ['kustomize', path.join(KIT, directory)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(output).map((document) => document.toJSON() as KubeObject).filter((object) => object !== null);
}

export interface SchemaResult {
  index: number;
  kind: string;
  name?: string;
  errors: string[];
}

/** Validates built-in kinds with kubernetes-models (run by Node: the package is ESM-only) — see validate-manifests.mjs. */
export function validateBuiltIn(objects: KubeObject[]): SchemaResult[] {
  const output = execFileSync(process.execPath, [path.join(__dirname, 'validate-manifests.mjs')], {
    cwd: path.join(ROOT, 'test'),
    input: JSON.stringify(objects),
    encoding: 'utf8',
  });
  return JSON.parse(output) as SchemaResult[];
}

/**
 * Validates SecretProviderClasses against the CRD's openAPIV3Schema as the Secrets Store CSI Driver v1.6.0 publishes
 * it (schemas/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml, kubernetes-sigs/secrets-store-csi-driver
 * deploy/ at tag v1.6.0, copied without edits).
 */
export function validateSecretProviderClass(object: KubeObject): string[] {
  const crd = parseYaml(readFileSync(path.join(__dirname, 'schemas/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml'), 'utf8')) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: object } }[] };
  };
  const version = object.apiVersion.split('/')[1];
  const schema = crd.spec.versions.find((v) => v.name === version)?.schema.openAPIV3Schema;
  if (schema === undefined) return [`the CRD serves no version ${version}`];
  // strict: false lets Ajv pass over the x-kubernetes-* extensions of a CRD schema.
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
  return validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

export const readJson = <T>(relative: string): T => JSON.parse(readFileSync(path.join(KIT, relative), 'utf8')) as T;

export interface KubernetesCall {
  method: string;
  request: string;
  apiGroup: string;
  resource: string;
  verb: string;
  optional?: string;
}

export interface AzureCall {
  method: string;
  sdkCall: string;
  request: string;
  permission: string;
  kind: 'action' | 'dataAction';
  role: string;
}

export interface RoleDefinition {
  Name: string;
  IsCustom: boolean;
  Description: string;
  Actions: string[];
  NotActions: string[];
  DataActions: string[];
  NotDataActions: string[];
  AssignableScopes: string[];
}

export const kubernetesCalls = (): KubernetesCall[] => readJson<{ calls: KubernetesCall[] }>('permissions/kubernetes-calls.json').calls;
/** The hub-only calls of the watcher's leader election (a Lease in the bot's namespace). */
export const kubernetesLeaderCalls = (): KubernetesCall[] => readJson<{ leaderCalls: KubernetesCall[] }>('permissions/kubernetes-calls.json').leaderCalls;
export const azureCalls = (): AzureCall[] => readJson<{ calls: AzureCall[] }>('permissions/azure-calls.json').calls;

/** "group/resource:verb" keys of RBAC rules, the shape the comparisons use. */
export function ruleKeys(rules: PolicyRule[]): string[] {
  const keys = new Set<string>();
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? []) for (const resource of rule.resources ?? []) for (const verb of rule.verbs) keys.add(`${group}/${resource}:${verb}`);
  }
  return [...keys].sort();
}

export const callKeys = (calls: KubernetesCall[]): string[] => [...new Set(calls.map((c) => `${c.apiGroup}/${c.resource}:${c.verb}`))].sort();
