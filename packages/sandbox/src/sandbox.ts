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
import { nextMountActionMs, reconcileMounts, type MountTiming } from './mount/loop.js';
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
  /**
   * `realistic`: kubelet retries failed mounts with its backoff (500 ms doubling to 2m2s), calls that hang fail at the
   * 2-minute deadline, and role assignments take `roleAssignmentPropagationDelayInMs` (the scenario's, else
   * 5 minutes) to reach the data plane. Move time with `advance()`. `instant` (default; env KVCSI_SANDBOX_TIMING):
   * every change takes effect at the next reconcile, for callers that never move the clock.
   */
  timing?: MountTiming;
  /** Overrides the scenario's propagation delay (e.g. 30 s for a demo). */
  roleAssignmentPropagationDelayInMs?: number;
}

/** Entra's documentation says role assignments can take up to 10 minutes to apply; the sandbox's realistic default. */
export const REALISTIC_PROPAGATION_DELAY_MS = 300_000;
export const SANDBOX_TIMING_ENV = 'KVCSI_SANDBOX_TIMING';

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
  /**
   * Moves the clock forward, stopping at each moment kubelet or the driver would act by themselves (a retry after
   * backoff, a deadline, a rotation) to reconcile there, so events count the retries the real components make.
   */
  advance(durationInMs: number): void;
  readonly timing: MountTiming;
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
  const envTiming = process.env[SANDBOX_TIMING_ENV];
  const timing: MountTiming = options.timing ?? (envTiming === 'realistic' ? 'realistic' : 'instant');
  const withTiming = (fresh: SandboxState): SandboxState => {
    if (options.roleAssignmentPropagationDelayInMs !== undefined) fresh.azure.roleAssignmentPropagationDelayInMs = options.roleAssignmentPropagationDelayInMs;
    else if (timing === 'realistic' && fresh.azure.roleAssignmentPropagationDelayInMs === 0) fresh.azure.roleAssignmentPropagationDelayInMs = REALISTIC_PROPAGATION_DELAY_MS;
    return fresh;
  };
  let state: SandboxState = saved ? restoreSandboxState(saved, now) : withTiming(composeSandboxState(structuredClone(loaded.azure), loaded.kubernetesManifests, now));
  // An explicit delay applies to a restored state too (a demo's state file may predate it).
  if (saved !== undefined && options.roleAssignmentPropagationDelayInMs !== undefined) state.azure.roleAssignmentPropagationDelayInMs = options.roleAssignmentPropagationDelayInMs;

  const save = (): void => {
    if (stateFile === undefined) throw new KvcsiError('INVALID_INPUT', `no state file: pass stateFile or set ${SANDBOX_STATE_ENV}`, { field: 'stateFile' });
    writeAtomically(stateFile, `${JSON.stringify(snapshotSandboxState(state, { scenario: loaded.name, nowMs: clock.nowMs() }), null, 2)}\n`);
  };
  const reconcile = (): void => {
    reconcileMounts(state, { nowMs: clock.nowMs(), isHostUnreachable: (host) => faults.isUnreachable(host), timing });
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
    timing,
    advance(durationInMs) {
      if (!(durationInMs >= 0)) throw new RangeError(`advance needs a duration >= 0, got ${durationInMs}`);
      const target = clock.nowMs() + durationInMs;
      // Bounded: a pathological scenario cannot spin forever.
      for (let steps = 0; steps < 10_000; steps += 1) {
        const next = nextMountActionMs(state, clock.nowMs());
        if (next === undefined || next > target) break;
        clock.set(next);
        reconcile();
      }
      clock.set(target);
      // Realistic kubelet acts only at its due moments (above); instant timing re-evaluates once at the end.
      if (timing === 'instant') reconcile();
    },
    reset() {
      clock.set(startMs);
      faults.set(scenarioFaults(loaded, options.faults));
      state = withTiming(composeSandboxState(azureStateFromScenario(loaded.scenario), loaded.kubernetesManifests, now));
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
