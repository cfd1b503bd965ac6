/**
 * The kit's permissions are exactly what the adapters call. Every method of the real ports runs once over the
 * sandbox; the HTTP requests they send are mapped to what RBAC checks and compared with the data files
 * (deploy/permissions/*.json), and the roles of the kit (ClusterRoles, Azure role definitions) with those files.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { createAzureVaultPort } from '@kvcsi/azure';
import { parseRegistryConfig } from '@kvcsi/core';
import { KUBERNETES_CALLS, KUBERNETES_LEADER_CALLS, createKubernetesClusterPort, dataActionOf } from '@kvcsi/kubernetes';
import { startTestSandbox, type TestSandbox } from '@kvcsi/sandbox';
import { KIT, azureCalls, callKeys, kubernetesCalls, kubernetesLeaderCalls, kustomize, readJson, ruleKeys, type PolicyRule, type RoleDefinition } from './testing';

// The sandbox's default scenario (packages/sandbox/src/scenarios/default/scenario.yaml): sandbox-only credentials.
const TENANT_ID = '3f7a3df4-f85b-4ca8-98d0-08b1034e6567';
const NONPROD = '0d7562b8-108e-4b3c-9be7-0a403d3ccaa7';
const PROD = 'a6806ab2-ebb4-4fdc-a9d5-884687a165bd';
const KUBELET = { clientId: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47', objectId: '2d81911b-60a4-4a53-9045-ad7193c91ee5' };
const OPERATOR = { clientId: '6b1c7a55-0c6e-4a8e-9b7e-3f2d8c1a9e40', secret: 'sandbox-only-kvcsi-operator-secret' };
const PRD_VAULT_ID = `/subscriptions/${PROD}/resourceGroups/rg-cafehyna-prd/providers/Microsoft.KeyVault/vaults/kv-cafehyna-prd`;
const KEY_VAULT_SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';
const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection', 'escalate', 'bind', 'impersonate', 'approve', 'sign'];

// No vault located, no subscription named: the adapters search, so the search calls are exercised too.
const REGISTRY = parseRegistryConfig(
  `tenantId: ${TENANT_ID}
clusters:
  - { name: cafehyna-dev, tier: dev, keyVault: { name: kv-cafehyna-dev-hlg }, identity: { clientId: ${KUBELET.clientId} } }
  - { name: cafehyna-prd, tier: prd, keyVault: { name: kv-cafehyna-prd }, identity: { clientId: ${KUBELET.clientId} } }
  - { name: painelclientes-dev, tier: dev, keyVault: { name: painel-clientes-hml }, identity: { discover: true } }
  - { name: painelclientes-prd, tier: prd, keyVault: { name: painel-clientes-prd }, identity: { discover: true } }
`,
  'deploy kit test registry',
);
/** The same cluster with its AKS resource located: a direct get instead of a list. */
const LOCATED_PRD = parseRegistryConfig(
  `tenantId: ${TENANT_ID}
clusters:
  - { name: painelclientes-prd, tier: prd, keyVault: { name: painel-clientes-prd }, identity: { discover: true, subscriptionId: ${PROD}, aksResourceGroup: rg-painelclientes-prd } }
`,
  'deploy kit test registry (located)',
).get('painelclientes-prd');

let harness: TestSandbox;
beforeAll(() => {
  harness = startTestSandbox({ withQuery: true });
});
beforeEach(() => {
  harness.sandbox.reset();
  harness.requests.length = 0;
});
afterAll(() => harness.server.close());

