/**
 * Graceful shutdown's first half: every Slack request is counted while it is handled (a Bolt global middleware
 * around the listeners, which Bolt awaits to the end — a command's work and an approval's apply included). Once
 * draining, new requests are acknowledged with "restarting" and not started; `drain` waits for those in flight.
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';

export const RESTARTING_TEXT = ':hourglass: kvcsi is restarting and did not start this. Try again in a few seconds.';

export interface WorkTracker {
  readonly draining: boolean;
  readonly inFlight: number;
  middleware: Middleware<AnyMiddlewareArgs>;
  /** Stops new work; resolves true when the work in flight has finished, false when `deadlineInMs` passed first. */
  drain(deadlineInMs: number): Promise<boolean>;
}

interface Refusable {
  ack?: (response?: unknown) => Promise<void>;
  respond?: (message: unknown) => Promise<unknown>;
  body?: { type?: string; command?: string };
}

export function createWorkTracker(options: { onChange?: (inFlight: number) => void } = {}): WorkTracker {
  let draining = false;
  let inFlight = 0;
  const idle = new Set<() => void>();
  const changed = (): void => {
    options.onChange?.(inFlight);
    if (inFlight === 0) for (const resolve of idle) resolve();
  };
  const refuse = async (args: Refusable): Promise<void> => {
    if (!args.ack) return;
    if (args.body?.command !== undefined) return args.ack({ response_type: 'ephemeral', text: RESTARTING_TEXT });
    await args.ack();
    // A click or a submission: say so where the person looks (the view closes, the click shows nothing otherwise).
    await args.respond?.({ response_type: 'ephemeral', replace_original: false, text: RESTARTING_TEXT }).catch(() => undefined);
  };
  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    middleware: async (args) => {
      if (draining) return refuse(args as unknown as Refusable);
      inFlight += 1;
      changed();
      try {
        await args.next();
      } finally {
        inFlight -= 1;
        changed();
      }
    },
    drain(deadlineInMs) {
      draining = true;
      if (inFlight === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const done = (finished: boolean): void => {
          clearTimeout(timer);
          idle.delete(onIdle);
          resolve(finished);
        };
        const onIdle = (): void => done(true);
        const timer = setTimeout(() => done(false), deadlineInMs);
        idle.add(onIdle);
      });
    },
  };
}
