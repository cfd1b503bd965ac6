import { inspectCsiPlumbing, loadRegistry } from '@kvcsi/core';
import { createRuntime, type Runtime } from '@kvcsi/runtime';

// `status`'s view of the CSI plumbing, over the sandbox's clusters through the real Kubernetes adapter.
const registry = loadRegistry({ env: {} });
let runtime: Runtime;

beforeEach(() => {
  runtime = createRuntime({ registry, sandbox: { stateFile: false } });
});
afterEach(() => runtime.close());

describe('inspectCsiPlumbing over the sandbox', () => {
  it('shows the driver and provider on every Linux node, and the Windows node that has neither', async () => {
    const status = await inspectCsiPlumbing(runtime.clusterPort('cafehyna-dev'));
    expect(status.unknowns).toEqual([]);
    expect(status.csiDriver).toMatchObject({ installed: true });
    const windows = status.nodes.filter((node) => node.os === 'windows');
    expect(windows.length).toBeGreaterThan(0);
    for (const node of windows) {
      expect(node.driver).toBeUndefined();
      expect(node.problems).toContain('no CSI driver pod: pods here cannot mount secrets-store volumes');
    }
    const linux = status.nodes.filter((node) => node.os === 'linux');
    expect(linux.length).toBeGreaterThan(0);
    for (const node of linux) {
      expect(node.driver).toMatchObject({ ready: true });
      expect(node.provider).toMatchObject({ ready: true });
      expect(node.problems).toEqual([]);
    }
    expect(status.versions.driver.length).toBeGreaterThan(0);
    expect(status.versions.provider.length).toBeGreaterThan(0);
  });

  it('reports what could not be read when the cluster API is down', async () => {
    runtime.sandbox!.faults.add({ kind: 'down', host: 'cafehyna-prd.sandbox.azmk8s.io' });
    const status = await inspectCsiPlumbing(runtime.clusterPort('cafehyna-prd'));
    expect(status.unknowns.map((unknown) => unknown.source).sort()).toEqual(['Azure provider pods', 'CSI driver pods', 'CSIDriver secrets-store.csi.k8s.io', 'nodes']);
    expect(status.nodes).toEqual([]);
    expect(status.csiDriver).toBeUndefined();
  });
});
