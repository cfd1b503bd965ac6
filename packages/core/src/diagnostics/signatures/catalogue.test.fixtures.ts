/**
 * Texts of docs/csi-failure-catalogue.md, per signature and era, as the classifier meets them: pod events (with and
 * without the old kubelet's `kubernetes.io/csi: mounter.SetupAt failed:` prefix), provider and driver logs.
 * Shared by the signature tests, the analyzer tests and the explain tests.
 */

export interface SignatureFixture {
  id: string;
  era: string;
  text: string;
  /** Fields the classifier must extract. */
  fields?: Record<string, string | number>;
}

const kubeletOld = (volume: string, inner: string) => `MountVolume.SetUp failed for volume "${volume}" : kubernetes.io/csi: mounter.SetupAt failed: rpc error: code = Unknown desc = ${inner}`;
const kubeletNew = (volume: string, inner: string) => `MountVolume.SetUp failed for volume "${volume}" : rpc error: code = Unknown desc = ${inner}`;
const driver = (pod: string, inner: string) => `failed to mount secrets store objects for pod ${pod}, err: rpc error: code = Unknown desc = failed to mount objects, error: ${inner}`;

/** azcore (provider >= v1.5) multi-line ResponseError. */
export function azcoreError(options: { method?: string; url: string; status: number; statusText: string; code: string; message: string; inner?: string }): string {
  const line = '-'.repeat(80);
  const inner = options.inner ? `,\n    "innererror": {\n      "code": "${options.inner}"\n    }` : '';
  return [
    `${options.method ?? 'GET'} ${options.url}`,
    line,
    `RESPONSE ${options.status}: ${options.status} ${options.statusText}`,
    `ERROR CODE: ${options.code}`,
    line,
    '{',
    '  "error": {',
    `    "code": "${options.code}",`,
    `    "message": ${JSON.stringify(options.message)}${inner}`,
    '  }',
    '}',
    line,
  ].join('\n');
}

const D1_MESSAGE =
  "The user, group or application 'appid=f1a14a8f-6d38-40a0-a935-3cdd91a25f47;oid=0b3c1b0e-9d2a-4a7e-9a1c-2f5b7c9d1e3f;iss=https://sts.windows.net/3f7a3df4-f85b-4ca8-98d0-08b1034e6567/' does not have secrets get permission on key vault 'kv-cafehyna-dev-hlg;location=eastus'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287";
const D2_MESSAGE =
  "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=f1a14a8f-6d38-40a0-a935-3cdd91a25f47;oid=0b3c1b0e-9d2a-4a7e-9a1c-2f5b7c9d1e3f;iss=https://sts.windows.net/3f7a3df4-f85b-4ca8-98d0-08b1034e6567/\r\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nResource: '/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg-kv/providers/microsoft.keyvault/vaults/kv-cafehyna-prd/secrets/db-password'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: kv-cafehyna-prd;location=eastus";
const NOT_FOUND_MESSAGE =
  'A secret with (name/id) test-cert-chain was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182';

