import type { Sandbox } from '../sandbox.js';

export interface FollowWallClockOptions {
  /** How often the sandbox clock catches up (kubelet's backoff starts at 500 ms). */
  tickInMs?: number;
  /** The wall clock; injectable for tests. */
  now?: () => number;
}

/**
 * Moves the sandbox clock as much as the wall clock moves (keeping the scenario's own epoch), so kubelet retries,
 * deadlines, rotation and RBAC propagation happen by themselves: what `npm start` shows. Returns the stop function.
 */
export function followWallClock(sandbox: Sandbox, options: FollowWallClockOptions = {}): () => void {
  const now = options.now ?? Date.now;
  let last = now();
  const timer = setInterval(() => {
    const current = now();
    sandbox.advance(Math.max(0, current - last));
    last = current;
  }, options.tickInMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}
