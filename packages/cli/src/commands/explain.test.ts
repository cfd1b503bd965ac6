import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main.js';
import { captureIo } from '../test-io.js';

// A FailedMount event as `kubectl describe pod` prints it, from a provider ≥ v1.5 on an RBAC vault, with a token in it.
const DESCRIBE = [
  'Events:',
  '  Type     Reason       Age                From     Message',
  '  ----     ------       ----               ----     -------',
  '  Warning  FailedMount  2m (x4 over 8m)    kubelet  MountVolume.SetUp failed for volume "secrets-store" : rpc error: code = Unknown desc = failed to mount secrets store objects for pod defectdojo/defectdojo-0, err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:defectdojo-admin-password, objectVersion:: GET https://kv-cafehyna-prd.vault.azure.net/secrets/defectdojo-admin-password/\\n--------------------------------------------------------------------------------\\nRESPONSE 403: 403 Forbidden\\nERROR CODE: Forbidden\\n--------------------------------------------------------------------------------\\n{\\n  "error": {\\n    "code": "Forbidden",\\n    "message": "Caller is not authorized to perform action on resource.\\r\\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\\r\\nCaller: appid=f1a14a8f-6d38-40a0-a935-3cdd91a25f47;oid=7c1b2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d;iss=https://sts.windows.net/3f7a3df4-f85b-4ca8-98d0-08b1034e6567/\\r\\nAction: \'Microsoft.KeyVault/vaults/secrets/getSecret/action\'\\r\\nResource: \'/subscriptions/…/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv-cafehyna-prd/secrets/defectdojo-admin-password\'\\r\\nAssignment: (not found)\\r\\nVault: kv-cafehyna-prd;location=brazilsouth\\r\\n",\\n    "innererror": {\\n      "code": "ForbiddenByRbac"\\n    }\\n  }\\n}\\n--------------------------------------------------------------------------------',
  '',
].join('\n');

describe('kvcsi explain', () => {
  it('classifies piped kubectl describe output as the RBAC 403 and prints a fix', async () => {
    const io = captureIo({ stdin: DESCRIBE });
    expect(await main(['explain'], io)).toBe(1);
    expect(io.output.stdout).toMatch(/\[ERROR\] D2: /);
    expect(io.output.stdout).toContain('az role assignment create');
    expect(io.output.stdout).toContain('kv-cafehyna-prd');
  });

  it('prints the JSON contract, most likely cause first, from a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-explain-'));
    const file = path.join(dir, 'events.txt');
    writeFileSync(file, DESCRIBE);
    const io = captureIo({ cwd: dir });
    expect(await main(['explain', 'events.txt', '--format', 'json'], io)).toBe(1);
    const { findings } = JSON.parse(io.output.stdout) as { findings: { id: string; severity: string; fix: { commands: string[] } }[] };
    expect(findings[0]).toMatchObject({ id: 'D2', severity: 'error' });
    expect(findings[0]?.fix.commands.join('\n')).toContain('Key Vault Secrets User');
  });

  it('finds nothing in unrelated text and exits 0', async () => {
    const io = captureIo({ stdin: 'Normal  Scheduled  1m  default-scheduler  Successfully assigned web/web-0 to aks-node-1\n' });
    expect(await main(['explain', '-'], io)).toBe(0);
    expect(io.output.stdout).toBe('No problem found.\n');
  });

  it('asks for input instead of waiting on a terminal', async () => {
    const io = captureIo({ tty: true });
    (io.stdin as { isTTY?: boolean }).isTTY = true;
    expect(await main(['explain'], io)).toBe(2);
    expect(io.output.stderr).toMatch(/pipe the text in/);
  });

  it('exits 2 for a file that does not exist', async () => {
    const io = captureIo();
    expect(await main(['explain', 'nope.txt'], io)).toBe(2);
    expect(io.output.stderr).toMatch(/Cannot read nope.txt: no such file/);
  });
});