describe('Kubernetes: the ClusterPort', () => {
  // @kvcsi/kubernetes exports the calls its port makes, and its calls.test.ts drives every method over the sandbox
  // against that list. The kit's data file is the same list for readers without the code.
  it('the kit\'s kubernetes-calls.json is the lists @kvcsi/kubernetes exports (KUBERNETES_CALLS, KUBERNETES_LEADER_CALLS)', () => {
    const shape = (calls: readonly { method: string; apiGroup: string; resource: string; verb: string; optional?: string }[]): string[] =>
      calls.map((c) => `${c.method} ${c.apiGroup}/${c.resource}:${c.verb}${c.optional === undefined ? '' : ' optional'}`).sort();
    expect(shape(kubernetesCalls())).toEqual(shape(KUBERNETES_CALLS));
    expect(shape(kubernetesLeaderCalls())).toEqual(shape(KUBERNETES_LEADER_CALLS));
  });

  const required = () => kubernetesCalls().filter((c) => c.optional === undefined);
  const optional = () => kubernetesCalls().filter((c) => c.optional !== undefined);
  const clusterRoles = (directory: string): { name: string; rules: PolicyRule[] }[] =>
    kustomize(`cluster/${directory}`).filter((o) => o.kind === 'ClusterRole').map((o) => ({ name: o.metadata.name, rules: (o as unknown as { rules: PolicyRule[] }).rules }));

  it('kvcsi-reader grants exactly the required calls; the optional Secrets role exactly the optional ones', () => {
    expect(clusterRoles('kubernetes-rbac').map((r) => [r.name, ruleKeys(r.rules)])).toEqual([['kvcsi-reader', callKeys(required())]]);
    expect(clusterRoles('kubernetes-rbac-secrets').map((r) => [r.name, ruleKeys(r.rules)])).toEqual([['kvcsi-secret-reader', callKeys(optional())]]);
  });

  it('the Azure RBAC for Kubernetes role plus the CRD ClusterRole cover exactly the required calls', () => {
    const role = readJson<RoleDefinition>('cluster/azure-rbac/kvcsi-aks-reader.json');
    const crdRules = clusterRoles('kubernetes-rbac-crds').flatMap((r) => r.rules);
    const crdKeys = ruleKeys(crdRules);
    const builtIn = required().filter((c) => !crdKeys.includes(`${c.apiGroup}/${c.resource}:${c.verb}`));
    expect(crdRules.flatMap((r) => r.apiGroups)).toEqual(crdRules.map(() => 'secrets-store.csi.x-k8s.io'));
    expect([...crdKeys, ...callKeys(builtIn)].sort()).toEqual(callKeys(required()));
    expect(role.DataActions).toEqual([...new Set(builtIn.map(dataActionOf))].sort());
    expect(role.Actions).toEqual([]);
    const secrets = readJson<RoleDefinition>('cluster/azure-rbac/kvcsi-aks-secret-reader.json');
    expect(secrets.DataActions).toEqual(optional().map(dataActionOf));
  });

  it('the hub\'s lease Role grants exactly the leader calls, on the Lease kvcsi-watch where RBAC can name it, to the bot\'s ServiceAccount', () => {
    const base = kustomize('base');
    const roles = base.filter((o) => o.kind === 'Role') as unknown as { metadata: { name: string; namespace?: string }; rules: PolicyRule[] }[];
    expect(roles.map((r) => [r.metadata.namespace, r.metadata.name])).toEqual([['kvcsi', 'kvcsi-watch-lease']]);
    const rules = roles[0]?.rules ?? [];
    expect(ruleKeys(rules)).toEqual(callKeys(kubernetesLeaderCalls()));
    // The API server cannot check resourceNames on create (the name is in the body): every other verb names the Lease.
    for (const rule of rules) expect({ verbs: rule.verbs, resourceNames: rule.resourceNames }).toEqual({ verbs: rule.verbs, resourceNames: rule.verbs.includes('create') ? undefined : ['kvcsi-watch'] });
    expect(rules.flatMap((r) => [...r.verbs, ...(r.resources ?? []), ...(r.apiGroups ?? []), ...(r.resourceNames ?? [])]).filter((v) => v.includes('*'))).toEqual([]);
    const bindings = base.filter((o) => o.kind === 'RoleBinding') as unknown as { metadata: { namespace?: string }; roleRef: unknown; subjects: unknown[] }[];
    expect(bindings.map((b) => [b.metadata.namespace, b.roleRef, b.subjects])).toEqual([
      ['kvcsi', { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kvcsi-watch-lease' }, [{ kind: 'ServiceAccount', name: 'kvcsi', namespace: 'kvcsi' }]],
    ]);
    expect(base.filter((o) => o.kind === 'ServiceAccount').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['kvcsi/kvcsi']);
  });

  it('the Azure RBAC for Kubernetes leader role holds exactly the leader calls\' data actions', () => {
    const role = readJson<RoleDefinition>('cluster/azure-rbac/kvcsi-aks-leader.json');
    expect(role.DataActions).toEqual([...new Set(kubernetesLeaderCalls().map(dataActionOf))].sort());
    expect(role).toMatchObject({ IsCustom: true, Actions: [], NotActions: [], NotDataActions: [] });
  });

  it('binds every ClusterRole to one User subject (the identity object id), with no wildcard and no write verb', () => {
    for (const directory of ['kubernetes-rbac', 'kubernetes-rbac-crds', 'kubernetes-rbac-secrets']) {
      const objects = kustomize(`cluster/${directory}`);
      for (const role of objects.filter((o) => o.kind === 'ClusterRole')) {
        for (const rule of (role as unknown as { rules: PolicyRule[] }).rules) {
          expect([...(rule.verbs ?? []), ...(rule.resources ?? []), ...(rule.apiGroups ?? [])].filter((v) => v.includes('*'))).toEqual([]);
          expect(rule.verbs.filter((v) => WRITE_VERBS.includes(v))).toEqual([]);
          expect(rule.nonResourceURLs).toBeUndefined();
        }
      }
      const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding') as unknown as { roleRef: { name: string }; subjects: { kind: string; name: string }[] }[];
      expect(bindings.map((b) => b.roleRef.name)).toEqual(objects.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name));
      for (const binding of bindings) expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
    }
  });
});

/** The file's request pattern as a regular expression: `{scope}` spans segments, other `{…}` one segment. */
function requestPattern(request: string): RegExp {
  const escaped = request.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  const withHolders = escaped.replace(/\{scope\}/g, '.+').replace(/\{add\\\|replace\\\|remove\}/g, '(add|replace|remove)').replace(/\{[a-z]+\}/g, '[^/]+');
  return new RegExp(`^${withHolders}$`);
}

describe('Azure: the vault port', () => {
  it('sends only requests deploy/permissions/azure-calls.json lists, from every port method', async () => {
    const calls = azureCalls();
    const credential = new ClientSecretCredential(TENANT_ID, OPERATOR.clientId, OPERATOR.secret);
    const port = createAzureVaultPort({ credential, registry: REGISTRY, retryOptions: { maxRetries: 0 } });
    const described = new Set(calls.flatMap((c) => c.method.replace(/\([^)]*\)/g, '').split(',').map((m) => m.trim())));
    // Methods that only read the credential's own token: no Azure request, so no permission (asserted below).
    const tokenOnly = new Set(['currentPrincipal', 'accessToken']);
    expect(Object.keys(port).filter((method) => !described.has(method) && !tokenOnly.has(method))).toEqual([]);

    const painelApi = harness.sandbox.state.azure.identities.find((i) => i.name === 'id-painel-api');
    // Optional on the VaultPort (core), always there on the Azure adapter.
    const { listFederatedCredentials, getClusterOidcIssuer, findDeletedSecret, recoverDeletedSecret } = port;
    if (listFederatedCredentials === undefined || getClusterOidcIssuer === undefined) throw new Error('the Azure port lost listFederatedCredentials or getClusterOidcIssuer');
    if (findDeletedSecret === undefined || recoverDeletedSecret === undefined) throw new Error('the Azure port lost findDeletedSecret or recoverDeletedSecret');
    // The scenario's soft-deleted secret (argocd-notifications on cafehyna-hub).
    const deletedIn = { name: 'kv-cafehyna-default' };
    const deletedName = 'argocd-notifications-slack-token';
    const vault = { name: 'kv-cafehyna-dev-hlg' };
    const run: Record<string, () => Promise<unknown>> = {
      getVaultProperties: () => port.getVaultProperties(vault),
      resolveIdentity: () => port.resolveIdentity({ clientId: KUBELET.clientId }),
      discoverKubeletIdentity: async () => {
        await port.discoverKubeletIdentity(LOCATED_PRD);
        await port.discoverKubeletIdentity(REGISTRY.get('painelclientes-dev'));
      },
      listFederatedCredentials: () => listFederatedCredentials.call(port, { clientId: painelApi?.clientId ?? 'missing' }),
      getClusterOidcIssuer: () => getClusterOidcIssuer.call(port, REGISTRY.get('painelclientes-dev')),
      listSecretProperties: () => port.listSecretProperties(vault),
      checkAccess: () => port.checkAccess({ name: 'kv-cafehyna-prd' }, { objectId: KUBELET.objectId }),
      setSecret: () => port.setSecret(vault, 'kvcsi-deploy-kit-test', 'a value for the test'),
      findDeletedSecret: () => findDeletedSecret.call(port, deletedIn, deletedName),
      recoverDeletedSecret: () => recoverDeletedSecret.call(port, deletedIn, deletedName),
      updateAccessPolicy: () => port.updateAccessPolicy(vault, { operation: 'add', policy: { tenantId: TENANT_ID, objectId: KUBELET.objectId, permissions: { secrets: ['get', 'list'] } } }),
      listRoleAssignments: () => port.listRoleAssignments({ scope: PRD_VAULT_ID }),
      createRoleAssignment: () => port.createRoleAssignment({ scope: PRD_VAULT_ID, roleDefinitionId: KEY_VAULT_SECRETS_USER, principalObjectId: KUBELET.objectId, principalType: 'ServicePrincipal' }),
      currentPrincipal: () => port.currentPrincipal(),
      // The CLI's Entra token for a kvcsi server's decision API (issue 13): the credential's own token, no Azure call.
      accessToken: () => port.accessToken('https://management.azure.com/.default'),
      deleteRoleAssignment: async () => {
        const created = await port.createRoleAssignment({ scope: PRD_VAULT_ID, roleDefinitionId: KEY_VAULT_SECRETS_USER, principalObjectId: KUBELET.objectId, principalType: 'ServicePrincipal' });
        harness.requests.length = 0;
        await port.deleteRoleAssignment({ id: created.id ?? '' });
      },
    };
    // kubeAuth: azure — the cluster port reads the API server and CA from ARM with the same credential.
    const cluster = createKubernetesClusterPort({
      cluster: { name: 'cafehyna-dev', kubeContext: 'cafehyna-dev', kubeAuth: 'azure', aks: { name: 'cafehyna-dev', subscriptionId: NONPROD, resourceGroup: 'rg-cafehyna-dev' } },
      credential,
    });
    run['kubeAuth azure'] = () => cluster.listNodes({});

    const observed = new Set<string>();
    for (const method of [...Object.keys(port), 'kubeAuth azure']) {
      const invoke = run[method];
      if (invoke === undefined) throw new Error(`no way to drive ${method}: add it to this test and to azure-calls.json`);
      harness.requests.length = 0;
      await invoke();
      const requests = harness.requests
        .map((r) => r.split('?')[0] ?? r)
        .filter((r) => !r.includes('login.microsoftonline.com') && !/^\S+ [^/]*\.azmk8s\.io\//.test(r));
      expect({ method, sent: requests.length > 0 }).toEqual({ method, sent: !tokenOnly.has(method) });
      for (const request of requests) {
        const match = calls.find((c) => requestPattern(c.request).test(request));
        expect({ request, listed: match !== undefined }).toEqual({ request, listed: true });
        if (match !== undefined) observed.add(match.sdkCall);
      }
    }
    // And nothing listed is dead: every call of the file was sent by one of the methods above.
    expect(calls.filter((c) => !observed.has(c.sdkCall)).map((c) => c.sdkCall)).toEqual([]);
  });

  const ROLE_FILES: Record<string, string> = {
    reader: 'azure/roles/kvcsi-reader.json',
    granter: 'azure/roles/kvcsi-granter.json',
    'access-policy-writer': 'azure/roles/kvcsi-access-policy-writer.json',
    'secret-writer': 'azure/roles/kvcsi-secret-writer.json',
  };

  it('each role definition holds exactly the permissions of its calls, and no wildcard', () => {
    const calls = azureCalls();
    expect(Object.keys(ROLE_FILES).sort()).toEqual([...new Set(calls.map((c) => c.role))].sort());
    for (const [role, file] of Object.entries(ROLE_FILES)) {
      const definition = readJson<RoleDefinition>(file);
      const mine = calls.filter((c) => c.role === role);
      const permissions = (kind: string): string[] => [...new Set(mine.filter((c) => c.kind === kind).map((c) => c.permission))].sort();
      expect({ role, actions: definition.Actions, dataActions: definition.DataActions }).toEqual({ role, actions: permissions('action'), dataActions: permissions('dataAction') });
      expect([...definition.Actions, ...definition.DataActions].filter((p) => p.includes('*'))).toEqual([]);
      expect(definition).toMatchObject({ IsCustom: true, NotActions: [], NotDataActions: [], AssignableScopes: ['/subscriptions/{subscriptionId}'] });
    }
  });

  it('never lets kvcsi read a secret value: no getSecret, no secrets/* anywhere in its roles', () => {
    const files = [...Object.values(ROLE_FILES), 'cluster/azure-rbac/kvcsi-aks-reader.json'];
    for (const file of files) {
      const definition = readJson<RoleDefinition>(file);
      expect([...definition.Actions, ...definition.DataActions].filter((p) => /secrets\/getSecret|secrets\/\*|secrets\/read$/.test(p) && !p.startsWith('Microsoft.ContainerService'))).toEqual([]);
    }
    expect(readJson<RoleDefinition>(ROLE_FILES['secret-writer'] ?? '').DataActions).toEqual(['Microsoft.KeyVault/vaults/secrets/recover/action', 'Microsoft.KeyVault/vaults/secrets/setSecret/action']);
  });

  it('assigns the granter only with the condition: Key Vault Secrets User, to service principals, for writes and deletes', () => {
    const condition = readFileSync(path.join(KIT, 'azure/granter-condition.txt'), 'utf8').trim();
    expect(condition).toContain(`(!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${KEY_VAULT_SECRETS_USER}}`);
    expect(condition).toContain(`(!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${KEY_VAULT_SECRETS_USER}})`);
    expect(condition).toContain(`@Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}`);

    const vault = PRD_VAULT_ID;
    const env = {
      ...process.env,
      DRY_RUN: '1',
      BOT_PRINCIPAL_ID: '11111111-2222-3333-4444-555555555555',
      SUBSCRIPTION_IDS: PROD,
      RBAC_VAULT_IDS: vault,
      ACCESS_POLICY_VAULT_IDS: '/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/kv-ap',
      SLACK_TOKEN_SECRET_IDS: `${vault}/secrets/kvcsi-slack-bot-token`,
    };
    const commands = execFileSync('bash', [path.join(KIT, 'azure/assign-roles.sh')], { env, encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('az role assignment create'));
    const granter = commands.filter((c) => c.includes('--role kvcsi\\ Granter'));
    expect(granter).toHaveLength(1);
    expect(granter[0]).toContain('--condition-version 2.0 --condition');
    expect(granter[0]).toContain(`--scope ${vault} `);
    // Key Vault Secrets User (values readable) only on the bot's own token secrets, never on a vault.
    const secretsUser = commands.filter((c) => c.includes(`--role ${KEY_VAULT_SECRETS_USER}`));
    expect(secretsUser).toEqual([expect.stringContaining(`--scope ${vault}/secrets/kvcsi-slack-bot-token`)]);
    expect(commands.every((c) => c.includes('--assignee-object-id 11111111-2222-3333-4444-555555555555 --assignee-principal-type ServicePrincipal'))).toBe(true);
  });
});
