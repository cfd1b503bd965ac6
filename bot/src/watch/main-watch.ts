/**
 * What `main.ts` starts when the registry gives a cluster a `watch:` channel: a Kubernetes runtime on the main thread
 * (the service's is in its worker), the Slack sink on its own WebClient (rejectRateLimitedCalls, so the pacer waits
 * and measures), problems in the store, and with several replicas a Lease in the cluster kvcsi runs in.
 */
import { createMemoryProblemStore, fixedByRequests, type ClusterRegistry, type ListAppliedRequests, type ProblemStore } from '@kvcsi/core';
import { createRuntime, type Runtime } from '@kvcsi/runtime';
import { createKnexProblemStore, type KvcsiStore } from '@kvcsi/store';
import { webApi } from '@slack/bolt';
import type { SandboxMode } from '@kvcsi/runtime';
import { loadWatchSettings, type WatchSettings } from './lease-settings.js';
import { startBotWatch, type BotWatch } from './run.js';
import { createSlackProblemSink } from './slack-sink.js';

export interface MainWatchOptions {
  registry: ClusterRegistry;
  botToken: string;
  slackApiUrl?: string;
  store?: KvcsiStore;
  replicas: number;
  replicaId: string;
  /** Sandbox mode: a shared sandbox's URL, or the in-process sandbox of a service on this thread. */
  sandbox?: { url?: string; inProcess?: Pick<SandboxMode, 'credential' | 'kubeconfig'> };
  inCluster: boolean;
  env: NodeJS.ProcessEnv;
  /** The Lease and settling time (ops/settings.ts reads them at start); read from `env` when absent. */
  settings?: WatchSettings;
  /** The problem store the bot's Snooze / Mute buttons write (main.ts shares one); else the store's, or memory. */
  problems?: ProblemStore;
  /** The bot's `slack.approvalsChannel`: prd clusters with `watch.approvers: true` post there too. */
  approversChannel?: string;
  /** The service's requests: a resolved message names the applied request's requester and approver. */
  listRequests?: ListAppliedRequests;
  log(level: 'info' | 'warn', message: string): void;
}

/** Starts the watcher, or says in one log line why it does not; undefined when nothing is watched. */
export function startMainWatch(options: MainWatchOptions): (BotWatch & { runtime: Runtime }) | undefined {
  const watched = options.registry.list().filter((cluster) => cluster.watch !== undefined);
  if (watched.length === 0) return undefined;
  const settings = options.settings ?? loadWatchSettings(options.env);
  let runtime: Runtime;
  if (options.sandbox === undefined) runtime = createRuntime({ registry: options.registry, inCluster: options.inCluster });
  else if (options.sandbox.url !== undefined) runtime = createRuntime({ registry: options.registry, sandbox: { url: options.sandbox.url } });
  else if (options.sandbox.inProcess !== undefined) runtime = createRuntime({ registry: options.registry, credential: options.sandbox.inProcess.credential, kubeconfig: options.sandbox.inProcess.kubeconfig });
  else {
    options.log('warn', 'watch: not started — in sandbox mode the watcher needs KVCSI_SANDBOX_URL or KVCSI_SERVICE_IN=process (the sandbox lives in the service worker)');
    return undefined;
  }
  let lease: Parameters<typeof startBotWatch>[0]['lease'];
  if (options.replicas > 1) {
    const hub = options.registry.list().find((cluster) => cluster.inCluster);
    if (hub === undefined) {
      options.log('warn', 'watch: not started — with several replicas, leader election needs the registry cluster kvcsi runs in (inCluster: true) for its Lease');
      void runtime.close();
      return undefined;
    }
    lease = { port: runtime.clusterPort(hub.name), identity: options.replicaId, ...settings.lease };
  }
  const client = new webApi.WebClient(options.botToken, {
    ...(options.slackApiUrl === undefined ? {} : { slackApiUrl: options.slackApiUrl }),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2 },
    // Resolved per call, so a fetch patched after start (a proxy, msw) is honoured.
    fetch: (input, init) => globalThis.fetch(input, init),
  });
  const watch = startBotWatch({
    registry: options.registry,
    clusterPort: (name) => runtime.clusterPort(name),
    vault: runtime.vault,
    problems: options.problems ?? (options.store === undefined ? createMemoryProblemStore() : createKnexProblemStore(options.store.knex)),
    ...(options.listRequests === undefined ? {} : { fixedBy: fixedByRequests(options.listRequests) }),
    sink: createSlackProblemSink({ client, registry: options.registry, ...(options.approversChannel === undefined ? {} : { approversChannel: options.approversChannel }), onNote: (note) => options.log(note.kind === 'watch' && note.change.state === 'restored' ? 'info' : 'warn', `watch: ${JSON.stringify(note)}`) }),
    ...(lease === undefined ? {} : { lease }),
    settleInMs: settings.settleInMs,
    onLeadership: (leading) => options.log('info', `watch: ${leading ? 'leading' : 'not leading'} (${watched.map((c) => c.name).join(', ')})`),
  });
  options.log('info', `watch: started for ${watched.map((c) => c.name).join(', ')}${lease === undefined ? '' : ` (leader election on Lease ${lease.namespace}/${lease.name})`}`);
  return {
    runtime,
    stats: watch.stats,
    async stop() {
      await watch.stop();
      await runtime.close();
    },
  };
}
