/** The work tracker: counts what Bolt hands to listeners, refuses new work once draining, and waits for the rest. */
import { createWorkTracker, RESTARTING_TEXT } from './drain.js';

type Args = Parameters<ReturnType<typeof createWorkTracker>['middleware']>[0];

function request(extra: Record<string, unknown>, next: () => Promise<void>): Args {
  return { ...extra, next } as unknown as Args;
}

it('waits for work in flight, refuses new work with an answer, and tells when the deadline passed', async () => {
  const counts: number[] = [];
  const tracker = createWorkTracker({ onChange: (count) => counts.push(count) });
  let finish!: () => void;
  const running = tracker.middleware(request({}, () => new Promise<void>((resolve) => { finish = resolve; })));
  expect(tracker.inFlight).toBe(1);

  let drained: boolean | undefined;
  const draining = tracker.drain(5_000).then((result) => { drained = result; });
  const acks: unknown[] = [];
  let started = false;
  await tracker.middleware(request({ body: { command: '/kvcsi' }, ack: async (answer: unknown) => { acks.push(answer); } }, async () => { started = true; }));
  expect(started).toBe(false);
  expect(acks).toEqual([{ response_type: 'ephemeral', text: RESTARTING_TEXT }]);
  const responds: unknown[] = [];
  await tracker.middleware(request({ body: { type: 'block_actions' }, ack: async () => undefined, respond: async (message: unknown) => { responds.push(message); } }, async () => { started = true; }));
  expect(started).toBe(false);
  expect(responds).toEqual([expect.objectContaining({ text: RESTARTING_TEXT })]);

  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(drained).toBeUndefined();
  finish();
  await running;
  await draining;
  expect(drained).toBe(true);
  expect(counts).toEqual([1, 0]);

  const stuck = createWorkTracker();
  void stuck.middleware(request({}, () => new Promise<void>(() => undefined)));
  expect(await stuck.drain(30)).toBe(false);
});
