import type { RequestHandler } from 'msw';
import { createArmHandlers } from './arm.js';
import type { AzureHandlerContext } from './context.js';
import { createEntraHandlers } from './entra.js';
import { createKeyVaultHandlers } from './keyvault.js';

/** Every Azure handler of the sandbox: Entra ID, the Key Vault data plane and ARM. */
export function createAzureHandlers(ctx: AzureHandlerContext): RequestHandler[] {
  return [...createEntraHandlers(ctx), ...createKeyVaultHandlers(ctx), ...createArmHandlers(ctx)];
}
