/**
 * One watcher among the bot's replicas: leader election through a coordination.k8s.io/v1 Lease in the hub cluster,
 * as client-go's leaderelection does it (PostgreSQL advisory locks break behind transaction-pooling proxies).
 *
 * - A candidate reads the lease; it takes it when nobody holds it, or when the holder has not renewed it for
 *   `leaseDurationInMs` as measured on the candidate's own clock since it last saw the record change (client-go's
 *   observedTime: no trust in other machines' clocks). Writes are compare-and-set on resourceVersion.
 * - The leader renews every `retryPeriodInMs`; if it cannot renew for `renewDeadlineInMs` it stops leading.
 * - On a clean stop the leader releases the lease (holder emptied), so the next one takes over at once.
 * With the defaults (15 s, 10 s, 2 s) a dead leader is replaced within about 17 s.
 */
import { KvcsiError } from '../errors.js';
import type { Clock, ClusterPort, KubeLease } from '../ports.js';
import { systemClock } from '../ports.js';
import { sleepUnlessAborted } from './informer.js';

export interface LeaseElectorOptions {
  port: Pick<ClusterPort, 'getLease' | 'createLease' | 'replaceLease'>;
  namespace: string;
  name: string;
  /** This replica (pod name and a random suffix). */
  identity: string;
  leaseDurationInMs?: number;
  renewDeadlineInMs?: number;
  retryPeriodInMs?: number;
  clock?: Clock;
}

export interface LeadershipCallbacks {
  /** Runs while this replica leads; `signal` aborts when it stops leading. */
  onStartedLeading(signal: AbortSignal): Promise<void> | void;
  onStoppedLeading?(): void;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class LeaseElector {
  private readonly leaseDurationInMs: number;
  private readonly renewDeadlineInMs: number;
  private readonly retryPeriodInMs: number;
  private readonly clock: Clock;
  private observed: { record: string; atMs: number } | undefined;
  private lastLeader: string | undefined;

  constructor(private readonly options: LeaseElectorOptions) {
    this.leaseDurationInMs = options.leaseDurationInMs ?? 15_000;
    this.renewDeadlineInMs = options.renewDeadlineInMs ?? 10_000;
    this.retryPeriodInMs = options.retryPeriodInMs ?? 2_000;
    this.clock = options.clock ?? systemClock;
    if (!(this.leaseDurationInMs > this.renewDeadlineInMs && this.renewDeadlineInMs > this.retryPeriodInMs)) {
      throw new KvcsiError('CONFIG_INVALID', 'leader election needs leaseDuration > renewDeadline > retryPeriod', { field: 'leaseDurationInMs' });
    }
  }

  /** Competes, leads while it can, competes again; until `signal` aborts (then releases the lease if it holds it). */
  async run(signal: AbortSignal, callbacks: LeadershipCallbacks): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.tryAcquireOrRenew(signal))) {
        await sleepUnlessAborted(this.retryPeriodInMs, signal);
        continue;
      }
      const leading = new AbortController();
      const stopLeading = (): void => leading.abort();
      signal.addEventListener('abort', stopLeading, { once: true });
      const work = Promise.resolve().then(() => callbacks.onStartedLeading(leading.signal)).catch(() => undefined);
      let lastRenewMs = this.clock.now();
      while (!leading.signal.aborted) {
        await sleepUnlessAborted(this.retryPeriodInMs, leading.signal);
        if (leading.signal.aborted) break;
        if (await this.tryAcquireOrRenew(leading.signal)) lastRenewMs = this.clock.now();
        else if (this.clock.now() - lastRenewMs >= this.renewDeadlineInMs || (this.lastLeader !== undefined && this.lastLeader !== this.options.identity)) leading.abort();
      }
      signal.removeEventListener('abort', stopLeading);
      await work;
      callbacks.onStoppedLeading?.();
      if (signal.aborted) await this.release();
    }
  }

  /** The holder this replica last saw (itself included). */
  get leader(): string | undefined {
    return this.lastLeader;
  }

  /** Whether this replica holds the lease after the attempt. Errors count as "not now". */
  async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { port, namespace, name, identity } = this.options;
    if (port.getLease === undefined || port.createLease === undefined || port.replaceLease === undefined) {
      throw new KvcsiError('CONFIG_INVALID', 'the hub cluster\'s port cannot read or write leases');
    }
    const now = this.clock.now();
    const spec = { holderIdentity: identity, leaseDurationSeconds: Math.ceil(this.leaseDurationInMs / 1000), acquireTime: iso(now), renewTime: iso(now), leaseTransitions: 0 };
    try {
      const current = await port.getLease({ namespace, name, signal });
      if (current === undefined) {
        await port.createLease({ lease: { metadata: { name, namespace }, spec }, signal });
        this.observe(identity, JSON.stringify(spec), now);
        return true;
      }
      const holder = current.spec?.holderIdentity ?? '';
      const record = JSON.stringify(current.spec ?? {});
      if (this.observed?.record !== record) this.observed = { record, atMs: now };
      this.noteLeader(holder);
      const heldByOther = holder !== '' && holder !== identity;
      const durationInMs = (current.spec?.leaseDurationSeconds ?? Math.ceil(this.leaseDurationInMs / 1000)) * 1000;
      if (heldByOther && now - this.observed.atMs < durationInMs) return false;
      const renewing = holder === identity;
      const next: KubeLease = {
        metadata: { ...current.metadata },
        spec: {
          ...spec,
          acquireTime: renewing ? current.spec?.acquireTime ?? iso(now) : iso(now),
          leaseTransitions: (current.spec?.leaseTransitions ?? 0) + (renewing ? 0 : 1),
        },
      };
      await port.replaceLease({ lease: next, signal });
      this.observe(identity, JSON.stringify(next.spec), now);
      return true;
    } catch {
      // A CONFLICT (another replica wrote first), ALREADY_EXISTS, or the hub unreachable: not the leader this round.
      return false;
    }
  }

  private observe(holder: string, record: string, atMs: number): void {
    this.observed = { record, atMs };
    this.noteLeader(holder);
  }

  private noteLeader(holder: string): void {
    if (holder !== '' && holder !== this.lastLeader) this.lastLeader = holder;
  }

  /** Empties the holder so another replica need not wait for the lease to expire (client-go ReleaseOnCancel). */
  private async release(): Promise<void> {
    const { port, namespace, name, identity } = this.options;
    try {
      const current = await port.getLease!({ namespace, name });
      if (current?.spec?.holderIdentity !== identity) return;
      await port.replaceLease!({ lease: { metadata: current.metadata, spec: { ...current.spec, holderIdentity: null, renewTime: null, acquireTime: null, leaseDurationSeconds: 1 } } });
    } catch {
      // The lease expires by itself.
    }
  }
}
