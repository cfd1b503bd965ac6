import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { KvcsiError } from '@kvcsi/core';
import { LineCounter, parseAllDocuments, parseDocument, type Document } from 'yaml';
import type { ZodError } from 'zod';
import { azureStateFromScenario } from '../azure/fromScenario.js';
import type { AzureState } from '../azure/model.js';
import { scenarioSchema, type Scenario } from './schema.js';

export interface LoadedScenario {
  name: string;
  /** The scenario's directory. */
  directory: string;
  scenario: Scenario;
  azure: AzureState;
  /** Per cluster, the documents of `kubernetes/<cluster>.yaml` (empty when the file is absent). */
  kubernetesManifests: Record<string, unknown[]>;
  /** The parsed `expectations.yaml`, or undefined when absent. Its schema belongs to the mount loop. */
  expectations: unknown;
}

/**
 * The package root, found from this file whether it runs from src/ (jest) or dist/ (runtime). Scenario YAML ships
 * under src/scenarios (package.json `files`), so both resolve to the same directory.
 */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === '@kvcsi/sandbox') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new KvcsiError('INTERNAL', `cannot find the @kvcsi/sandbox package root above ${__dirname}`);
    dir = parent;
  }
}

export function scenariosDirectory(): string {
  return path.join(packageRoot(), 'src', 'scenarios');
}

/** The names of the scenarios shipped with the package. */
export function listScenarios(): string[] {
  const root = scenariosDirectory();
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(root, e.name, 'scenario.yaml')))
    .map((e) => e.name)
    .sort();
}

function lineOf(doc: Document, lineCounter: LineCounter, fieldPath: readonly PropertyKey[]): number | undefined {
  for (let n = fieldPath.length; n >= 0; n -= 1) {
    const node = doc.getIn(fieldPath.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && Array.isArray(node.range)) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

function formatPath(fieldPath: readonly PropertyKey[]): string {
  return fieldPath.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`), '');
}

function parsePath(field: string): (string | number)[] {
  return [...field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : (m[1] ?? '')));
}

function parseYamlFile(file: string): { doc: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter });
  const first = doc.errors[0];
  if (first) {
    throw new KvcsiError('CONFIG_INVALID', `${file}: invalid YAML: ${first.message}`, { file, line: first.linePos?.[0]?.line ?? 1, rule: 'must be valid YAML' });
  }
  return { doc, lineCounter };
}

function zodFailure(file: string, doc: Document, lineCounter: LineCounter, error: ZodError): KvcsiError {
  const issue = error.issues[0];
  const fieldPath = issue?.path ?? [];
  const field = formatPath(fieldPath);
  const line = lineOf(doc, lineCounter, fieldPath);
  const message = `${file}${line === undefined ? '' : `:${line}`}: ${field === '' ? '(root)' : field}: ${issue?.message ?? 'invalid'}`;
  return new KvcsiError('CONFIG_INVALID', message, {
    file,
    field,
    rule: issue?.message ?? 'invalid',
    ...(line === undefined ? {} : { line }),
    details: { issues: error.issues.map((i) => ({ field: formatPath(i.path), message: i.message })) },
  });
}

/** Resolves a scenario name (shipped) or a directory path (your own). */
export function scenarioDirectory(nameOrDirectory: string): string {
  if (nameOrDirectory.includes('/') || nameOrDirectory.includes(path.sep)) return path.resolve(nameOrDirectory);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(nameOrDirectory)) {
    throw new KvcsiError('INVALID_INPUT', `scenario name "${nameOrDirectory}" is not valid`, { field: 'scenario', rule: 'lowercase letters, digits and dashes, or a directory path' });
  }
  return path.join(scenariosDirectory(), nameOrDirectory);
}

/** Loads and validates `scenario.yaml`, the per-cluster manifests and the expectations of a scenario. */
export function loadScenario(nameOrDirectory: string): LoadedScenario {
  const directory = scenarioDirectory(nameOrDirectory);
  const file = path.join(directory, 'scenario.yaml');
  if (!existsSync(file)) {
    const known = existsSync(scenariosDirectory()) ? listScenarios().join(', ') : '';
    throw new KvcsiError('NOT_FOUND', `no scenario at ${file}${known ? ` (shipped scenarios: ${known})` : ''}`, { file, field: 'scenario' });
  }
  const { doc, lineCounter } = parseYamlFile(file);
  const parsed = scenarioSchema.safeParse(doc.toJS());
  if (!parsed.success) throw zodFailure(file, doc, lineCounter, parsed.error);
  const scenario = parsed.data;

  let azure: AzureState;
  try {
    azure = azureStateFromScenario(scenario);
  } catch (error) {
    if (!KvcsiError.is(error) || error.field === undefined) throw error;
    const line = lineOf(doc, lineCounter, parsePath(error.field));
    throw new KvcsiError(error.code, `${file}${line === undefined ? '' : `:${line}`}: ${error.field}: ${error.message}`, {
      file,
      field: error.field,
      ...(error.rule === undefined ? {} : { rule: error.rule }),
      ...(line === undefined ? {} : { line }),
      cause: error,
    });
  }

  const kubernetesManifests: Record<string, unknown[]> = {};
  for (const cluster of scenario.clusters) kubernetesManifests[cluster.name] = [];
  const kubeDir = path.join(directory, 'kubernetes');
  if (existsSync(kubeDir)) {
    for (const entry of readdirSync(kubeDir).filter((f) => f.endsWith('.yaml')).sort()) {
      const cluster = entry.slice(0, -'.yaml'.length);
      const manifestFile = path.join(kubeDir, entry);
      if (!(cluster in kubernetesManifests)) {
        throw new KvcsiError('CONFIG_INVALID', `${manifestFile}: cluster "${cluster}" is not defined in ${file} (clusters[].name)`, { file: manifestFile, field: 'clusters', rule: 'one manifest file per scenario cluster' });
      }
      const docs = parseAllDocuments(readFileSync(manifestFile, 'utf8'), { lineCounter: new LineCounter() });
      const list = Array.isArray(docs) ? docs : [docs];
      kubernetesManifests[cluster] = list.flatMap((d) => {
        const error = d.errors[0];
        if (error) throw new KvcsiError('CONFIG_INVALID', `${manifestFile}: invalid YAML: ${error.message}`, { file: manifestFile, line: error.linePos?.[0]?.line ?? 1 });
        const value: unknown = d.toJS();
        return value === null || value === undefined ? [] : [value];
      });
    }
  }
  const expectationsFile = path.join(directory, 'expectations.yaml');
  const expectations: unknown = existsSync(expectationsFile) ? parseYamlFile(expectationsFile).doc.toJS() : undefined;

  return { name: scenario.name, directory, scenario, azure, kubernetesManifests, expectations };
}
