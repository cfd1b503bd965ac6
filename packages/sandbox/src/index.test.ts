import * as sandbox from './index.js';

it('exposes createSandbox, the fault injector and the Key Vault access contract', () => {
  expect(typeof sandbox.createSandbox).toBe('function');
  expect(typeof sandbox.FaultInjector).toBe('function');
  expect(typeof sandbox.evaluateDataPlaneAccess).toBe('function');
  expect(sandbox.KEY_VAULT_SECRETS_USER_ROLE_ID).toBe('4633458b-17de-408a-b874-0445c86b69e6');
});