export const SIGNATURE_FIXTURES: SignatureFixture[] = [
  // A
  { id: 'A1', era: 'kubelet', text: 'MountVolume.SetUp failed for volume "secrets-store01-inline" : kubernetes.io/csi: mounter.SetUpAt failed to get CSI client: driver name secrets-store.csi.k8s.io not found in the list of registered CSI drivers', fields: { volume: 'secrets-store01-inline' } },
  { id: 'A2', era: 'kubelet', text: 'MountVolume.NewMounter initialization failed for volume "secrets-store-inline" : volume mode "Ephemeral" not supported by driver secrets-store.csi.k8s.io (no CSIDriver object)' },
  { id: 'A3', era: 'controller-runtime new, kubelet new', text: kubeletNew('secrets-store-inline', 'failed to get secretproviderclass default/azure-kvname, error: secretproviderclasses.secrets-store.csi.x-k8s.io "azure-kvname" not found'), fields: { spcNamespace: 'default', spcName: 'azure-kvname' } },
  { id: 'A3', era: 'controller-runtime old, kubelet old', text: kubeletOld('secrets-store-inline', 'failed to get secretproviderclass default/azure-kvname, error: SecretProviderClass.secrets-store.csi.x-k8s.io "azure-kvname" not found'), fields: { spcName: 'azure-kvname' } },
  { id: 'A3', era: 'driver RBAC', text: 'secretproviderclasses.secrets-store.csi.x-k8s.io "x" is forbidden: User "system:serviceaccount:kube-system:secrets-store-csi-driver" cannot get resource "secretproviderclasses" in API group "secrets-store.csi.x-k8s.io"' },
  { id: 'A4', era: 'gRPC driver', text: kubeletNew('secrets-store-inline', 'failed to mount secrets store objects for pod default/busybox, err: error connecting to provider "azure": provider not found: provider "azure"'), fields: { provider: 'azure', podName: 'busybox' } },
  { id: 'A4', era: 'driver log', text: 'E0611 10:00:00.000000       1 nodeserver.go:245] "failed to mount secrets store object content" err="error connecting to provider \\"azure\\": provider not found: provider \\"azure\\"" pod="default/busybox"', fields: { provider: 'azure' } },
  { id: 'A4', era: 'pre-gRPC driver', text: kubeletOld('secrets-store-inline', 'failed to find provider binary azure, err: stat /etc/kubernetes/secrets-store-csi-providers/azure/provider-azure: no such file or directory'), fields: { provider: 'azure' } },
  { id: 'A5', era: 'grpc-go', text: kubeletNew('secrets-store-inline', 'failed to mount secrets store objects for pod default/busybox, err: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /etc/kubernetes/secrets-store-csi-providers/azure.sock: connect: connection refused"') },
  { id: 'A6', era: 'kubelet deadline', text: 'MountVolume.SetUp failed for volume "secrets-store-inline" : rpc error: code = DeadlineExceeded desc = context deadline exceeded' },
  { id: 'A6', era: 'kubelet old, pod wait', text: 'Unable to attach or mount volumes: unmounted volumes=[secrets-store-inline], unattached volumes=[secrets-store-inline default-token-x]: timed out waiting for the condition', fields: { volume: 'secrets-store-inline' } },
  { id: 'A6', era: 'kubelet new, pod wait', text: 'Unable to attach or mount volumes: unmounted volumes=[cacerts], unattached volumes=[], failed to process volumes=[]: timed out waiting for the condition', fields: { volume: 'cacerts' } },
  { id: 'A6', era: 'driver log', text: 'E0611 10:00:00.000000       1 nodeserver.go:245] "failed to mount secrets store object content" err="rpc error: code = Canceled desc = context canceled" pod="default/busybox"' },
  // No HTTP answer from Key Vault at all (StatusCode=0): the network, not a mount timeout (issue 15).
  { id: 'D10.4', era: 'provider <= v1.4.1 log', text: 'failed to get objectType:secret, objectName:db-password, objectVersion:: keyvault.BaseClient#GetSecret: Failure sending request: StatusCode=0 -- Original Error: context deadline exceeded', fields: { objectName: 'db-password', transport: 'no-answer' } },
  { id: 'A7', era: 'driver', text: kubeletNew('v', 'failed to get secretproviderclass default/spc, error: Get https://10.0.0.1:443/apis/secrets-store.csi.x-k8s.io/v1alpha1/namespaces/default/secretproviderclasses/spc: write tcp 10.0.0.5:45678->10.0.0.1:443: write: broken pipe') },
  { id: 'A8', era: 'kubelet', text: 'MountVolume.SetUp failed for volume "secrets-store-inline" : fetching NodePublishSecretRef default/secrets-store-creds failed: kubernetes.io/csi: failed to find the secret secrets-store-creds in the namespace default with error: secrets "secrets-store-creds" not found', fields: { secretName: 'secrets-store-creds' } },
  { id: 'A9', era: 'driver', text: kubeletNew('v', 'failed to mount secrets store objects for pod default/busybox, err: rpc error: code = ResourceExhausted desc = grpc: received message larger than max (5242880 vs. 4194304)') },
  { id: 'A10', era: 'driver', text: kubeletNew('v', 'failed to mount secrets store objects for pod default/busybox, err: missing object versions') },
  { id: 'A11', era: 'driver', text: kubeletNew('v', driver('default/busybox', 'failed to write file: no such file or directory')) },
  { id: 'A11', era: 'driver', text: kubeletNew('v', 'failed to mount secrets store objects for pod default/busybox, err: invalid filepath: "../x"') },
  { id: 'A12', era: 'driver', text: 'MountVolume.SetUp failed for volume "secrets-store-inline" : rpc error: code = InvalidArgument desc = Readonly is not true in request' },
  { id: 'A12', era: 'driver', text: kubeletNew('v', 'secretProviderClass is not set') },
  { id: 'A12', era: 'driver', text: kubeletNew('v', 'provider not set in default/azure-kvname') },

  // B
  { id: 'B1', era: 'provider v1.8', text: kubeletNew('v', driver('default/busybox', 'keyvaultName is not provided')) },
  { id: 'B1', era: 'provider <= v1.7.2', text: kubeletOld('v', driver('default/busybox', 'keyvaultName is not set')) },
  { id: 'B1', era: 'provider', text: kubeletNew('v', driver('default/busybox', 'failed to get vault: Invalid vault name: "https://kv-x.vault.azure.net/", must match [-a-zA-Z0-9]{3,24}')) },
  { id: 'B1', era: 'provider', text: kubeletNew('v', driver('default/busybox', 'failed to get vault: Invalid vault name: "kv", must be between 3 and 24 chars')) },
  { id: 'B2', era: 'provider v1.8', text: kubeletNew('v', driver('default/busybox', 'tenantId is not provided')) },
  { id: 'B2', era: 'provider <= v1.7.2', text: kubeletNew('v', driver('default/busybox', 'tenantId is not set')) },
  { id: 'B3', era: 'provider', text: kubeletNew('v', driver('default/busybox', 'failed to parse usePodIdentity flag, error: strconv.ParseBool: parsing "yes": invalid syntax')) },
  { id: 'B4', era: 'provider v1.8', text: kubeletNew('v', driver('default/busybox', 'only one identity mode can be enabled at a time: usePodIdentity, useVMManagedIdentity, or useAzureTokenProxy')) },
  { id: 'B4', era: 'provider <= v1.7.2', text: kubeletNew('v', driver('default/busybox', 'failed to create auth config, error: cannot enable both pod identity and user-assigned managed identity')) },
  { id: 'B5', era: 'provider', text: kubeletNew('v', driver('default/busybox', 'failed to yaml unmarshal objects, error: yaml: unmarshal errors:\n  line 2: cannot unmarshal !!map into string')) },
  { id: 'B5', era: 'provider', text: kubeletNew('v', driver('default/busybox', 'unmarshal failed for keyVaultObjects at index 0, error: yaml: line 2: mapping values are not allowed in this context')) },
  { id: 'B5', era: 'provider', text: kubeletNew('v', driver('default/busybox', 'objects is not set')) },
  { id: 'B6', era: 'provider', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:Secret, objectName:db-password, objectVersion:: Invalid vaultObjectTypes. Should be secret, key, or cert')), fields: { objectType: 'Secret', objectName: 'db-password' } },
  { id: 'B7', era: 'provider', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:cert, objectName:tls, objectVersion:: PFX format only supported for objectType: secret')) },
  { id: 'B7', era: 'provider', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:tls, objectVersion:: invalid objectEncoding: b64, should be hex, base64 or utf-8')) },
  { id: 'B8', era: 'provider', text: kubeletNew('v', driver('default/busybox', "failed to get objectType:secret, objectName:x, objectVersion:: file name must not contain '..'")) },
  { id: 'B9', era: 'provider', text: kubeletNew('v', driver('default/busybox', 'cloudName foo is not valid, error: autorest/azure: There is no cloud environment matching the name "FOO"')) },
  { id: 'B10', era: 'provider v1.8', text: kubeletNew('v', driver('default/busybox', 'pod name is not provided')) },
  { id: 'B10', era: 'provider old, pod identity', text: kubeletNew('v', driver('default/busybox', 'pod information is not available. deploy a CSIDriver object to set podInfoOnMount: true')) },
  { id: 'B12', era: 'provider', text: kubeletNew('v', 'failed to mount secrets store objects for pod default/busybox, err: rpc error: code = Unknown desc = failed to unmarshal attributes, error: unexpected end of JSON input') },

  // C
  { id: 'C1', era: 'provider v1.8', text: kubeletNew('v', driver('default/busybox', 'failed to build auth config for mode None: failed to get credentials, nodePublishSecretRef secret is not set')) },
  { id: 'C1', era: 'provider <= v1.7.2', text: kubeletOld('v', driver('default/busybox', 'failed to create auth config, error: failed to get credentials, nodePublishSecretRef secret is not set')) },
  { id: 'C1', era: 'pre-gRPC', text: 'unexpected: getCredential failed, nodePublishSecretRef secret is not provided' },
  { id: 'C1', era: 'provider <= v1.4.1 (leaks the map)', text: kubeletNew('v', driver('default/busybox', 'failed to create auth config, error: could not find clientsecret in secrets(map[clientid:abc clientsecret-typo:hunter2])')) },
  { id: 'C1', era: 'SP, provider >= v1.5', text: 'ClientSecretCredential authentication failed. POST https://login.microsoftonline.com/3f7a3df4-f85b-4ca8-98d0-08b1034e6567/oauth2/v2.0/token\n' + '-'.repeat(80) + '\nRESPONSE 401: 401 Unauthorized\n' + '-'.repeat(80) + '\n{\n  "error": "invalid_client",\n  "error_description": "AADSTS7000215: Invalid client secret provided."\n}', fields: { aadsts: '7000215' } },
  { id: 'C2', era: 'provider <= v1.0.1', text: kubeletOld('v', driver('default/busybox', 'failed to get keyvault client: failed to get key vault token: nmi response failed with status code: 404, response body: getting assigned identities for pod default/busybox in CREATED state failed after 16 attempts, retry duration [5]s, error: <nil>. Check MIC pod logs for identity assignment errors')) },
  { id: 'C2', era: 'provider v1.1 - v1.4.1', text: kubeletNew('v', driver('default/busybox', 'failed to get keyvault client: failed to get authorizer for keyvault client: nmi response failed with status code: 403, response body: adal: Refresh request failed. Status Code = \'400\'. Response body: {"error":"invalid_request","error_description":"Identity not found"} Endpoint http://169.254.169.254/metadata/identity/oauth2/token')) },
  { id: 'C2', era: 'provider >= v1.5', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db, objectVersion:: nmi response failed with status code: 404, response body: x')) },
  {
    id: 'C3', era: 'provider <= v1.4.1 (adal)',
    text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db-password, objectVersion:: azure.BearerAuthorizer#WithAuthorization: Failed to refresh the Token for request to https://kv-cafehyna-dev-hlg.vault.azure.net/secrets/db-password/?api-version=2016-10-01: StatusCode=400 -- Original Error: adal: Refresh request failed. Status Code = \'400\'. Response body: {"error":"invalid_request","error_description":"Identity not found"} Endpoint http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&client_id=f1a14a8f-6d38-40a0-a935-3cdd91a25f47&resource=https%3A%2F%2Fvault.azure.net')),
    fields: { clientId: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47', vault: 'kv-cafehyna-dev-hlg', objectName: 'db-password' },
  },
  {
    id: 'C3', era: 'provider >= v1.5 (azidentity)',
    text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db-password, objectVersion:: ManagedIdentityCredential authentication failed. the requested identity isn\'t assigned to this resource\nGET http://169.254.169.254/metadata/identity/oauth2/token\n' + '-'.repeat(80) + '\nRESPONSE 400: 400 Bad Request\n' + '-'.repeat(80) + '\n{ "error": "invalid_request", "error_description": "Identity not found" }\n' + '-'.repeat(80))),
  },
  { id: 'C3', era: 'multiple identities', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db, objectVersion:: ManagedIdentityCredential authentication failed. Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request')) },
  { id: 'C3', era: 'system-assigned, azidentity <= 1.6', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db, objectVersion:: ManagedIdentityCredential: no default identity is assigned to this resource')) },
  { id: 'C3', era: 'system-assigned, newer azidentity', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db, objectVersion:: ManagedIdentityCredential: failed to authenticate a system assigned identity. The endpoint responded with {"error":"invalid_request"}')) },
  { id: 'C3', era: 'provider v1.8.0 only', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db, objectVersion:: empty managedidentity.UserAssignedClientID')) },
  { id: 'C4.1', era: 'provider v1.8', text: kubeletNew('v', driver('default/busybox', 'failed to build auth config for mode None: failed to parse workload identity tokens, error: service account tokens not found')) },
  { id: 'C4.1', era: 'provider <= v1.7.2', text: kubeletNew('v', driver('default/busybox', 'failed to parse workload identity tokens, error: token for audience api://AzureADTokenExchange not found')), fields: { audience: 'api://AzureADTokenExchange' } },
  {
    id: 'C4.2', era: 'provider <= v1.4.1 (MSAL FromAssertion)',
    text: kubeletNew('v', driver('default/busybox', 'failed to get keyvault client: failed to get authorizer for keyvault client: failed to acquire token: FromAssertion(): http call(https://login.microsoftonline.com/3f7a3df4-f85b-4ca8-98d0-08b1034e6567/oauth2/v2.0/token)(POST) error: reply status code was 400: {"error":"invalid_request","error_description":"AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: \'https://eastus.oic.prod-aks.azure.com/3f7a3df4-f85b-4ca8-98d0-08b1034e6567/1a2b/\'. Assertion Subject: \'system:serviceaccount:defectdojo:defectdojo\'. Assertion Audience: \'api://AzureADTokenExchange\'."}')),
    fields: { aadsts: '70021', subject: 'system:serviceaccount:defectdojo:defectdojo', audience: 'api://AzureADTokenExchange', issuer: 'https://eastus.oic.prod-aks.azure.com/3f7a3df4-f85b-4ca8-98d0-08b1034e6567/1a2b/' },
  },
  {
    id: 'C4.2', era: 'provider >= v1.5 (azidentity)',
    text: kubeletNew('v', driver('default/busybox', "failed to get objectType:secret, objectName:db, objectVersion:: ClientAssertionCredential authentication failed. POST https://login.microsoftonline.com/t/oauth2/v2.0/token\n" + '-'.repeat(80) + "\nRESPONSE 400: 400 Bad Request\n" + '-'.repeat(80) + "\n{\n  \"error\": \"invalid_request\",\n  \"error_description\": \"AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://oidc.example/'. Assertion Subject: 'system:serviceaccount:app:default'. Assertion Audience: 'api://AzureADTokenExchange'.\"\n}")),
    fields: { aadsts: '70021', subject: 'system:serviceaccount:app:default' },
  },
  { id: 'C4.3', era: 'AAD', text: kubeletNew('v', driver('default/busybox', "failed to get objectType:secret, objectName:db, objectVersion:: ClientAssertionCredential authentication failed. AADSTS700016: Application with identifier 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47' was not found in the directory 'contoso'.")), fields: { clientId: 'f1a14a8f-6d38-40a0-a935-3cdd91a25f47' } },
  { id: 'C4.4', era: 'Go SDK', text: "ClientAssertionCredential: unable to resolve an endpoint: http call(https://login.microsoftonline.com/contoso.onmicrosoft.con/v2.0/.well-known/openid-configuration)(GET) error: reply status code was 400: {\"error\":\"invalid_tenant\",\"error_description\":\"AADSTS90002: Tenant 'contoso.onmicrosoft.con' not found.\"}", fields: { tenant: 'contoso.onmicrosoft.con' } },
  { id: 'C4.5', era: 'azidentity', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db, objectVersion:: ClientAssertionCredential isn\'t configured to acquire tokens for tenant "72f988bf-86f1-41af-91ab-2d7cd011db47". To enable acquiring tokens for this tenant add it to the AdditionallyAllowedTenants on the credential options, or add "*" to allow acquiring tokens for any tenant')) },
  { id: 'C4.6', era: 'AAD', text: 'AADSTS700024: Client assertion is not within its valid time range.' },
  { id: 'C5', era: 'provider v1.8', text: kubeletNew('v', driver('default/busybox', 'failed to build auth config for mode AzureTokenProxy: clientID is required for identity binding')) },
  // adal's "Refresh request failed. Status Code = '%d'. Response body: %s" with nothing that says why.
  { id: 'C0', era: 'adal, reason not in the body', text: kubeletNew('v', driver('default/busybox', "failed to get objectType:secret, objectName:db, objectVersion:: azure.BearerAuthorizer#WithAuthorization: Failed to refresh the Token for request to https://kv-x.vault.azure.net/secrets/db/?api-version=2016-10-01: StatusCode=404 -- Original Error: adal: Refresh request failed. Status Code = '404'. Response body: ")), fields: { status: 404, service: 'entra' } },
  // azidentity's "<credential> authentication failed. <method> <url> / RESPONSE <status>" for the token sources.
  { id: 'C7', era: 'azidentity, IMDS', text: kubeletNew('v', driver('default/busybox', `failed to get objectType:secret, objectName:db, objectVersion:: ManagedIdentityCredential authentication failed. GET http://169.254.169.254/metadata/identity/oauth2/token\n${'-'.repeat(80)}\nRESPONSE 429: 429 Too Many Requests\n${'-'.repeat(80)}`)), fields: { status: 429, service: 'imds' } },
  { id: 'C8', era: 'azidentity, Entra ID', text: kubeletNew('v', driver('default/busybox', `failed to get objectType:secret, objectName:db, objectVersion:: ClientAssertionCredential authentication failed. POST https://login.microsoftonline.com/3f7a3df4-f85b-4ca8-98d0-08b1034e6567/oauth2/v2.0/token\n${'-'.repeat(80)}\nRESPONSE 429: 429 Too Many Requests\n${'-'.repeat(80)}`)), fields: { status: 429, service: 'entra' } },
  { id: 'C9', era: 'adal against AD FS', text: "adal: Refresh request failed. Status Code = '400'. Response body: {\"error\":\"invalid_client\",\"error_description\":\"MSIS9605: The client is not allowed to access the requested resource.\"} Endpoint https://adfs.contoso.local/adfs/oauth2/token?api-version=1.0", fields: { msis: 'MSIS9605', service: 'adfs', oauthError: 'invalid_client' } },
  { id: 'C5', era: 'provider v1.8', text: kubeletNew('v', driver('default/busybox', 'failed to build auth config for mode AzureTokenProxy: failed to parse service account token for identity binding, error: token for audience api://AKSIdentityBinding not found')) },
  { id: 'C6', era: 'autorest', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db, objectVersion:: keyvault.BaseClient#GetSecret: Failure responding to request: StatusCode=401 -- Original Error: autorest/azure: Service returned an error. Status=401 Code="Unauthorized" Message="AKV10032: Invalid issuer. Expected one of https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/, found https://sts.windows.net/3f7a3df4-f85b-4ca8-98d0-08b1034e6567/."')) },

  // D
  {
    id: 'D1', era: 'autorest (provider <= v1.4.1), provider log',
    text: 'E0611 10:00:00.000000       1 server.go:60] "failed to process mount request" err="failed to get objectType:secret, objectName:db-password, objectVersion:: keyvault.BaseClient#GetSecret: Failure responding to request: StatusCode=403 -- Original Error: autorest/azure: Service returned an error. Status=403 Code=\\"Forbidden\\" Message=\\"' + D1_MESSAGE + '\\" InnerError={\\"code\\":\\"AccessDenied\\"}"',
    fields: { status: 403, errorCode: 'Forbidden', innerCode: 'AccessDenied', vault: 'kv-cafehyna-dev-hlg', callerObjectId: '0b3c1b0e-9d2a-4a7e-9a1c-2f5b7c9d1e3f', permission: 'secrets get', objectName: 'db-password', objectType: 'secret' },
  },
  {
    id: 'D1', era: 'azcore (provider >= v1.5), pod event',
    text: kubeletNew('secrets-store-inline', driver('defectdojo/defectdojo-7c9d', 'failed to get objectType:secret, objectName:db-password, objectVersion:: ' + azcoreError({ url: 'https://kv-cafehyna-dev-hlg.vault.azure.net/secrets/db-password/?api-version=7.4', status: 403, statusText: 'Forbidden', code: 'Forbidden', message: D1_MESSAGE, inner: 'AccessDenied' }))),
    fields: { status: 403, innerCode: 'AccessDenied', vault: 'kv-cafehyna-dev-hlg', podNamespace: 'defectdojo', objectName: 'db-password' },
  },
  {
    id: 'D2', era: 'azcore (provider >= v1.5)',
    text: kubeletNew('secrets-store-inline', driver('defectdojo/defectdojo-7c9d', 'failed to get objectType:secret, objectName:db-password, objectVersion:: ' + azcoreError({ url: 'https://kv-cafehyna-prd.vault.azure.net/secrets/db-password/?api-version=7.4', status: 403, statusText: 'Forbidden', code: 'Forbidden', message: D2_MESSAGE, inner: 'ForbiddenByRbac' }))),
    fields: { status: 403, innerCode: 'ForbiddenByRbac', vault: 'kv-cafehyna-prd', action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action', callerObjectId: '0b3c1b0e-9d2a-4a7e-9a1c-2f5b7c9d1e3f' },
  },
  {
    id: 'D2', era: 'autorest (provider <= v1.4.1)',
    text: kubeletOld('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db-password, objectVersion:: keyvault.BaseClient#GetSecret: Failure responding to request: StatusCode=403 -- Original Error: autorest/azure: Service returned an error. Status=403 Code="Forbidden" Message="Caller is not authorized to perform action on resource. Caller: appid=x;oid=0b3c1b0e-9d2a-4a7e-9a1c-2f5b7c9d1e3f Action: \'Microsoft.KeyVault/vaults/secrets/getSecret/action\' DecisionReason: \'DeniedWithNoValidRBAC\'" InnerError={"code":"ForbiddenByRbac"}')),
    fields: { status: 403, innerCode: 'ForbiddenByRbac' },
  },
  { id: 'D3', era: 'autorest', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db, objectVersion:: keyvault.BaseClient#GetSecret: Failure responding to request: StatusCode=403 -- Original Error: autorest/azure: Service returned an error. Status=403 Code="Forbidden" Message="Client address is not authorized and caller is not a trusted service.\\r\\nClient address: 20.1.2.3\\r\\nCaller: appid=x;oid=y\\r\\nVault: kv-x;location=eastus" InnerError={"code":"ForbiddenByFirewall"}')), fields: { innerCode: 'ForbiddenByFirewall', clientAddress: '20.1.2.3', vault: 'kv-x' } },
  { id: 'D4', era: 'azcore', text: 'failed to get objectType:secret, objectName:db, objectVersion:: ' + azcoreError({ url: 'https://kv-x.vault.azure.net/secrets/db/', status: 403, statusText: 'Forbidden', code: 'Forbidden', message: 'Public network access is disabled and request is not from a trusted service nor via an approved private link.\r\nCaller: appid=x;oid=y\r\nVault: kv-x;location=eastus', inner: 'ForbiddenByConnection' }), fields: { innerCode: 'ForbiddenByConnection' } },
  { id: 'D5', era: 'autorest', text: 'failed to get objectType:secret, objectName:db, objectVersion:: Status=403 Code="Forbidden" Message="The policy requires the caller \'appid=x\' to use on-behalf-of (OBO) flow." InnerError={"code":"ForbiddenByPolicy"}' },
  { id: 'D6', era: 'azcore', text: 'failed to get objectType:secret, objectName:db, objectVersion:: ' + azcoreError({ url: 'https://kv-x.vault.azure.net/secrets/db/', status: 403, statusText: 'Forbidden', code: 'SecretDisabled', message: 'Operation get is not allowed on a disabled secret.' }) },
  {
    id: 'D7', era: 'autorest (Microsoft Istio article, Issue 3)',
    text: 'MountVolume.SetUp failed for volume "cacerts" : rpc error: code = Unknown desc = failed to mount secrets store objects for pod aks-istio-system/istiod-asm-1-21-6fcfd88478-hqdjj, err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:test-cert-chain, objectVersion:: keyvault.BaseClient#GetSecret: Failure responding to request: StatusCode=404 -- Original Error: autorest/azure: Service returned an error. Status=404 Code="SecretNotFound" Message="' + NOT_FOUND_MESSAGE + '"',
    fields: { status: 404, errorCode: 'SecretNotFound', objectName: 'test-cert-chain', podNamespace: 'aks-istio-system', volume: 'cacerts' },
  },
  { id: 'D7', era: 'azcore', text: 'failed to get objectType:secret, objectName:test-cert-chain, objectVersion:: ' + azcoreError({ url: 'https://kv-x.vault.azure.net/secrets/test-cert-chain/', status: 404, statusText: 'Not Found', code: 'SecretNotFound', message: NOT_FOUND_MESSAGE }), fields: { status: 404, errorCode: 'SecretNotFound', vault: 'kv-x' } },
  { id: 'D7', era: 'azcore, certificate', text: 'failed to get objectType:cert, objectName:tls, objectVersion:: ' + azcoreError({ url: 'https://kv-x.vault.azure.net/certificates/tls/', status: 404, statusText: 'Not Found', code: 'CertificateNotFound', message: 'A certificate with (name/id) tls was not found in this key vault.' }), fields: { errorCode: 'CertificateNotFound' } },
  { id: 'D8', era: 'azcore', text: 'failed to get objectType:secret, objectName:db, objectVersion:: ' + azcoreError({ url: 'https://kv-x.vault.azure.net/secrets/db/', status: 401, statusText: 'Unauthorized', code: 'Unauthorized', message: 'Unauthorized' }) },
  { id: 'D9', era: 'azcore', text: 'failed to get objectType:secret, objectName:db, objectVersion:: ' + azcoreError({ url: 'https://kv-x.vault.azure.net/secrets/db/', status: 429, statusText: 'Too Many Requests', code: 'Throttled', message: 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached' }) },
  { id: 'D10', era: 'azcore', text: kubeletNew('v', driver('default/busybox', 'failed to get objectType:secret, objectName:db, objectVersion:: Get "https://kv-typo.vault.azure.net/secrets/db/?api-version=7.4": dial tcp: lookup kv-typo.vault.azure.net on 168.63.129.16:53: no such host')), fields: { host: 'kv-typo.vault.azure.net', vault: 'kv-typo' } },
  { id: 'D10', era: 'adal SP', text: "adal: Failed to execute the refresh request. Error = 'Post https://login.microsoftonline.com/t/oauth2/token?api-version=1.0: dial tcp: i/o timeout'" },
  // Go net/http and crypto/x509 wording (`Get "<url>": <err>`), under the provider's object prefix.
  { id: 'D10.1', era: 'Go TLS', text: 'failed to get objectType:secret, objectName:db, objectVersion:: Get "https://kv-x.vault.azure.net/secrets/db/?api-version=7.4": tls: failed to verify certificate: x509: certificate signed by unknown authority', fields: { transport: 'tls', host: 'kv-x.vault.azure.net', service: 'keyvault' } },
  { id: 'D10.2', era: 'Go proxy', text: 'failed to get objectType:secret, objectName:db, objectVersion:: Get "https://kv-x.vault.azure.net/secrets/db/?api-version=7.4": proxyconnect tcp: dial tcp 10.0.0.9:3128: connect: connection refused', fields: { transport: 'proxy' } },
  { id: 'D10.3', era: 'Go reset', text: 'failed to get objectType:secret, objectName:db, objectVersion:: Get "https://kv-x.vault.azure.net/secrets/db/?api-version=7.4": read tcp 10.240.0.4:51234->20.38.1.2:443: read: connection reset by peer', fields: { transport: 'reset' } },
  { id: 'D11', era: 'azcore', text: 'failed to get objectType:secret, objectName:db, objectVersion:zzz: ' + azcoreError({ url: 'https://kv-x.vault.azure.net/secrets/db/zzz', status: 400, statusText: 'Bad Request', code: 'BadParameter', message: 'Invalid version' }) },
  { id: 'K4', era: 'any', text: 'failed to get objectType:secret, objectName:db, objectVersion:: Status=403 Code="Forbidden" Message="Forbidden"' },

  // E
  { id: 'E1', era: 'provider', text: driver('default/busybox', 'failed to get objectType:secret, objectName:tls, objectVersion:: pkcs12: expected exactly two safe bags in the PFX PDU') },
  { id: 'E2', era: 'provider', text: driver('default/busybox', 'failed to get objectType:secret, objectName:tls, objectVersion:: failed to parse key for type pkcs1, pkcs8 or ec') },
  { id: 'E3', era: 'provider', text: driver('default/busybox', "failed to get objectType:secret, objectName:tls, objectVersion:: failed to get certificate. unknown content type 'application/json'") },
  { id: 'E4', era: 'provider', text: driver('default/busybox', "failed to get objectType:key, objectName:k, objectVersion:: failed to get key. key type 'oct' currently not supported") },
  { id: 'E5', era: 'provider', text: driver('default/busybox', 'illegal base64 data at input byte 4') },
  { id: 'E6', era: 'provider log', text: 'W0611 10:00:00.000000       1 provider.go:822] certificate chain is not complete due to missing intermediate/root certificates in the cert from key vault' },

  // F
  { id: 'F1', era: 'driver log', text: 'E0611 10:00:00.000000       1 secretproviderclasspodstatus_controller.go:325] "failed to create Kubernetes secret" err="secrets is forbidden: User \\"system:serviceaccount:kube-system:secrets-store-csi-driver\\" cannot create resource \\"secrets\\" in API group \\"\\" in the namespace \\"defectdojo\\""' },
  { id: 'F1', era: 'driver log warning', text: 'The secret operation failed with forbidden error. If you installed the CSI driver using helm, ensure syncSecret.enabled=true is set.' },
  { id: 'F2', era: 'event', text: 'failed to get data in spc defectdojo/defectdojo-spc for secret defectdojo-env, err: file matching objectName DB-PASSWORD not found in the pod', fields: { spcName: 'defectdojo-spc', secretName: 'defectdojo-env' } },
  { id: 'F3', era: 'driver v1.6 log', text: 'failed to validate secret object in spc defectdojo/spc, err: secret type is empty' },
  { id: 'F3', era: 'driver <= v1.5 event', text: 'failed validation for secret object in spc defectdojo/spc, err: secret name is empty' },
  { id: 'F4', era: 'driver', text: 'failed to get data in spc defectdojo/spc for secret s, err: key in secretObjects.data is empty' },
  { id: 'F5', era: 'driver', text: "failed to get data in spc defectdojo/spc for secret s, err: key 'ca.crt' is not supported. Only 'tls.key' and 'tls.crt' are supported" },
  { id: 'F6', era: 'event', text: 'failed to get mounted files, err: open /var/lib/kubelet/pods/x: no such file or directory' },
  { id: 'F8', era: 'driver log', text: '"failed to set owner ref for secret" err="x"' },
  { id: 'K5', era: 'describe', text: '  Warning  FailedToCreateSecret  1m  csi-secrets-store-controller  timed out waiting for the condition' },
  { id: 'K3', era: 'describe', text: '  Warning  Failed  1m (x5 over 2m)  kubelet  Error: secret "defectdojo-env" not found', fields: { secretName: 'defectdojo-env' } },

  // G
  { id: 'G1', era: 'driver <= v1.5 event', text: 'MountRotationFailed: provider mount err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:db, objectVersion:: Status=403 Code="Forbidden" Message="x" InnerError={"code":"AccessDenied"}' },
  { id: 'G2', era: 'driver <= v1.5 event', text: 'failed to get node publish secret default/creds, err: secrets "creds" not found' },
  { id: 'G2', era: 'driver <= v1.5 event', text: 'failed to lookup provider client: "azure"' },
  { id: 'G3', era: 'driver <= v1.5 event', text: 'failed to patch secret db-env with new data, err: x' },
  { id: 'G4', era: 'driver v1.6 log', text: 'E0611 10:00:00.000000       1 nodeserver.go:245] "failed to mount secrets store object content" err="rpc error: code = Unknown desc = failed to mount objects, error: x" pod="default/busybox" isRemountRequest=true' },
  { id: 'G5', era: 'driver <= v1.5 event', text: 'successfully rotated mounted contents for spc default/spc' },
  { id: 'K6', era: 'unknown', text: 'MountVolume.SetUp failed for volume "v" : rpc error: code = Unknown desc = something nobody has seen before' },
];
