import { parseRegistryConfig } from '../../clusters/load.js';
import { emptyPodFacts, known, unknown } from '../facts.js';
import { analyzeAppClusterAccess, analyzeClusterAccess } from './cluster-access.js';

const OID = '2d81911b-60a4-4a53-9045-ad7193c91ee5';
// The API server's forbidden message with guard's verdict, as AKS prints it (Azure RBAC for Kubernetes docs,
// MicrosoftDocs/azure-docs manage-azure-rbac: `nodes is forbidden: User "…" cannot list resource "nodes" in API group ""
// at the cluster scope: User does not have access to the resource in Azure. Update role assignment to allow access.`),
// wrapped as the collector records a failed source: `<code>: <adapter message>`.
const azureRbac = (what: string, verb: string, resource: string, group: string, where: string): string =>
  `FORBIDDEN: ${what} on cluster cafehyna-prd: 403 Forbidden: ${resource} is forbidden: User "${OID}" cannot ${verb} resource "${resource}" in API group "${group}" ${where}: User does not have access to the resource in Azure. Update role assignment to allow access.`;

const registry = parseRegistryConfig(
  'tenantId: 3f7a3df4-f85b-4ca8-98d0-08b1034e6567\nclusters:\n  - name: cafehyna-prd\n    tier: prd\n    keyVault: { name: kv-cafehyna-prd }\n    identity: { clientId: f1a14a8f-6d38-40a0-a935-3cdd91a25f47 }\n    kubeAuth: azure\n    aks: { subscriptionId: a6806ab2-ebb4-4fdc-a9d5-884687a165bd, resourceGroup: rg-cafehyna-prd }\n',
  'x.yaml',
);

describe('K18: the API server refused kvcsi', () => {
  it('names the identity, each refused read and the binding to add (Azure RBAC cluster)', () => {
    const facts = emptyPodFacts({
      cluster: registry.get('cafehyna-prd'),
      pod: unknown(azureRbac('get pod defectdojo/x', 'get', 'pods', '', 'in the namespace "defectdojo"'), 'FORBIDDEN'),
      csiDriver: unknown(azureRbac('get CSIDriver secrets-store.csi.k8s.io', 'get', 'csidrivers', 'storage.k8s.io', 'at the cluster scope'), 'FORBIDDEN'),
      events: known([]),
    });
    const [only, ...rest] = analyzeClusterAccess(facts);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ id: 'K18', severity: 'error', confidence: 'confirmed' });
    expect(only?.summary).toBe(`The API server of cluster cafehyna-prd refused ${OID}: get pods in namespace defectdojo; get csidrivers (storage.k8s.io) at the cluster scope. The diagnosis cannot check what those reads would show.`);
    expect(only?.fix.commands).toEqual([
      `kubectl create clusterrolebinding kvcsi-reader --clusterrole=kvcsi-reader --user=${OID}`,
      `az role assignment create --assignee-object-id ${OID} --assignee-principal-type ServicePrincipal --role "kvcsi AKS Reader" --scope $(az aks show -g rg-cafehyna-prd -n cafehyna-prd --subscription a6806ab2-ebb4-4fdc-a9d5-884687a165bd --query id -o tsv)`,
    ]);
  });

  it('offers only the ClusterRoleBinding where Kubernetes RBAC refused, and nothing for other failures', () => {
    const plain = `FORBIDDEN: list nodes on cluster x: 403 Forbidden: nodes is forbidden: User "${OID}" cannot list resource "nodes" in API group "" at the cluster scope`;
    const [k18] = analyzeClusterAccess(emptyPodFacts({ driverPods: unknown(plain, 'FORBIDDEN') }));
    expect(k18?.fix.commands).toEqual([`kubectl create clusterrolebinding kvcsi-reader --clusterrole=kvcsi-reader --user=${OID}`]);
    expect(analyzeClusterAccess(emptyPodFacts({ pod: unknown('TIMEOUT: get pod: no answer within 15000 ms', 'TIMEOUT') }))).toEqual([]);
  });

  it('finds refusals in an app\'s facts too', () => {
    const findings = analyzeAppClusterAccess({
      target: { kind: 'app', app: 'defectdojo' },
      pods: [],
      secretProviderClasses: unknown(azureRbac('list SecretProviderClasses defectdojo', 'list', 'secretproviderclasses', 'secrets-store.csi.x-k8s.io', 'in the namespace "defectdojo"'), 'FORBIDDEN'),
      secrets: {},
    });
    expect(findings.map((f) => f.id)).toEqual(['K18']);
  });
});
