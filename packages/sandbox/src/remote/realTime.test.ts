import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { operatorCredential } from '../azure/sdkTestHelpers.js';
import type { PodObject } from '../kubernetes/types.js';
import { createSandbox } from '../sandbox.js';
import { followWallClock } from './realTime.js';

// `npm start`'s clock: the sandbox follows the wall clock, so a grant turns the pod healthy by itself after the
// propagation delay and kubelet's next retry, with no second grant and no one moving the clock.
it('mounts a granted pod by itself once the propagation delay and the next retry have passed', async () => {
  const sandbox = createSandbox({ scenario: 'default', autoSave: false, timing: 'realistic', roleAssignmentPropagationDelayInMs: 300 });
  const server = sandbox.listen();
  const stop = followWallClock(sandbox, { tickInMs: 50 });
  try {
    const vault = sandbox.state.azure.vaults.find((v) => v.name === 'kv-cafehyna-prd');
    const kubelet = sandbox.state.azure.identities.find((i) => i.name === 'id-cafehyna-aks-kubelet');
    if (vault === undefined || kubelet === undefined) throw new Error('scenario changed');
    const phase = (): string | undefined =>
      (sandbox.state.kubernetes['cafehyna-prd']?.get('pods', 'defectdojo', 'defectdojo-hvvfwdpl2p-gzd7z') as PodObject | undefined)?.status?.phase;
    await new AuthorizationManagementClient(operatorCredential(), vault.subscriptionId).roleAssignments.create(
      `subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}`,
      '3b9f1a2c-4d5e-4f60-8a7b-9c0d1e2f3a4c',
      { roleDefinitionId: `/subscriptions/${vault.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`, principalId: kubelet.objectId, principalType: 'ServicePrincipal' },
    );
    expect(phase()).toBe('Pending');
    const deadline = Date.now() + 8_000;
    while (phase() !== 'Running' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(phase()).toBe('Running');
  } finally {
    stop();
    server.close();
  }
});
