import type { SandboxClock } from '../clock.js';
import type { AzureState } from './model.js';

/** What the Azure handlers need from the sandbox. `azure()` is a getter because `reset()` replaces the state. */
export interface AzureHandlerContext {
  azure(): AzureState;
  clock: SandboxClock;
  /** Called after every change to the Azure state: pods re-evaluate their mounts, and the state file is saved when asked. */
  onMutation(): void;
  /** The fault hook: a response to send instead of the real one, or undefined to proceed (after any injected latency). */
  applyFaults(request: Request): Promise<Response | undefined>;
}
