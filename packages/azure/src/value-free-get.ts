/**
 * kvcsi never reads a secret's value back. The SDK's recover poller (keyvault-secrets
 * `RecoverDeletedSecretPollOperation.update`) confirms a recover with getSecret, whose answer carries the value. On the
 * client that recovers, this policy turns every such GET into a listing of the secret's versions (ids and attributes,
 * never values) and answers with the newest one shaped as the bundle getSecret expects, without `value`: the poller sees
 * 200 once the secret is live and 404 until then, and no value crosses the wire.
 */
import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline';

const SECRET_GET = /\/secrets\/([^/]+)\/([^/]*)$/;

interface VersionItem {
  id?: string;
  attributes?: { created?: number; updated?: number } & Record<string, unknown>;
  contentType?: string;
  tags?: Record<string, string>;
  managed?: boolean;
}

function newest(items: VersionItem[]): VersionItem | undefined {
  return [...items].sort((a, b) => (b.attributes?.created ?? 0) - (a.attributes?.created ?? 0))[0];
}

function answered(response: PipelineResponse, status: number, body: unknown): PipelineResponse {
  return { ...response, status, bodyAsText: JSON.stringify(body) };
}

export const valueFreeSecretGetPolicy: PipelinePolicy = {
  name: 'kvcsiValueFreeSecretGet',
  async sendRequest(request, next) {
    const url = new URL(request.url);
    const match = SECRET_GET.exec(url.pathname);
    if (request.method !== 'GET' || !match) return next(request);
    const [, name, version] = match;
    url.pathname = url.pathname.replace(SECRET_GET, `/secrets/${name}/versions`);
    url.searchParams.delete('outContentType');
    request.url = url.toString();
    const response = await next(request);
    if (response.status !== 200) return response;
    const listing = JSON.parse(response.bodyAsText ?? '{}') as { value?: VersionItem[] };
    const items = listing.value ?? [];
    const item = version ? items.find((each) => each.id?.toLowerCase().endsWith(`/${version.toLowerCase()}`)) : newest(items);
    // Key Vault's own SecretNotFound (as the azure-sdk-for-js recordings hold it); the poller reads only the 404 and polls on.
    if (!item?.id) return answered(response, 404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` } });
    const { id, attributes, contentType, tags, managed } = item;
    return answered(response, 200, { id, attributes, ...(contentType !== undefined ? { contentType } : {}), ...(tags !== undefined ? { tags } : {}), ...(managed !== undefined ? { managed } : {}) });
  },
};
