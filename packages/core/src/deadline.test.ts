import { KvcsiError } from './errors.js';
import { budgetBefore, withDeadline } from './deadline.js';

const never = () => new Promise<never>(() => undefined);

describe('withDeadline', () => {
  it('returns the result and hands the call a live signal', async () => {
    await expect(withDeadline(async (signal) => (signal.aborted ? 'aborted' : 'ok'), { timeoutInMs: 1000, what: 'read' })).resolves.toBe('ok');
  });

  it('gives up with TIMEOUT on a call that ignores its signal', async () => {
    await expect(withDeadline(never, { timeoutInMs: 20, what: 'read pod' })).rejects.toMatchObject({ code: 'TIMEOUT', message: 'read pod: no answer within 20 ms' });
  });

  it('says ABORTED when the caller aborts, before or during the call', async () => {
    await expect(withDeadline(never, { timeoutInMs: 1000, what: 'x', signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    const controller = new AbortController();
    const pending = withDeadline(never, { timeoutInMs: 1000, what: 'x', signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED', message: 'x: aborted by the caller' });
  });

  it('translates other failures', async () => {
    const translate = (error: unknown) => new KvcsiError('UNAVAILABLE', `wrapped: ${(error as Error).message}`);
    await expect(withDeadline(() => Promise.reject(new Error('boom')), { timeoutInMs: 1000, what: 'x', translate })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'wrapped: boom' });
    await expect(withDeadline(() => Promise.reject(new Error('raw')), { timeoutInMs: 1000, what: 'x' })).rejects.toThrow('raw');
  });
});

describe('budgetBefore', () => {
  it('cuts a call budget to what is left before the overall deadline, never below 0', () => {
    expect(budgetBefore(30_000, undefined, 1_000)).toBe(30_000);
    expect(budgetBefore(30_000, 6_000, 1_000)).toBe(5_000);
    expect(budgetBefore(2_000, 6_000, 1_000)).toBe(2_000);
    expect(budgetBefore(2_000, 500, 1_000)).toBe(0);
  });
});
