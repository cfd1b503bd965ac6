/** What the Key Vault tab asks the kvcsi backend plugin (`/api/kvcsi`). Every call names the entity it is about. */
import { createApiRef } from '@backstage/core-plugin-api';
import type {
  BindingsResponse, CreateSecretRequestBody, CreateSecretRequestResponse, DiagnoseBody, DiagnoseResponse, ListRequestsResponse,
  ProblemsResponse, RequestActionResponse,
} from '@kvcsi/backstage-plugin-common';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface KvcsiApi {
  /** The entity's SecretProviderClasses per cluster, their objects' health and the sources that could not be read. */
  getBindings(entityRef: string, options?: CallOptions): Promise<BindingsResponse>;
  /** The open problems the kvcsi watcher keeps for the entity's app (failing mounts, with their cause and start). */
  listProblems(entityRef: string, options?: CallOptions): Promise<ProblemsResponse>;
  /** The secret requests of the entity's app. */
  listRequests(entityRef: string, options?: CallOptions): Promise<ListRequestsResponse>;
  /** Asks for a new Key Vault secret on some of the entity's clusters. */
  requestSecret(body: CreateSecretRequestBody, options?: CallOptions): Promise<CreateSecretRequestResponse>;
  /** Sends the value of an approved request once; the answer never carries it back. */
  setSecretValue(requestId: string, body: { entityRef: string; value: string }, options?: CallOptions): Promise<RequestActionResponse>;
  /** Diagnoses the entity's app (or one of its pods) on a cluster. */
  diagnose(body: DiagnoseBody, options?: CallOptions): Promise<DiagnoseResponse>;
}

export const kvcsiApiRef = createApiRef<KvcsiApi>({ id: 'plugin.kvcsi.service' });
