import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main.js';
import { captureIo } from '../test-io.js';

// kubeAuth azure (the shipped registry) with no kubeconfig on the machine.
const OPERATOR_OBJECT_ID = '2e5465bf-141d-433a-955d-e57687f0d0e9';
const OPERATOR_CLIENT_ID = '6b1c7a55-0c6e-4a8e-9b7e-3f2d8c1a9e40';

function sandboxIo(dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-status-access-'))) {
  return captureIo({ cwd: dir, env: { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'state.json'), KUBECONFIG: path.join(dir, 'no-kubeconfig') } });
}

describe('kvcsi status: how kvcsi reached the cluster', () => {
  it('says which identity called the API server, how, and with what result', async () => {
    const io = sandboxIo();
    await main(['status', '-c', 'cafehyna-prd'], io);
    expect(io.output.stdout).toMatch(/^Cluster cafehyna-prd \(prd\)\n/);
    expect(io.output.stdout).toContain("Cluster access:  kubeAuth azure (Entra ID token from kvcsi's Azure credential), API server https://cafehyna-prd.sandbox.azmk8s.io:443\n");
    expect(io.output.stdout).toMatch(new RegExp(`Called as: +Entra ID object ${OPERATOR_OBJECT_ID} \\(app ${OPERATOR_CLIENT_ID}\\): ok \\(`));
    const json = sandboxIo();
    await main(['status', '-c', 'cafehyna-prd', '--format', 'json'], json);
    expect((JSON.parse(json.output.stdout) as { access: unknown }).access).toMatchObject({ mode: 'azure', endpoint: 'public', identity: { objectId: OPERATOR_OBJECT_ID }, lastCall: { ok: true } });
  });

  it('turns a 403 into a finding naming the identity, verb, resource and the binding to add', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-status-access-'));
    await main(['status', '-c', 'cafehyna-dev'], sandboxIo(dir));
    // Take the operator's Azure RBAC for Kubernetes assignment on cafehyna-prd away in the saved sandbox state.
    const stateFile = path.join(dir, 'state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { azure: { roleAssignments: { scope: string }[] } };
    const before = state.azure.roleAssignments.length;
    state.azure.roleAssignments = state.azure.roleAssignments.filter((a) => !a.scope.endsWith('/managedClusters/cafehyna-prd'));
    expect(state.azure.roleAssignments).toHaveLength(before - 1);
    writeFileSync(stateFile, JSON.stringify(state));
    const io = sandboxIo(dir);
    await main(['status', '-c', 'cafehyna-prd'], io);
    expect(io.output.stdout).toMatch(new RegExp(`Called as: +Entra ID object ${OPERATOR_OBJECT_ID} \\(app ${OPERATOR_CLIENT_ID}\\): FORBIDDEN 403`));
    expect(io.output.stdout).toMatch(new RegExp(`Finding: +${OPERATOR_OBJECT_ID} may not (get|list) \\S+ \\(API group "[^"]*"\\) at the cluster scope, refused by Azure RBAC for Kubernetes\\. Add:`));
    expect(io.output.stdout).toContain(`kubectl create clusterrolebinding kvcsi-reader --clusterrole=kvcsi-reader --user=${OPERATOR_OBJECT_ID}`);
    expect(io.output.stdout).toContain(`az role assignment create --assignee-object-id ${OPERATOR_OBJECT_ID} --assignee-principal-type ServicePrincipal --role "kvcsi AKS Reader" --scope /subscriptions/a6806ab2-ebb4-4fdc-a9d5-884687a165bd/resourceGroups/rg-cafehyna-prd/providers/Microsoft.ContainerService/managedClusters/cafehyna-prd`);
  });
});
