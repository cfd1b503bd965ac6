/**
 * The bot's watcher: the registry clusters that have a `watch` channel, watched by one replica at a time (a Lease in
 * the hub cluster when there are several), problems kept in the store, messages through the Slack sink.
 */
import { LeaseElector, Watcher, type ClusterPort, type ClusterRegistry, type ProblemSink, type ProblemStore, type VaultPort, type WatcherOptions, type WatcherStats } from '@kvcsi/core';

export interface BotWatchOptions {
  registry: ClusterRegistry;
  clusterPort(cluster: string): ClusterPort;
  vault?: VaultPort;
  problems: ProblemStore;
  sink: ProblemSink;
  /** With several replicas: the Lease (in the hub cluster, written with the bot's service account) and this replica's name. */
  lease?: { port: Pick<ClusterPort, 'getLease' | 'createLease' | 'replaceLease'>; namespace: string; name: string; identity: string; leaseDurationInMs?: number; renewDeadlineInMs?: number; retryPeriodInMs?: number };
  settleInMs?: number;
  recheckInMs?: number;
  onLeadership?(leading: boolean): void;
  /** Who fixed a resolved problem (`fixedByRequests` over the service's requests): its message names them. */
  fixedBy?: WatcherOptions['fixedBy'];
}

export interface BotWatch {
  /** The current term's counters (undefined while this replica does not lead). */
  stats(): WatcherStats | undefined;
  stop(): Promise<void>;
}

/** Starts watching (or competing to); nothing to watch when no cluster has a `watch` channel. */
export function startBotWatch(options: BotWatchOptions): BotWatch {
  const clusters = options.registry.list().filter((cluster) => cluster.watch !== undefined);
  const controller = new AbortController();
  let current: Watcher | undefined;
  const runTerm = async (signal: AbortSignal): Promise<void> => {
    // A new term starts from the store: problems and posted messages are there, caches are rebuilt by the watches.
    const watcher = new Watcher({
      clusters: clusters.map((cluster) => cluster.name),
      clusterPort: options.clusterPort,
      ...(options.vault === undefined ? {} : { vault: options.vault }),
      registry: options.registry,
      store: options.problems,
      sink: options.sink,
      namespacesOf: (name) => options.registry.get(name).watch?.namespaces,
      ...(options.settleInMs === undefined ? {} : { settleInMs: options.settleInMs }),
      ...(options.recheckInMs === undefined ? {} : { recheckInMs: options.recheckInMs }),
      ...(options.fixedBy === undefined ? {} : { fixedBy: options.fixedBy }),
    });
    current = watcher;
    options.onLeadership?.(true);
    try {
      await watcher.run(signal);
    } finally {
      current = undefined;
      options.onLeadership?.(false);
    }
  };
  let running: Promise<void> = Promise.resolve();
  if (clusters.length > 0) {
    if (options.lease === undefined) running = runTerm(controller.signal);
    else {
      const { port, namespace, name, identity, ...timing } = options.lease;
      running = new LeaseElector({ port, namespace, name, identity, ...timing }).run(controller.signal, { onStartedLeading: runTerm });
    }
  }
  return {
    stats: () => current?.stats,
    async stop() {
      controller.abort();
      await running.catch(() => undefined);
    },
  };
}
