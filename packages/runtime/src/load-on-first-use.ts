/* eslint-disable @typescript-eslint/no-require-imports -- these packages are required on first use, not at import:
   commands that need none of them (lint, render, explain, clusters, --help, --version) must not pay for the Azure SDKs,
   client-node or msw, and production servers must not load the sandbox at all. */
import { KvcsiError } from '@kvcsi/core/errors';
import type * as AzureIdentity from '@azure/identity';
import type * as AzureAdapter from '@kvcsi/azure';
import type * as KubernetesAdapter from '@kvcsi/kubernetes';
import type * as SandboxPackage from '@kvcsi/sandbox';

export const loadAzureAdapter = (): typeof AzureAdapter => require('@kvcsi/azure');
export const loadKubernetesAdapter = (): typeof KubernetesAdapter => require('@kvcsi/kubernetes');
export const loadAzureIdentity = (): typeof AzureIdentity => require('@azure/identity');

/** The sandbox is a development dependency of production installs: say how to get it rather than crash on a missing module. */
export function loadSandbox(): typeof SandboxPackage {
  try {
    return require('@kvcsi/sandbox');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /@kvcsi\/sandbox/.test((error as Error).message)) {
      throw new KvcsiError('CONFIG_INVALID', 'sandbox mode needs the @kvcsi/sandbox package, which production installs leave out: npm install @kvcsi/sandbox', { field: 'sandbox', cause: error });
    }
    throw error;
  }
}
