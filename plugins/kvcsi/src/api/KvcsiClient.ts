/** The KvcsiApi over HTTP: the backend's base URL from discoveryApi, requests through fetchApi (which adds the user's token). */
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  BindingsResponse, CreateSecretRequestBody, CreateSecretRequestResponse, DiagnoseBody, DiagnoseResponse, ListRequestsResponse,
  ProblemsResponse, RequestActionResponse,
} from '@kvcsi/backstage-plugin-common';
import type { CallOptions, KvcsiApi } from './KvcsiApi.js';

export const KVCSI_PLUGIN_ID = 'kvcsi';

export interface KvcsiClientOptions {
  discoveryApi: Pick<DiscoveryApi, 'getBaseUrl'>;
  fetchApi: Pick<FetchApi, 'fetch'>;
}

export class KvcsiClient implements KvcsiApi {
  readonly #discoveryApi: KvcsiClientOptions['discoveryApi'];
  readonly #fetchApi: KvcsiClientOptions['fetchApi'];

  constructor(options: KvcsiClientOptions) {
    this.#discoveryApi = options.discoveryApi;
    this.#fetchApi = options.fetchApi;
  }

  getBindings(entityRef: string, options?: CallOptions): Promise<BindingsResponse> {
    return this.#call('GET', `/bindings?${new URLSearchParams({ entityRef })}`, undefined, options);
  }

  listProblems(entityRef: string, options?: CallOptions): Promise<ProblemsResponse> {
    return this.#call('GET', `/problems?${new URLSearchParams({ entityRef })}`, undefined, options);
  }

  listRequests(entityRef: string, options?: CallOptions): Promise<ListRequestsResponse> {
    return this.#call('GET', `/requests?${new URLSearchParams({ entityRef })}`, undefined, options);
  }

  requestSecret(body: CreateSecretRequestBody, options?: CallOptions): Promise<CreateSecretRequestResponse> {
    return this.#call('POST', '/requests', body, options);
  }

  setSecretValue(requestId: string, body: { entityRef: string; value: string }, options?: CallOptions): Promise<RequestActionResponse> {
    return this.#call('POST', `/requests/${encodeURIComponent(requestId)}/value`, body, options);
  }

  diagnose(body: DiagnoseBody, options?: CallOptions): Promise<DiagnoseResponse> {
    return this.#call('POST', '/diagnose', body, options);
  }

  async #call<T>(method: 'GET' | 'POST', pathAndQuery: string, body: unknown, options?: CallOptions): Promise<T> {
    const baseUrl = await this.#discoveryApi.getBaseUrl(KVCSI_PLUGIN_ID);
    const response = await this.#fetchApi.fetch(`${baseUrl}${pathAndQuery}`, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(options?.signal ? { signal: options.signal } : {}),
    });
    // The backend's errors carry a name and a message (never a secret value): ResponseError keeps both and the status.
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }
}
