import { armError } from './armHttp.js';

/**
 * The api-versions the sandbox serves per resource provider: those of the SDKs kvcsi uses (arm-keyvault 5.0.0 sends
 * 2025-05-01, arm-authorization 9.0.0 2022-04-01, arm-containerservice 25.3.0 2026-02-01, arm-msi 2.2.0 2024-11-30),
 * the official examples in shared/reference, and the published stable versions before them.
 */
const SERVED: Record<string, readonly string[]> = {
  'microsoft.keyvault': ['2015-06-01', '2016-10-01', '2018-02-14', '2019-09-01', '2021-10-01', '2022-07-01', '2022-11-01', '2023-02-01', '2023-07-01', '2024-11-01', '2025-05-01', '2026-02-01', '2026-04-01'],
  'microsoft.authorization': ['2015-07-01', '2018-01-01-preview', '2020-04-01-preview', '2020-10-01', '2020-10-01-preview', '2022-04-01', '2022-05-01-preview'],
  'microsoft.containerservice': ['2024-09-01', '2024-10-01', '2025-01-01', '2025-02-01', '2025-03-01', '2025-04-01', '2025-05-01', '2025-06-01', '2025-07-01', '2025-08-01', '2025-09-01', '2025-10-01', '2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01'],
  'microsoft.managedidentity': ['2018-11-30', '2021-09-30-preview', '2022-01-31-preview', '2023-01-31', '2023-07-31-preview', '2024-11-30', '2026-04-30', '2026-05-31'],
  'microsoft.resources': ['2015-11-01', '2016-06-01', '2019-10-01', '2020-01-01', '2021-01-01', '2021-04-01', '2022-09-01', '2022-12-01'],
};

/** The provider namespace and resource type a path addresses (the last `/providers/<ns>/<type>`; subscriptions and resources are Microsoft.Resources). */
function providerOf(path: string): { namespace: string; type: string } {
  const matches = [...path.matchAll(/\/providers\/([^/]+)\/([^/]+)/gi)];
  const last = matches.at(-1);
  if (last !== undefined) return { namespace: (last[1] ?? '').toLowerCase(), type: last[2] ?? '' };
  return { namespace: 'microsoft.resources', type: /\/resources$/i.test(path) ? 'resources' : 'subscriptions' };
}

/**
 * ARM's 400s for the api-version query parameter: MissingApiVersionParameter, or NoRegisteredProviderFound with
 * ARM's text ("No registered resource provider found for location '<l>' and API version '<v>' for type '<t>'. The
 * supported api-versions are '<list>'. The supported locations are '<list>'.", as quoted in Azure's
 * resource-manager error documentation and deployment logs).
 */
export function checkArmApiVersion(url: URL, path: string, location: string): Response | undefined {
  const version = url.searchParams.get('api-version');
  if (version === null || version === '') {
    return armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
  }
  const { namespace, type } = providerOf(path);
  const served = SERVED[namespace];
  if (served === undefined || served.includes(version)) return undefined;
  const where = namespace === 'microsoft.authorization' || namespace === 'microsoft.resources' ? 'global' : location;
  return armError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${where}' and API version '${version}' for type '${type}'. The supported api-versions are '${served.join(', ')}'. The supported locations are '${where}'.`,
  );
}

/** The headers every ARM answer carries (as in the recorded AKS traffic of shared/reference), with a request ID. */
export function withArmHeaders(response: Response, method: string, requestId: string): Response {
  const headers = response.headers;
  headers.set('cache-control', 'no-cache');
  headers.set('pragma', 'no-cache');
  headers.set('expires', '-1');
  headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
  headers.set('x-content-type-options', 'nosniff');
  headers.set('x-ms-request-id', requestId);
  headers.set('x-ms-correlation-request-id', requestId);
  headers.set(method === 'GET' ? 'x-ms-ratelimit-remaining-subscription-reads' : 'x-ms-ratelimit-remaining-subscription-writes', method === 'GET' ? '11999' : '1199');
  return response;
}
