/** The sandbox's time source. Manual, so expiry and propagation are deterministic in tests and demos. */
export interface SandboxClock {
  nowMs(): number;
  /** Moves time forward; negative values are refused. */
  advance(durationInMs: number): void;
  set(epochMs: number): void;
}

/** 2026-01-01T00:00:00Z: where a scenario's clock starts unless it says otherwise. */
export const DEFAULT_SANDBOX_START_MS = Date.UTC(2026, 0, 1);

export function createManualClock(startMs: number = DEFAULT_SANDBOX_START_MS): SandboxClock {
  let now = startMs;
  return {
    nowMs: () => now,
    advance(durationInMs) {
      if (!(durationInMs >= 0)) throw new RangeError(`clock.advance needs a duration >= 0, got ${durationInMs}`);
      now += durationInMs;
    },
    set(epochMs) {
      now = epochMs;
    },
  };
}
