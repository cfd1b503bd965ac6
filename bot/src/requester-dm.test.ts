/** Issue 19: the requester's DM quoted a rejection reason as mrkdwn: `<!channel>` pinged, a link hid its target. */
import type { AccessRequest, KvcsiService } from '@kvcsi/core';
import type { Logger, webApi } from '@slack/bolt';
import { ApprovalDesk } from './approvals.js';
import { parseSlackConfig, SANDBOX_SLACK_CONFIG } from './config.js';

function request(overrides: Partial<AccessRequest>): AccessRequest {
  return {
    id: 'req-0000000001', kind: 'grant', status: 'rejected', version: 3, requester: 'slack:U0REQUESTER',
    target: { cluster: 'cafehyna-prd', tier: 'prd', app: 'defectdojo', vault: 'kv-cafehyna-prd' },
    justification: 'needed', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-02T00:00:00.000Z',
    ...overrides,
  } as AccessRequest;
}

describe('the requester\'s DM', () => {
  it.each<[string, Partial<AccessRequest>]>([
    ['a rejection reason', { status: 'rejected', decision: { by: 'slack:U0APPROVER', at: '2026-01-01T01:00:00.000Z', decision: 'rejected', reason: '<!channel> see <https://evil.example|the runbook> & retry' } as never }],
    ['a failure reason', { status: 'failed', decision: { by: 'slack:U0APPROVER', at: '2026-01-01T01:00:00.000Z', decision: 'approved' } as never, failureReason: 'UNAVAILABLE: <!here> <https://evil.example|ok>' }],
  ])('escapes %s', async (_what, overrides) => {
    const posted: { text: string; blocks: unknown[] }[] = [];
    const client = { chat: { postMessage: async (message: { text: string; blocks: unknown[] }) => { posted.push(message); return { ok: true }; } } } as unknown as webApi.WebClient;
    const desk = new ApprovalDesk({ client, config: parseSlackConfig(SANDBOX_SLACK_CONFIG), service: {} as KvcsiService, logger: console as unknown as Logger });
    await desk.tellRequester(request(overrides));
    expect(posted).toHaveLength(1);
    const shown = JSON.stringify(posted[0]);
    expect(shown).not.toMatch(/<!channel>|<!here>|<https:\/\/evil/);
    expect(shown).toContain('&lt;https://evil.example|');
  });
});
