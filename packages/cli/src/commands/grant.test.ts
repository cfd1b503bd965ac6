import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main.js';
import { captureIo } from '../test-io.js';

// The CLI over the embedded sandbox: real adapters, real SDKs, msw in this process, state in a temporary directory.
function sandboxDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'kvcsi-grant-'));
}
function io(dir: string, stdin?: string) {
  return captureIo({ cwd: dir, env: { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'state.json') }, ...(stdin !== undefined ? { stdin } : {}) });
}

describe('kvcsi grant, revoke and requests over the sandbox', () => {
  it('leaves a prd grant pending, refuses the requester\'s own approval, and applies on the approver\'s', async () => {
    const dir = sandboxDir();
    const asked = io(dir);
    expect(await main(['grant', 'defectdojo', 'cafehyna-prd', '--as', 'requester', '--format', 'json'], asked)).toBe(0);
    const { request, plan, outcome } = JSON.parse(asked.output.stdout) as { request: { id: string; status: string }; plan: { changeCount: number }; outcome: { status: string } };
    expect(request.status).toBe('pending');
    expect(plan.changeCount).toBe(1);
    expect(outcome.status).toBe('pending');

    const self = io(dir);
    expect(await main(['requests', 'approve', request.id, '--as', 'requester'], self)).toBe(3);
    expect(self.output.stderr).toContain('cannot approve it');

    const approved = io(dir);
    expect(await main(['requests', 'approve', request.id, '--as', 'approver'], approved)).toBe(0);
    expect(approved.output.stdout).toContain(`Request ${request.id}: applied`);
    expect(approved.output.stdout).toContain('assigned role Key Vault Secrets User');

    const again = io(dir);
    expect(await main(['grant', 'defectdojo', 'cafehyna-prd', '--as', 'requester'], again)).toBe(0);
    expect(again.output.stdout).toContain('unchanged: defectdojo on cafehyna-prd already has read access');
  });

  it('prints the plan only with --dry-run', async () => {
    const dir = sandboxDir();
    const dry = io(dir);
    expect(await main(['grant', 'defectdojo', 'cafehyna-prd', '--dry-run', '--as', 'requester'], dry)).toBe(0);
    expect(dry.output.stdout).toContain('+ role Key Vault Secrets User at vault scope (to assign)');
    expect(dry.output.stdout).toContain('planned: dry run');
    const list = io(dir);
    expect(await main(['requests', 'list'], list)).toBe(0);
    expect(list.output.stdout).toBe('No requests.\n');
  });

  it('refuses --as outside sandbox mode', async () => {
    const dir = sandboxDir();
    const plain = captureIo({ cwd: dir, env: {} });
    expect(await main(['grant', 'defectdojo', 'cafehyna-prd', '--as', 'approver'], plain)).toBe(2);
    expect(plain.output.stderr).toContain('--as works only in sandbox mode');
  });
});
