'use strict';
/**
 * What test:adopt asserts about the generated app's dependency tree, from `yarn why --json` and yarn.lock: the kvcsi
 * packages bring no second copy of a Backstage package, and share the framework's copy of each singleton.
 */
const fs = require('node:fs');
const path = require('node:path');

const KVCSI_SCOPE = '@kvcsi/';

/**
 * The package whose copy of a singleton is "the app's": the framework piece that creates the app, the entity page
 * or the backend. A plugin on another copy gets "No implementation available for apiRef…", an empty entity context
 * or an unknown service (backstage#13307).
 */
const SINGLETON_ANCHORS = {
  '@backstage/frontend-plugin-api': '@backstage/frontend-defaults',
  '@backstage/core-plugin-api': '@backstage/plugin-catalog',
  '@backstage/plugin-catalog-react': '@backstage/plugin-catalog',
  '@backstage/core-components': '@backstage/plugin-catalog',
  '@backstage/ui': '@backstage/plugin-catalog',
  '@backstage/backend-plugin-api': '@backstage/backend-defaults',
  '@backstage/plugin-catalog-node': '@backstage/plugin-catalog-backend',
  '@backstage/plugin-permission-common': '@backstage/plugin-catalog-backend',
};

/** `@backstage/x@npm:1.2.3`, `@backstage/x@virtual:…#npm:1.2.3` → `1.2.3`; a workspace or file → the reference. */
function versionOf(locator) {
  const npm = locator.match(/npm:([^#]+)$/);
  if (npm) return npm[1];
  return locator.slice(locator.indexOf('@', 1) + 1);
}

/** `@kvcsi/backstage-plugin@npm:0.1.0` → `@kvcsi/backstage-plugin`. */
function nameOf(locator) {
  return locator.slice(0, locator.indexOf('@', 1));
}

/** `yarn why <name> --json` output → `[{ parent, parentName, version }]`, one per dependent. */
function parseWhy(output, name) {
  const edges = [];
  for (const line of output.split('\n').filter((text) => text.trim().startsWith('{'))) {
    const { value, children } = JSON.parse(line);
    for (const child of Object.keys(children ?? {})) {
      if (nameOf(child) !== name) continue;
      edges.push({ parent: value, parentName: nameOf(value), version: versionOf(child) });
    }
  }
  return edges;
}

/**
 * For one Backstage package: the versions kvcsi's packages get, the versions the rest of the app gets, and what is
 * wrong (empty when kvcsi adds no copy of its own and, for a singleton, uses the framework's copy).
 */
function judgeCopies(name, edges) {
  const kvcsi = new Set(edges.filter((edge) => edge.parentName.startsWith(KVCSI_SCOPE)).map((edge) => edge.version));
  const others = new Set(edges.filter((edge) => !edge.parentName.startsWith(KVCSI_SCOPE)).map((edge) => edge.version));
  const problems = [];
  if (kvcsi.size === 0) problems.push(`no kvcsi package depends on ${name} (yarn why found none)`);
  if (kvcsi.size > 1) problems.push(`kvcsi's packages get ${kvcsi.size} copies of ${name}: ${[...kvcsi].join(', ')}`);
  for (const version of kvcsi) {
    if (!others.has(version)) problems.push(`${name}@${version} is in the app only because of kvcsi (the app has ${[...others].join(', ') || 'none'})`);
  }
  const anchor = SINGLETON_ANCHORS[name];
  const anchorVersions = anchor === undefined ? [] : [...new Set(edges.filter((edge) => edge.parentName === anchor).map((edge) => edge.version))];
  if (anchor !== undefined && anchorVersions.length > 0) {
    for (const version of kvcsi) {
      if (!anchorVersions.includes(version)) problems.push(`${name}: kvcsi gets ${version}, ${anchor} (the app's copy) gets ${anchorVersions.join(', ')}`);
    }
  }
  return { name, kvcsi: [...kvcsi], app: [...others], anchor, anchorVersions, problems };
}

/** The @backstage/* packages the three plugin packages declare (dependencies and peers), from the repository. */
function backstageDependenciesOf(root, workspaces) {
  const names = new Set();
  for (const workspace of workspaces) {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, workspace, 'package.json'), 'utf8'));
    for (const name of [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]) {
      if (name.startsWith('@backstage/')) names.add(name);
    }
  }
  return [...names].sort();
}

/** Resolved third-party packages in a yarn.lock (workspaces and links left out). */
function countLockedPackages(lockFile) {
  const resolutions = new Set();
  for (const match of fs.readFileSync(lockFile, 'utf8').matchAll(/^ {2}resolution: "(.+)"$/gm)) {
    if (!/@(workspace|link|portal):/.test(match[1])) resolutions.add(match[1]);
  }
  return resolutions.size;
}

module.exports = { SINGLETON_ANCHORS, parseWhy, judgeCopies, backstageDependenciesOf, countLockedPackages, versionOf, nameOf };
