/** Which channel a problem goes to: the cluster's `watch` routes (app, then namespace), else its channel. */
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
