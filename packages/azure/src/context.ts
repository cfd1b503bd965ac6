import { budgetBefore, type CallOptions } from '@kvcsi/core';
import { callAzure } from './call.js';
import type { AzureClients } from './clients.js';
import type { AzureCallContext } from './errors.js';

/** What every part of the adapter shares: the SDK clients, the subscriptions it may search, and the time budget. */
export interface AdapterContext {
  clients: AzureClients;
  /** Subscriptions to search when a vault or identity has none configured: configured ones, else all the credential sees. */
  subscriptionIds(options?: CallOptions): Promise<string[]>;
  tenantId: string | undefined;
  timeoutInMs: number;
  /** Runs one SDK call under the caller's signal and the adapter's deadline, translating errors. */
  call<T>(options: CallOptions | undefined, context: AzureCallContext, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T>;
}

/** `notAfter` (ms since the epoch): no call outlives it (a CLI command's overall deadline). */
export function createCall(timeoutInMs: number, notAfter?: number): AdapterContext['call'] {
  return (options, context, run) => callAzure({ signal: options?.signal, timeoutInMs: budgetBefore(timeoutInMs, notAfter) }, context, run);
}
