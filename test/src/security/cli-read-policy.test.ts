/**
 * Issue 19, read policy on the CLI: a policy `deny` on `read` held in the service, but the CLI's read commands never
 * named a reader, so `kvcsi bindings`, `diagnose`, `status`, `requests` and `audit` ignored it. Each command now
 * names its reader when the policy denies reads to anyone; without such a rule nobody is resolved (reads are open).
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXAMPLE_CONFIG_PATH as EXAMPLE_CONFIG } from '@kvcsi/core/clusters/load';
import { kvcsi } from './sandbox-kit.js';

/** The example registry with a policy: the sandbox users' groups, and the outsider may not read prd. */
function configWithReadDeny(dir: string): string {
  const file = path.join(dir, 'kvcsi.yaml');
  writeFileSync(file, `${readFileSync(EXAMPLE_CONFIG, 'utf8')}
policy:
  groups:
    requesters: [aad:requester@cafehyna.com.br]
  rules:
    - principals: [group:requesters]
      actions: [grant, revoke, secret-create, secret-request]
    - principals: [aad:outsider@cafehyna.com.br]
      actions: [read]
      tiers: [prd]
      effect: deny
`);
  return file;
}

let dir: string;
let env: Record<string, string>;
let config: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-sec-read-'));
  env = { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'state.json') };
  config = configWithReadDeny(dir);
});

const as = (user: string, ...argv: string[]) => kvcsi(dir, env, ['--config', config, '--as', user, ...argv]);

describe('kvcsi read commands apply the policy\'s read rules', () => {
  it('refuses a denied reader on a prd cluster: diagnose, status and bindings -c', async () => {
    for (const argv of [['diagnose', '--app', 'defectdojo', '-c', 'cafehyna-prd'], ['status', '-c', 'cafehyna-prd'], ['bindings', '-c', 'cafehyna-prd']]) {
      const run = await as('outsider', ...argv);
      expect({ argv, code: run.code }).toEqual({ argv, code: 3 });
      expect(run.stderr).toMatch(/may not read on tier prd/);
      expect(run.stdout).toBe('');
    }
  });

  it('leaves prd out of a denied reader\'s bindings across clusters, and reads it for others', async () => {
    const denied = JSON.parse((await as('outsider', 'bindings', '--format', 'json')).stdout) as { clusters: { cluster: string; bindings: unknown[]; error?: { code: string } }[] };
    const prd = denied.clusters.find((cluster) => cluster.cluster === 'cafehyna-prd');
    expect(prd?.bindings).toEqual([]);
    expect(prd?.error?.code).toBe('FORBIDDEN');
    expect(denied.clusters.find((cluster) => cluster.cluster === 'cafehyna-dev')?.error).toBeUndefined();

    const allowed = JSON.parse((await as('requester', 'bindings', '--format', 'json')).stdout) as typeof denied;
    expect(allowed.clusters.find((cluster) => cluster.cluster === 'cafehyna-prd')?.bindings.length).toBeGreaterThan(0);
  });

  it('hides prd requests and audit from a denied reader', async () => {
    const granted = await as('requester', 'grant', 'defectdojo', 'cafehyna-prd', '--justification', 'pods stuck on 403', '--format', 'json');
    expect(granted.code).toBe(0);
    const id = (JSON.parse(granted.stdout) as { request?: { id: string } }).request?.id;
    expect(id).toMatch(/^req-/);

    const theirs = JSON.parse((await as('requester', 'requests', 'list', '--format', 'json')).stdout) as { requests: { id: string }[] };
    expect(theirs.requests.map((request) => request.id)).toContain(id);
    const outsiders = JSON.parse((await as('outsider', 'requests', 'list', '--format', 'json')).stdout) as { requests: { id: string }[] };
    expect(outsiders.requests.map((request) => request.id)).not.toContain(id);

    const shown = await as('outsider', 'requests', 'show', id!);
    expect(shown.code).toBe(3);
    expect(shown.stderr).toMatch(/may not read/);

    const audit = JSON.parse((await as('outsider', 'audit', '--format', 'json')).stdout) as { events: { where?: { cluster?: string; tier?: string } }[] };
    expect(audit.events.some((event) => event.where?.cluster === 'cafehyna-prd' || event.where?.tier === 'prd')).toBe(false);
    const requesterAudit = JSON.parse((await as('requester', 'audit', '--format', 'json')).stdout) as typeof audit;
    expect(requesterAudit.events.some((event) => event.where?.cluster === 'cafehyna-prd')).toBe(true);
  });

  it('watch refuses a denied cluster named with -c, and leaves it out of "all", saying so', async () => {
    const named = await as('outsider', 'watch', '-c', 'cafehyna-prd', '--for', '0.5');
    expect(named.code).toBe(3);
    expect(named.stderr).toMatch(/may not read on tier prd/);
    const all = await as('outsider', 'watch', '--for', '0.5', '--settle', '0');
    expect(all.code).toBe(0);
    expect(all.stderr).toMatch(/Not watching cafehyna-prd: /);
    expect(all.stdout).toMatch(/^Watching cafehyna-dev, /);
    expect(all.stdout.split('\n')[0]).not.toContain('cafehyna-prd');
  });

  it('without a read deny in the policy, reads need no --as (nobody is resolved)', async () => {
    const open = path.join(dir, 'open.yaml');
    copyFileSync(EXAMPLE_CONFIG, open);
    const run = await kvcsi(dir, env, ['--config', open, 'bindings', '-c', 'cafehyna-dev', '--format', 'json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { clusters: { cluster: string }[] }).clusters.map((cluster) => cluster.cluster)).toEqual(['cafehyna-dev']);
  });

  it('with a read deny, a sandbox read without --as is refused, not run unchecked', async () => {
    const run = await kvcsi(dir, env, ['--config', config, 'status', '-c', 'cafehyna-dev']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--as/);
  });
});
