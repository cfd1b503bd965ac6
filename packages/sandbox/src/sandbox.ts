import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KvcsiError } from '@kvcsi/core';
import { http, passthrough, type RequestHandler } from 'msw';
import { setupServer, type SetupServer } from 'msw/node';
import type { AzureHandlerContext } from './azure/context.js';
import { azureStateFromScenario } from './azure/fromScenario.js';
import { createAzureHandlers } from './azure/handlers.js';
import { createManualClock, type SandboxClock } from './clock.js';
import type { FaultConfig } from './faults/config.js';
import { FaultInjector } from './faults/injector.js';
import { createKubernetesHandlers } from './kubernetes/handlers.js';
import { reconcileMounts } from './mount/loop.js';
import { loadScenario, type LoadedScenario } from './scenarios/load.js';
import { composeSandboxState, parseSandboxStateFile, restoreSandboxState, snapshotSandboxState, type SandboxState } from './state.js';

export const SANDBOX_STATE_ENV = 'KVCSI_SANDBOX_STATE';

export interface CreateSandboxOptions {
  /** A shipped scenario name, or a directory holding a scenario.yaml. Default `default`. */
  scenario?: string;
  /** JSON file to load the state from (when it exists) and save it to. Default: env KVCSI_SANDBOX_STATE. */
  stateFile?: string;
  /** Faults added on top of the scenario's own. */
  faults?: FaultConfig;
  /** Save after every change when a state file is set. Default true. */
  autoSave?: boolean;
}

export interface ListenOptions {
  onUnhandledRequest?: 'error' | 'warn' | 'bypass';
}

export interface SandboxServer {
  server: SetupServer;
  close(): void;
}

export interface Sandbox {
  /** msw handlers for Entra ID, Key Vault, ARM and every cluster's API server. */
  readonly handlers: RequestHandler[];
  /** The live state; replaced by `reset()`, so read it through this getter. */
  readonly state: SandboxState;
  readonly scenario: LoadedScenario;
  readonly stateFile: string | undefined;
  readonly clock: SandboxClock;
  /** Runtime fault injection: `faults.add(rule)`, `faults.set(config)`, `faults.clear()`. */
  readonly faults: FaultInjector;
  /** Re-evaluates every pod's CSI mounts now (and saves when auto-saving). */
  reconcile(): void;
  /** Back to the scenario as loaded: state, clock and faults. */
  reset(): void;
  /** Writes the state file atomically. Throws when no state file is set. */
  save(): void;
  /** The fault hook every handler runs first (idempotent per request). */
  applyFaults(request: Request, host?: string): Promise<Response | undefined>;
  /** Starts an msw server with these handlers, a passthrough for localhost, and `onUnhandledRequest: 'error'`. */
  listen(options?: ListenOptions): SandboxServer;
}

function scenarioFaults(loaded: LoadedScenario, extra: FaultConfig | undefined): FaultConfig {
  const own = loaded.scenario.faults;
  return {
    ...(extra?.seed !== undefined ? { seed: extra.seed } : own?.seed !== undefined ? { seed: own.seed } : {}),
    rules: [...(own?.rules ?? []), ...(extra?.rules ?? [])],
  };
}

/** Writes through a temporary file and a rename, so a reader never sees half a state. */
function writeAtomically(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, file);
}

/**
 * Builds a sandbox from a scenario, or from a state file saved by an earlier run of the same scenario.
 * Every mutating handler calls `reconcile()`, so pods re-evaluate their mounts on each relevant write.
 */
export function createSandbox(options: CreateSandboxOptions = {}): Sandbox {
  const stateFile = options.stateFile ?? (process.env[SANDBOX_STATE_ENV] || undefined);
  const autoSave = options.autoSave ?? true;
  let saved = stateFile !== undefined && existsSync(stateFile) ? parseSandboxStateFile(JSON.parse(readFileSync(stateFile, 'utf8')) as unknown, stateFile) : undefined;
  if (saved !== undefined && options.scenario !== undefined && saved.scenario !== options.scenario && saved.scenario !== path.basename(options.scenario)) {
    throw new KvcsiError('CONFLICT', `${stateFile ?? ''} holds scenario "${saved.scenario}", not "${options.scenario}": delete the file or use another one`, {
      file: stateFile,
      field: 'scenario',
    });
  }
  const loaded = loadScenario(options.scenario ?? saved?.scenario ?? 'default');
  if (saved !== undefined && saved.scenario !== loaded.name) saved = undefined;
  const startMs = Date.parse(loaded.scenario.startTime);
  const clock = createManualClock(saved?.nowMs ?? startMs);
  const now = (): number => clock.nowMs();
  const faults = new FaultInjector(scenarioFaults(loaded, options.faults));
  let state: SandboxState = saved ? restoreSandboxState(saved, now) : composeSandboxState(structuredClone(loaded.azure), loaded.kubernetesManifests, now);

  const save = (): void => {
    if (stateFile === undefined) throw new KvcsiError('INVALID_INPUT', `no state file: pass stateFile or set ${SANDBOX_STATE_ENV}`, { field: 'stateFile' });
    writeAtomically(stateFile, `${JSON.stringify(snapshotSandboxState(state, { scenario: loaded.name, nowMs: clock.nowMs() }), null, 2)}\n`);
  };
  const reconcile = (): void => {
    reconcileMounts(state, { nowMs: clock.nowMs(), isHostUnreachable: (host) => faults.isUnreachable(host) });
    if (autoSave && stateFile !== undefined) save();
  };
  const applyFaults = (request: Request): Promise<Response | undefined> => faults.apply(request);

  const azureContext: AzureHandlerContext = { azure: () => state.azure, clock, onMutation: reconcile, applyFaults };
  const sandbox: Sandbox = {
    handlers: [],
    get state() {
      return state;
    },
    scenario: loaded,
    stateFile,
    clock,
    faults,
    reconcile,
    reset() {
      clock.set(startMs);
      faults.set(scenarioFaults(loaded, options.faults));
      state = composeSandboxState(azureStateFromScenario(loaded.scenario), loaded.kubernetesManifests, now);
      reconcile();
    },
    save,
    applyFaults,
    listen(listenOptions = {}) {
      const server = setupServer(http.all(/^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//, () => passthrough()), ...sandbox.handlers);
      server.listen({ onUnhandledRequest: listenOptions.onUnhandledRequest ?? 'error' });
      return { server, close: () => server.close() };
    },
  };
  sandbox.handlers.push(...createAzureHandlers(azureContext), ...createKubernetesHandlers(sandbox));
  if (saved === undefined) reconcile();
  return sandbox;
}
