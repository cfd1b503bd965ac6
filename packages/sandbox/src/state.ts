import { KvcsiError } from '@kvcsi/core';
import type { AzureState } from './azure/model.js';
import { KubeClusterState } from './kubernetes/store.js';

/** The whole sandbox: the Azure side and, per cluster name, the Kubernetes objects. */
export interface SandboxState {
  azure: AzureState;
  kubernetes: Record<string, KubeClusterState>;
}

export const STATE_FILE_FORMAT = 'kvcsi-sandbox-state/v1';

/** What a state file holds: plain JSON, stable for a given history (IDs are seeded, time is the sandbox clock). */
export interface SandboxStateFile {
  format: typeof STATE_FILE_FORMAT;
  scenario: string;
  nowMs: number;
  azure: AzureState;
  kubernetes: Record<string, unknown>;
}

export function composeSandboxState(azure: AzureState, manifests: Record<string, unknown[]>, now: () => number): SandboxState {
  const kubernetes: Record<string, KubeClusterState> = {};
  for (const [name, docs] of Object.entries(manifests)) kubernetes[name] = KubeClusterState.fromManifests(structuredClone(docs), { name, now });
  return { azure, kubernetes };
}

export function snapshotSandboxState(state: SandboxState, meta: { scenario: string; nowMs: number }): SandboxStateFile {
  const kubernetes: Record<string, unknown> = {};
  for (const name of Object.keys(state.kubernetes).sort()) kubernetes[name] = state.kubernetes[name]?.snapshot();
  return { format: STATE_FILE_FORMAT, scenario: meta.scenario, nowMs: meta.nowMs, azure: structuredClone(state.azure), kubernetes };
}

/** Checks the envelope of a state file; `source` names the file in errors. */
export function parseSandboxStateFile(json: unknown, source: string): SandboxStateFile {
  const file = json as Partial<SandboxStateFile> | null;
  const fail = (field: string, rule: string): never => {
    throw new KvcsiError('CONFIG_INVALID', `${source}: ${field}: ${rule}`, { file: source, field, rule });
  };
  if (file === null || typeof file !== 'object') return fail('(root)', 'must be a JSON object written by the sandbox');
  if (file.format !== STATE_FILE_FORMAT) return fail('format', `must be "${STATE_FILE_FORMAT}"`);
  if (typeof file.scenario !== 'string') return fail('scenario', 'must be a scenario name');
  if (typeof file.nowMs !== 'number') return fail('nowMs', 'must be a number');
  if (file.azure === null || typeof file.azure !== 'object' || !Array.isArray(file.azure.vaults)) return fail('azure', 'must be the Azure state');
  if (file.kubernetes === null || typeof file.kubernetes !== 'object') return fail('kubernetes', 'must map cluster names to snapshots');
  return file as SandboxStateFile;
}

export function restoreSandboxState(file: SandboxStateFile, now: () => number): SandboxState {
  const kubernetes: Record<string, KubeClusterState> = {};
  for (const [name, snapshot] of Object.entries(file.kubernetes)) kubernetes[name] = KubeClusterState.restore(snapshot, { now });
  return { azure: structuredClone(file.azure), kubernetes };
}
