import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main.js';
import { captureIo } from '../test-io.js';
import { finding } from '@kvcsi/core';
import { formatDuration, noticeText } from './watch.js';

// `kvcsi watch` over the embedded sandbox: the real adapters' watches, the real diagnosis, msw in this process.
function sandboxIo() {
  const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-watch-'));
  return captureIo({ cwd: dir, env: { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'state.json') } });
}

describe('kvcsi watch', () => {
  it('prints the broken app of the namespace once, with its root cause and fix, and stops after --for', async () => {
    const io = sandboxIo();
    expect(await main(['watch', '-c', 'cafehyna-prd', '-n', 'defectdojo', 'external-dns', '--settle', '0.1', '--for', '10'], io)).toBe(0);
    const out = io.output.stdout;
    expect(out).toMatch(/^Watching cafehyna-prd \(namespaces defectdojo, external-dns\); Ctrl-C to stop\.\n/);
    // defectdojo (D2, the kubelet identity has no role on kv-cafehyna-prd) once; the healthy external-dns not at all.
    expect(out.match(/\[PROBLEM\]/g)).toHaveLength(1);
    expect(out).toMatch(/\[PROBLEM\] D2: /);
    expect(out).toMatch(/ {2}- cafehyna-prd defectdojo\/Deployment\/defectdojo since /);
    expect(out).toContain('fix: az role assignment create --role "Key Vault Secrets User"');
    expect(out).not.toContain('external-dns/Deployment');
  }, 25_000);

  it('refuses a bad --settle and an unknown cluster, naming the field', async () => {
    const settle = sandboxIo();
    expect(await main(['watch', '--settle', 'soon'], settle)).toBe(2);
    expect(settle.output.stderr).toMatch(/--settle "soon": expected seconds/);
    const cluster = sandboxIo();
    expect(await main(['watch', '-c', 'nowhere', '--for', '1'], cluster)).toBe(2);
    expect(cluster.output.stderr).toMatch(/nowhere/);
  });

  it('says how long a resolved problem lasted, and nothing else', () => {
    const notice = {
      messageId: 'm', causeKey: 'D2', state: 'resolved' as const, cluster: 'c', namespace: 'n', workloads: [], openedAt: 1000, resolvedAt: 126_000,
      finding: finding({ id: 'D2', severity: 'error', title: 'The identity has no data-plane role on the vault', summary: 's', cause: 'c' }),
    };
    expect(noticeText('update', notice)).toBe('[RESOLVED after 2m 5s] D2: The identity has no data-plane role on the vault\n');
  });

  it('formats how long a problem lasted', () => {
    expect([formatDuration(400), formatDuration(65_000), formatDuration(3_723_000)]).toEqual(['0s', '1m 5s', '1h 2m 3s']);
  });
});
