import { KvcsiError } from '@kvcsi/core';
import { loadBotSettings } from '../ops/settings.js';
import { DEFAULT_WATCH_LEASE_TIMING, WATCH_FAILOVER_PROMISE_IN_MS, WATCH_LEASE_NAME, loadWatchSettings, watchFailoverBoundInMs } from './lease-settings.js';

function refusal(env: NodeJS.ProcessEnv): { field?: string; message: string } {
  try {
    loadWatchSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(KvcsiError);
    const { field, message } = error as KvcsiError;
    expect(message).not.toContain('\n');
    return { ...(field ? { field } : {}), message };
  }
  throw new Error('the settings were accepted');
}

describe('the watcher\'s lease settings', () => {
  it('defaults to client-go\'s timings, the Lease kvcsi/kvcsi-watch and a 10 s settling time', () => {
    expect(loadWatchSettings({})).toEqual({
      lease: { namespace: 'kvcsi', name: 'kvcsi-watch', leaseDurationInMs: 15_000, renewDeadlineInMs: 10_000, retryPeriodInMs: 2_000 },
      settleInMs: 10_000,
    });
    expect(WATCH_LEASE_NAME).toBe('kvcsi-watch');
  });

  it('with the production defaults, a dead leader is replaced within the 30 s issue 22 promises', () => {
    const bound = watchFailoverBoundInMs(loadWatchSettings({}).lease);
    expect(bound).toBe(DEFAULT_WATCH_LEASE_TIMING.leaseDurationInMs + 2 * DEFAULT_WATCH_LEASE_TIMING.retryPeriodInMs);
    expect(bound).toBeLessThanOrEqual(WATCH_FAILOVER_PROMISE_IN_MS);
  });

  it('takes shorter timings (tests, small clusters) and derives the ones not given so the order holds', () => {
    expect(loadWatchSettings({ KVCSI_WATCH_LEASE_DURATION_SECONDS: '3', KVCSI_WATCH_SETTLE_MS: '500', KVCSI_WATCH_LEASE_NAMESPACE: 'kube-system' })).toEqual({
      lease: { namespace: 'kube-system', name: 'kvcsi-watch', leaseDurationInMs: 3_000, renewDeadlineInMs: 2_000, retryPeriodInMs: 1_000 },
      settleInMs: 500,
    });
    expect(loadWatchSettings({ KVCSI_WATCH_LEASE_DURATION_SECONDS: '40', KVCSI_WATCH_RENEW_DEADLINE_SECONDS: '30', KVCSI_WATCH_RETRY_PERIOD_SECONDS: '5' }).lease)
      .toMatchObject({ leaseDurationInMs: 40_000, renewDeadlineInMs: 30_000, retryPeriodInMs: 5_000 });
  });

  it('refuses values that are not whole seconds in range, and timings out of order, naming the setting', () => {
    expect(refusal({ KVCSI_WATCH_LEASE_DURATION_SECONDS: '1.5' })).toEqual({ field: 'KVCSI_WATCH_LEASE_DURATION_SECONDS', message: 'KVCSI_WATCH_LEASE_DURATION_SECONDS: must be a whole number from 2 to 300, not "1.5"' });
    expect(refusal({ KVCSI_WATCH_LEASE_DURATION_SECONDS: '15s' })).toMatchObject({ field: 'KVCSI_WATCH_LEASE_DURATION_SECONDS' });
    expect(refusal({ KVCSI_WATCH_RETRY_PERIOD_SECONDS: '0' })).toMatchObject({ field: 'KVCSI_WATCH_RETRY_PERIOD_SECONDS' });
    expect(refusal({ KVCSI_WATCH_SETTLE_MS: '-1' })).toMatchObject({ field: 'KVCSI_WATCH_SETTLE_MS' });
    expect(refusal({ KVCSI_WATCH_LEASE_DURATION_SECONDS: '10', KVCSI_WATCH_RENEW_DEADLINE_SECONDS: '10' })).toEqual({
      field: 'KVCSI_WATCH_RENEW_DEADLINE_SECONDS',
      message: 'KVCSI_WATCH_RENEW_DEADLINE_SECONDS: must be less than KVCSI_WATCH_LEASE_DURATION_SECONDS (10), not 10: a leader must give up before its lease can be taken',
    });
    expect(refusal({ KVCSI_WATCH_RENEW_DEADLINE_SECONDS: '2', KVCSI_WATCH_RETRY_PERIOD_SECONDS: '2' })).toMatchObject({ field: 'KVCSI_WATCH_RETRY_PERIOD_SECONDS', message: expect.stringContaining('must be less than KVCSI_WATCH_RENEW_DEADLINE_SECONDS (2), not 2') });
    expect(refusal({ KVCSI_WATCH_LEASE_NAMESPACE: 'Kvcsi' })).toMatchObject({ field: 'KVCSI_WATCH_LEASE_NAMESPACE' });
  });

  it('is checked with the bot\'s other settings: a bad value stops the bot at start', () => {
    const sandbox = { KVCSI_SANDBOX: '1' };
    expect(loadBotSettings([], sandbox).watch.lease.leaseDurationInMs).toBe(15_000);
    expect(() => loadBotSettings([], { ...sandbox, KVCSI_WATCH_LEASE_DURATION_SECONDS: 'soon' })).toThrow(/^KVCSI_WATCH_LEASE_DURATION_SECONDS: must be a whole number/);
  });
});
