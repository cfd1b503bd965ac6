import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main.js';
import { captureIo } from '../test-io.js';

// The CLI over the embedded sandbox: real adapters, real SDKs, msw in this process.
function sandboxIo() {
  const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-diagnose-'));
  return captureIo({ cwd: dir, env: { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'state.json') } });
}

describe('kvcsi diagnose', () => {
  it('names the 403 on defectdojo with the fix, and exits 1', async () => {
    const io = sandboxIo();
    expect(await main(['diagnose', '--app', 'defectdojo', '-c', 'cafehyna-prd'], io)).toBe(1);
    expect(io.output.stdout).toMatch(/^App defectdojo on cafehyna-prd\n/);
    expect(io.output.stdout).toMatch(/1\. \[ERROR\] D2: /);
    expect(io.output.stdout).toContain('az role assignment create --role "Key Vault Secrets User"');
  });

  it('prints {"findings","unknowns"} with --format json and exits 0 on a healthy pod', async () => {
    const io = sandboxIo();
    expect(await main(['--sandbox', 'diagnose', 'external-dns-r4fw8d87d6-ttqvr', '-n', 'external-dns', '-c', 'cafehyna-dev', '--format', 'json'], io)).toBe(0);
    const report = JSON.parse(io.output.stdout) as { findings: { severity: string }[]; unknowns: unknown[] };
    expect(report.findings.filter((finding) => finding.severity === 'error')).toEqual([]);
    expect(report.unknowns).toEqual([]);
  });

  it('explains what is missing from the target', async () => {
    const noNamespace = sandboxIo();
    expect(await main(['diagnose', 'web-0', '-c', 'cafehyna-dev'], noNamespace)).toBe(2);
    expect(noNamespace.output.stderr).toMatch(/-n <namespace> is required to diagnose pod "web-0"/);
    const nothing = sandboxIo();
    expect(await main(['diagnose', '-c', 'cafehyna-dev'], nothing)).toBe(2);
    expect(nothing.output.stderr).toMatch(/name a pod \(with -n <namespace>\) or an app/);
  });

  it('says NOT_FOUND for a pod or an app that does not exist', async () => {
    const pod = sandboxIo();
    expect(await main(['diagnose', 'nope-0', '-n', 'defectdojo', '-c', 'cafehyna-prd', '-o', 'json'], pod)).toBe(2);
    expect(JSON.parse(pod.output.stdout)).toEqual({ error: expect.objectContaining({ code: 'NOT_FOUND', message: 'pod defectdojo/nope-0 not found on cluster cafehyna-prd' }) });
    const app = sandboxIo();
    expect(await main(['diagnose', '--app', 'nope', '-c', 'cafehyna-prd'], app)).toBe(2);
    expect(app.output.stderr).toMatch(/app nope has no pod mounting a CSI volume and no SecretProviderClass on cluster cafehyna-prd/);
  });
});

describe('kvcsi diagnose under a hung upstream (issue 19)', () => {
  it('exits 3, not 0, when it found nothing but could not read the cluster', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-down-'));
    const io = captureIo({
      cwd: dir,
      env: { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'state.json'), KVCSI_SANDBOX_FAULTS: JSON.stringify({ rules: [{ kind: 'down', host: 'cafehyna-prd.*' }] }) },
    });
    expect(await main(['diagnose', '--app', 'defectdojo', '-c', 'cafehyna-prd'], io)).toBe(3);
    expect(io.output.stdout).toMatch(/Could not check:/);
  }, 30_000);

  it('stops at --timeout, prints what it found and what it could not check, and exits non-zero', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-deadline-'));
    const io = captureIo({
      cwd: dir,
      env: {
        KVCSI_SANDBOX: '1',
        KVCSI_SANDBOX_STATE: path.join(dir, 'state.json'),
        KVCSI_SANDBOX_FAULTS: JSON.stringify({ rules: [{ kind: 'timeout', host: 'kv-cafehyna-prd.vault.azure.net' }] }),
      },
    });
    const started = Date.now();
    const code = await main(['diagnose', '--app', 'defectdojo', '-c', 'cafehyna-prd', '--timeout', '4'], io);
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(code).not.toBe(0);
    expect(io.output.stdout).toMatch(/Could not check:\n.*kv-cafehyna-prd.*TIMEOUT/);
  }, 30_000);

  it('refuses a --timeout that is not a number of seconds', async () => {
    const io = captureIo();
    expect(await main(['diagnose', 'x', '-n', 'y', '-c', 'cafehyna-prd', '--timeout', 'soon'], io)).toBe(2);
    expect(io.output.stderr).toContain('--timeout "soon": expected seconds');
  });
});
