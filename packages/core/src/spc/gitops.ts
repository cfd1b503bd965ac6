import path from 'node:path';

export const DEFAULT_GITOPS_ROOT = 'argo-cd-helm-values/kube-addons';

/** Where a file sits in the GitOps tree: `<root>/<app>/<cluster>/…`. */
export interface GitopsLocation {
  app: string;
  cluster: string;
}

function segmentsOf(value: string): string[] {
  return value.split(/[\\/]+/).filter((segment) => segment !== '' && segment !== '.');
}

/**
 * Finds `<root>/<app>/<cluster>/<file…>` in a file's path by path segments, wherever the root sits
 * (a checkout can live anywhere). The last match wins, so a nested copy of the tree is read as itself.
 */
export function locateInGitops(file: string, gitopsRoot: string = DEFAULT_GITOPS_ROOT): GitopsLocation | undefined {
  const segments = segmentsOf(path.resolve(file));
  const root = segmentsOf(gitopsRoot);
  if (root.length === 0) return undefined;
  for (let start = segments.length - root.length - 3; start >= 0; start--) {
    if (root.every((segment, offset) => segments[start + offset] === segment)) {
      return { app: segments[start + root.length]!, cluster: segments[start + root.length + 1]! };
    }
  }
  return undefined;
}

/** `<root>/<app>/<cluster>/secretproviderclass.yaml`, relative to the GitOps repository. */
export function gitopsPathFor(app: string, cluster: string, gitopsRoot: string = DEFAULT_GITOPS_ROOT): string {
  return path.posix.join(...segmentsOf(gitopsRoot), app, cluster, 'secretproviderclass.yaml');
}
