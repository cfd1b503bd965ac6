/**
 * The watcher's leader election and settling time, from the environment. Read and checked with the other settings
 * (ops/settings.ts), so a bad value stops the bot at start with one line naming it, not at the first election.
 *
 * The Lease timings are client-go's leaderelection ones (and kube-controller-manager's `--leader-elect-*` defaults):
 * 15 s lease duration, 10 s renew deadline, 2 s retry period, in whole seconds as a Lease's `leaseDurationSeconds` is.
 */
import { KvcsiError } from '@kvcsi/core';

/** The Lease the replicas elect the watcher's leader through; deploy/base/lease-role.yaml names it too (a test checks). */
export const WATCH_LEASE_NAME = 'kvcsi-watch';
/** Where the Lease lives in the registry's `inCluster` cluster: the bot's namespace in the deploy kit. */
export const DEFAULT_WATCH_LEASE_NAMESPACE = 'kvcsi';

/** What issue 22 promises: the watch resumes within 30 s of the leader's death. */
export const WATCH_FAILOVER_PROMISE_IN_MS = 30_000;

export interface WatchLeaseSettings {
  namespace: string;
  name: string;
  leaseDurationInMs: number;
  renewDeadlineInMs: number;
  retryPeriodInMs: number;
}

export interface WatchSettings {
  lease: WatchLeaseSettings;
  /** How long the watcher waits after a workload's first event before it diagnoses it. */
  settleInMs: number;
}

export const DEFAULT_WATCH_LEASE_TIMING = { leaseDurationInMs: 15_000, renewDeadlineInMs: 10_000, retryPeriodInMs: 2_000 } as const;
export const DEFAULT_WATCH_SETTLE_IN_MS = 10_000;

function invalid(field: string, message: string): KvcsiError {
  return new KvcsiError('CONFIG_INVALID', `${field}: ${message}`, { field });
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw invalid(name, `must be a whole number from ${range.min} to ${range.max}, not ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Kubernetes object names: a DNS-1123 subdomain (the Lease) or label (the namespace). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * KVCSI_WATCH_LEASE_NAMESPACE (kvcsi), KVCSI_WATCH_LEASE_DURATION_SECONDS (15), KVCSI_WATCH_RENEW_DEADLINE_SECONDS (10),
 * KVCSI_WATCH_RETRY_PERIOD_SECONDS (2), KVCSI_WATCH_SETTLE_MS (10000). Duration > renew deadline > retry period, as
 * client-go requires; throws CONFIG_INVALID naming the setting otherwise.
 */
export function loadWatchSettings(env: NodeJS.ProcessEnv): WatchSettings {
  const namespace = env.KVCSI_WATCH_LEASE_NAMESPACE || DEFAULT_WATCH_LEASE_NAMESPACE;
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw invalid('KVCSI_WATCH_LEASE_NAMESPACE', `must be a Kubernetes namespace name (lower-case letters, digits and '-'), not ${JSON.stringify(namespace)}`);
  }
  const duration = wholeNumber(env, 'KVCSI_WATCH_LEASE_DURATION_SECONDS', DEFAULT_WATCH_LEASE_TIMING.leaseDurationInMs / 1000, { min: 2, max: 300 });
  const renew = wholeNumber(env, 'KVCSI_WATCH_RENEW_DEADLINE_SECONDS', Math.min(DEFAULT_WATCH_LEASE_TIMING.renewDeadlineInMs / 1000, duration - 1), { min: 1, max: 299 });
  const retry = wholeNumber(env, 'KVCSI_WATCH_RETRY_PERIOD_SECONDS', Math.min(DEFAULT_WATCH_LEASE_TIMING.retryPeriodInMs / 1000, Math.max(1, renew - 1)), { min: 1, max: 298 });
  if (!(duration > renew)) {
    throw invalid('KVCSI_WATCH_RENEW_DEADLINE_SECONDS', `must be less than KVCSI_WATCH_LEASE_DURATION_SECONDS (${duration}), not ${renew}: a leader must give up before its lease can be taken`);
  }
  if (!(renew > retry)) {
    throw invalid('KVCSI_WATCH_RETRY_PERIOD_SECONDS', `must be less than KVCSI_WATCH_RENEW_DEADLINE_SECONDS (${renew}), not ${retry}: the leader must get a chance to renew before its deadline`);
  }
  const settleInMs = wholeNumber(env, 'KVCSI_WATCH_SETTLE_MS', DEFAULT_WATCH_SETTLE_IN_MS, { min: 0, max: 600_000 });
  return {
    lease: { namespace, name: WATCH_LEASE_NAME, leaseDurationInMs: duration * 1000, renewDeadlineInMs: renew * 1000, retryPeriodInMs: retry * 1000 },
    settleInMs,
  };
}

/**
 * The longest a dead leader's watch stays unwatched: a candidate sees the leader's last renewal up to one retry period
 * after it was written (its clock, not the leader's, starts the lease then), waits the lease duration, and tries again
 * at most one retry period after it expired.
 */
export function watchFailoverBoundInMs(timing: Pick<WatchLeaseSettings, 'leaseDurationInMs' | 'retryPeriodInMs'>): number {
  return timing.leaseDurationInMs + 2 * timing.retryPeriodInMs;
}
