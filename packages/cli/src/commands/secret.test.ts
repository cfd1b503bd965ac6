import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main.js';
import { captureIo } from '../test-io.js';

function io(dir: string, options: { stdin?: string; tty?: boolean } = {}) {
  const captured = captureIo({ cwd: dir, env: { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'state.json') }, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) });
  if (options.tty) (captured.stdin as { isTTY?: boolean }).isTTY = true;
  return captured;
}

// The default scenario soft-deleted this secret in kv-cafehyna-default, cafehyna-hub's vault (tier hub), an hour before it starts.
const DELETED = 'argocd-notifications-slack-token';
const DELETED_VALUE = 'sandbox-argocd-notifications-slack-token';

/** The secret names of a sandbox vault, live and soft-deleted, as the saved sandbox state holds them. */
function vaultNames(dir: string, vault: string): { live: string[]; deleted: string[] } {
  const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as {
    azure: { vaults: { name: string; secrets: { name: string }[]; deletedSecrets?: { secret: { name: string } }[] }[] };
  };
  const entry = state.azure.vaults.find((v) => v.name === vault)!;
  return { live: entry.secrets.map((s) => s.name), deleted: (entry.deletedSecrets ?? []).map((d) => d.secret.name) };
}

describe('kvcsi secret', () => {
  it('creates from stdin on dev, prints the snippet, refuses to overwrite, and never prints the value', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-secret-'));
    const value = `canary-${Date.now()}-Qz7`;
    const created = io(dir, { stdin: `${value}\n` });
    expect(await main(['secret', 'create', 'web-api-key', '-c', 'cafehyna-dev', '--app', 'web', '--value-stdin', '--as', 'requester'], created)).toBe(0);
    expect(created.output.stdout).toContain('applied: wrote version');
    expect(created.output.stdout).toContain('    objectName: web-api-key\n    objectType: secret');
    expect(created.output.stdout).toContain('- objectName: web-api-key\n  key: web-api-key');
    const again = io(dir, { stdin: value });
    expect(await main(['secret', 'create', 'web-api-key', '-c', 'cafehyna-dev', '--value-stdin', '--as', 'requester', '-o', 'json'], again)).toBe(2);
    expect(JSON.parse(again.output.stdout)).toEqual({ error: expect.objectContaining({ code: 'ALREADY_EXISTS' }) });
    expect(created.output.stdout + created.output.stderr + again.output.stdout + again.output.stderr).not.toContain(value);
  });

  it('never takes the value from an argument, nor without stdin or a terminal', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-secret-'));
    const argv = io(dir);
    expect(await main(['secret', 'create', 'web-api-key', 'the-value', '-c', 'cafehyna-dev', '--as', 'requester'], argv)).toBe(2);
    expect(argv.output.stderr).toContain('never taken from the command line');
    expect(argv.output.stderr).not.toContain('the-value');
    const noInput = io(dir);
    expect(await main(['secret', 'create', 'web-api-key', '-c', 'cafehyna-dev', '--as', 'requester'], noInput)).toBe(2);
    expect(noInput.output.stderr).toContain('--value-stdin');
  });

  it('requests a prd secret; after approval the requester sets the value through the hidden prompt', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-secret-'));
    const asked = io(dir);
    expect(await main(['secret', 'request', 'defectdojo-api-token', '--app', 'defectdojo', '-c', 'cafehyna-prd', '--justification', 'token for the scanner', '--as', 'requester', '-o', 'json'], asked)).toBe(0);
    const [first] = (JSON.parse(asked.output.stdout) as { requests: { request: { id: string; status: string } }[] }).requests;
    expect(first?.request.status).toBe('pending');
    const id = first!.request.id;
    expect(await main(['requests', 'approve', id, '--as', 'approver'], io(dir))).toBe(0);
    const typed = io(dir, { stdin: 'prompt-value-1\rprompt-value-1\r', tty: true });
    expect(await main(['secret', 'set-value', id, '--as', 'requester'], typed)).toBe(0);
    expect(typed.output.stderr).toContain('Value for defectdojo-api-token (hidden): ');
    expect(typed.output.stderr + typed.output.stdout).not.toContain('prompt-value-1');
    expect(typed.output.stdout).toContain(`Request ${id}: applied`);
    const shown = io(dir);
    expect(await main(['requests', 'show', id], shown)).toBe(0);
    expect(shown.output.stdout).toContain('status        applied');
  });

  it('recovers a soft-deleted secret on cafehyna-hub at once (the sandbox policy needs no approval on hub), without its value', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-secret-'));
    const recovered = io(dir);
    expect(await main(['secret', 'recover', DELETED, '-c', 'cafehyna-hub', '--app', 'argocd-notifications', '--as', 'requester'], recovered)).toBe(0);
    expect(recovered.output.stdout).toMatch(new RegExp(`^Request req-\\S+: applied \\(secret-recover argocd-notifications on cafehyna-hub, requested by aad:requester@cafehyna\\.com\\.br\\)\n`));
    expect(recovered.output.stdout).toMatch(new RegExp(`\napplied: recovered secret ${DELETED} in kv-cafehyna-default \\(version \\w+\\)\nsecret ${DELETED} in kv-cafehyna-default, version \\w+\n$`));
    expect(recovered.output.stdout).not.toContain('SecretProviderClass');
    expect(recovered.output.stdout + recovered.output.stderr).not.toContain(DELETED_VALUE);
    const names = vaultNames(dir, 'kv-cafehyna-default');
    expect(names.live).toContain(DELETED);
    expect(names.deleted).not.toContain(DELETED);
    const listed = io(dir);
    expect(await main(['requests', 'list', '-o', 'json'], listed)).toBe(0);
    expect(JSON.parse(listed.output.stdout)).toEqual({ requests: [expect.objectContaining({ kind: 'secret-recover', status: 'applied', target: expect.objectContaining({ cluster: 'cafehyna-hub', tier: 'hub', vault: 'kv-cafehyna-default', secretName: DELETED, app: 'argocd-notifications' }) })] });
  });

  it('refuses to recover a live secret (ALREADY_EXISTS) and a name with nothing to recover (NOT_FOUND), before any request', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-secret-'));
    const live = io(dir);
    expect(await main(['secret', 'recover', 'argocd-repo-github-token', '-c', 'cafehyna-hub', '--as', 'requester'], live)).toBe(2);
    expect(live.output.stderr).toContain('secret argocd-repo-github-token is not deleted: vault kv-cafehyna-default has it');
    const liveJson = io(dir);
    expect(await main(['secret', 'recover', 'argocd-repo-github-token', '-c', 'cafehyna-hub', '--as', 'requester', '-o', 'json'], liveJson)).toBe(2);
    expect(JSON.parse(liveJson.output.stdout)).toEqual({ error: expect.objectContaining({ code: 'ALREADY_EXISTS', field: 'name' }) });
    const missing = io(dir);
    expect(await main(['secret', 'recover', 'never-deleted-token', '-c', 'cafehyna-hub', '--as', 'requester'], missing)).toBe(2);
    expect(missing.output.stderr).toContain('vault kv-cafehyna-default has no deleted secret named never-deleted-token: it was never deleted, was purged, or the vault has no soft delete; create it instead (kvcsi secret create never-deleted-token -c <cluster>)');
    const missingJson = io(dir);
    expect(await main(['secret', 'recover', 'never-deleted-token', '-c', 'cafehyna-hub', '--as', 'requester', '-o', 'json'], missingJson)).toBe(2);
    expect(JSON.parse(missingJson.output.stdout)).toEqual({ error: expect.objectContaining({ code: 'NOT_FOUND', field: 'name' }) });
    const extra = io(dir);
    expect(await main(['secret', 'recover', DELETED, 'a-value', '-c', 'cafehyna-hub', '--as', 'requester'], extra)).toBe(2);
    expect(extra.output.stderr).not.toContain('a-value');
    const listed = io(dir);
    expect(await main(['requests', 'list'], listed)).toBe(0);
    expect(listed.output.stdout).toBe('No requests.\n');
    expect(vaultNames(dir, 'kv-cafehyna-default').deleted).toEqual([DELETED]);
  });

  it('prints {request, plan, outcome, vault, secretName, secret, snippet} with --json, never the value', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-secret-'));
    const recovered = io(dir);
    expect(await main(['secret', 'recover', DELETED, '-c', 'cafehyna-hub', '--justification', 'notifications stopped', '--as', 'requester', '-o', 'json'], recovered)).toBe(0);
    const json = JSON.parse(recovered.output.stdout) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['outcome', 'plan', 'request', 'secret', 'secretName', 'snippet', 'vault']);
    expect(json).toMatchObject({
      request: { kind: 'secret-recover', status: 'applied', justification: 'notifications stopped', requester: 'aad:requester@cafehyna.com.br', target: { cluster: 'cafehyna-hub', vault: 'kv-cafehyna-default', secretName: DELETED } },
      plan: null,
      outcome: { status: 'applied', message: expect.stringMatching(new RegExp(`^recovered secret ${DELETED} in kv-cafehyna-default`)), warnings: [] },
      vault: 'kv-cafehyna-default',
      secretName: DELETED,
      secret: { name: DELETED, version: expect.any(String) },
      snippet: { objectsEntry: expect.stringContaining(`objectName: ${DELETED}`) },
    });
    expect(recovered.output.stdout + recovered.output.stderr).not.toContain(DELETED_VALUE);
  });

  it('where the policy wants an approval on hub, opens a pending secret-recover request; the approver\'s approval recovers it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-secret-'));
    // The shipped configuration with a policy that, unlike the sandbox's, needs an approver for a recover on hub.
    const example = readFileSync(path.join(__dirname, '../../../core/config/kvcsi.example.yaml'), 'utf8');
    writeFileSync(path.join(dir, 'kvcsi.yaml'), `${example}
policy:
  groups:
    approvers-prd: ['aad:approver@cafehyna.com.br']
    requesters: ['aad:requester@cafehyna.com.br']
  rules:
    - principals: [group:requesters, group:approvers-prd]
      actions: [secret-recover]
  approvals:
    hub: { required: true, group: approvers-prd }
`);
    const asked = io(dir);
    expect(await main(['secret', 'recover', DELETED, '-c', 'cafehyna-hub', '--app', 'argocd-notifications', '--as', 'requester'], asked)).toBe(0);
    const id = /^Request (req-\S+): pending/.exec(asked.output.stdout)?.[1];
    expect(id).toBeDefined();
    expect(asked.output.stdout).toContain('; approval from group approvers-prd\n');
    expect(asked.output.stdout).toMatch(new RegExp(`\nwarning: Key Vault purges ${DELETED} at \\S+; after that it cannot be recovered\n`));
    expect(vaultNames(dir, 'kv-cafehyna-default').deleted).toEqual([DELETED]);
    const own = io(dir);
    expect(await main(['requests', 'approve', id!, '--as', 'requester'], own)).toBe(3);
    expect(own.output.stderr).toContain('cannot approve it: approval must come from someone else');
    const approved = io(dir);
    expect(await main(['requests', 'approve', id!, '--as', 'approver'], approved)).toBe(0);
    expect(approved.output.stdout).toContain(`Request ${id}: applied (secret-recover argocd-notifications on cafehyna-hub, requested by aad:requester@cafehyna.com.br)\n  decided by aad:approver@cafehyna.com.br at `);
    expect(approved.output.stdout).toMatch(new RegExp(`\napplied: recovered secret ${DELETED} in kv-cafehyna-default \\(version \\w+\\)\nsecret ${DELETED} in kv-cafehyna-default, version \\w+\n$`));
    expect(approved.output.stdout + approved.output.stderr).not.toContain(DELETED_VALUE);
    const names = vaultNames(dir, 'kv-cafehyna-default');
    expect(names.live).toContain(DELETED);
    expect(names.deleted).not.toContain(DELETED);
    const shown = io(dir);
    expect(await main(['requests', 'show', id!], shown)).toBe(0);
    expect(shown.output.stdout).toContain('status        applied');
  });
});
