import { bearerTokenAuthenticationPolicy, createHttpHeaders, createPipelineFromOptions, createPipelineRequest, createDefaultHttpClient, RestError } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { AzureRetryOptions } from './clients.js';

/**
 * The subscriptions the credential can see (`GET /subscriptions`), for when neither the registry nor the options
 * name any. A plain pipeline call keeps a whole SDK package out for one request.
 */
export async function listVisibleSubscriptions(
  credential: TokenCredential,
  resourceManager: string,
  options: { abortSignal: AbortSignal; retryOptions: AzureRetryOptions },
): Promise<string[]> {
  const pipeline = createPipelineFromOptions({ retryOptions: options.retryOptions });
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: `${resourceManager}/.default` }));
  const client = createDefaultHttpClient();
  const ids: string[] = [];
  let url: string | undefined = `${resourceManager}/subscriptions?api-version=2022-12-01`;
  while (url !== undefined) {
    const request = createPipelineRequest({ url, method: 'GET', abortSignal: options.abortSignal, headers: createHttpHeaders({ accept: 'application/json' }) });
    const response = await pipeline.sendRequest(client, request);
    const body = JSON.parse(response.bodyAsText ?? '{}') as { value?: { subscriptionId?: string; state?: string }[]; nextLink?: string; error?: { code?: string; message?: string } };
    if (response.status >= 400) {
      throw new RestError(body.error?.message ?? `GET /subscriptions answered ${response.status}`, { statusCode: response.status, code: body.error?.code, request, response });
    }
    for (const subscription of body.value ?? []) {
      if (subscription.subscriptionId !== undefined && subscription.state !== 'Disabled') ids.push(subscription.subscriptionId);
    }
    url = body.nextLink ?? undefined;
  }
  return ids;
}
