/**
 * Which channel a problem goes to: the cluster's `watch` routes (app, then namespace), else its channel; a prd
 * cluster's problems may also go to the approvers channel (`watch.approvers`).
 */
import type { Cluster } from '../clusters/registry.js';

export function watchChannelFor(cluster: Pick<Cluster, 'watch'>, where: { namespace: string; workload: string }): string | undefined {
  const watch = cluster.watch;
  if (watch === undefined) return undefined;
  // `Deployment/web` → `web`: routes name apps by their workload's name.
  const app = where.workload.slice(where.workload.indexOf('/') + 1);
  const byApp = watch.routes?.find((route) => route.app !== undefined && route.app === app && (route.namespace === undefined || route.namespace === where.namespace));
  const byNamespace = watch.routes?.find((route) => route.app === undefined && route.namespace === where.namespace);
  return (byApp ?? byNamespace)?.channel ?? watch.channel;
}

/**
 * Every channel a problem goes to: the routed one, then, on a prd cluster with `watch.approvers`, the approvers
 * channel (`true`: the front end's `approversChannel`; a name: that channel). Never the same channel twice.
 */
export function watchChannelsFor(cluster: Pick<Cluster, 'watch' | 'tier'>, where: { namespace: string; workload: string }, options: { approversChannel?: string } = {}): string[] {
  const routed = watchChannelFor(cluster, where);
  if (routed === undefined) return [];
  const approvers = cluster.watch?.approvers;
  const also = cluster.tier !== 'prd' || approvers === undefined || approvers === false ? undefined : approvers === true ? options.approversChannel : approvers;
  return also === undefined || also === routed ? [routed] : [routed, also];
}
