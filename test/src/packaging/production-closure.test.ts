/**
 * What a production install of the servers brings (issue 12): the bot's and the Backstage backend's production
 * dependency closures, read from package-lock.json as npm resolves them, hold no sandbox and no msw.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

interface LockEntry {
  name?: string;
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

/** Node's lookup: `<from>/node_modules/<name>`, then each parent folder's, up to the root's. */
function locate(name: string, from: string): string | undefined {
  let folder = from;
  for (;;) {
    const candidate = folder === '' ? `node_modules/${name}` : `${folder}/node_modules/${name}`;
    const entry = lock.packages[candidate];
    if (entry !== undefined) return entry.link === true && entry.resolved !== undefined ? entry.resolved : candidate;
    if (folder === '') return undefined;
    const parent = folder.lastIndexOf('/node_modules/');
    folder = parent >= 0 ? folder.slice(0, parent) : '';
  }
}

/** Every package a production install of `workspace` loads or installs: dependencies, optional ones, required peers. */
export function productionClosure(workspace: string): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const queue = [workspace];
  while (queue.length > 0) {
    const location = queue.shift()!;
    if (seen.has(location)) continue;
    seen.add(location);
    const entry = lock.packages[location];
    if (entry === undefined) continue;
    const requiredPeers = Object.keys(entry.peerDependencies ?? {}).filter((peer) => entry.peerDependenciesMeta?.[peer]?.optional !== true);
    for (const name of [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}), ...requiredPeers]) {
      names.add(name);
      const found = locate(name, location);
      if (found !== undefined) queue.push(found);
    }
  }
  return names;
}

describe('production dependency closures', () => {
  it.each(['bot', 'plugins/kvcsi-backend', 'packages/cli'])('%s installs no sandbox and no msw', (workspace) => {
    const closure = productionClosure(workspace);
    // The closure is real: the runtime and its SDKs are in it.
    expect(closure).toContain('@kvcsi/runtime');
    expect(closure).toContain('@azure/identity');
    expect([...closure].filter((name) => name === 'msw' || name === '@kvcsi/sandbox')).toEqual([]);
  });

  it('sees the sandbox where it is a production dependency (the check can fail)', () => {
    expect(productionClosure('packages/sandbox')).toContain('msw');
  });
});
