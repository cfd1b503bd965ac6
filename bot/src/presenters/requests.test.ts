import type { ActionResult } from '@kvcsi/core';
import { actionResultMessage } from './requests.js';

const warning = 'Azure RBAC changes can take up to 10 minutes to reach Key Vault';

describe('actionResultMessage', () => {
  it('shows a warning the plan and the outcome share once, and what only the outcome says', () => {
    const result = {
      plan: { action: 'grant', app: 'defectdojo', cluster: 'cafehyna-prd', tier: 'prd', grantScope: 'vault', changeCount: 1, vaults: [], warnings: [warning] },
      outcome: { status: 'pending', message: 'waits for approval', warnings: [warning, 'the request expires in 24 h'] },
    } as unknown as ActionResult;
    const text = JSON.stringify(actionResultMessage('grant', result).blocks);
    expect(text.split(warning)).toHaveLength(2);
    expect(text).toContain('the request expires in 24 h');
  });
});
