/**
 * Act, end to end over the sandbox with the real SDKs: the CLI grants, approves, creates and requests secrets; the
 * sandbox's pods mount; the store and the audit record every step; secret values never come back out.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createKvcsiService, decisionKeysFromEnv, loadRegistry, SANDBOX_POLICY, type AuditEvent, type KvcsiError } from '@kvcsi/core';
import { main } from '@kvcsi/cli';
import { createRuntime } from '@kvcsi/runtime';
import { createSandboxKubeconfig } from '@kvcsi/sandbox';
import { createStore } from '@kvcsi/store';

const registry = loadRegistry({ env: {} });
const KUBELET_OBJECT_ID = '2d81911b-60a4-4a53-9045-ad7193c91ee5';
const PRD_VAULT_ID = '/subscriptions/a6806ab2-ebb4-4fdc-a9d5-884687a165bd/resourceGroups/rg-cafehyna-prd/providers/Microsoft.KeyVault/vaults/kv-cafehyna-prd';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Every CLI output of a test file, for the canary search. */
const outputs: string[] = [];

/** One CLI invocation in `dir` (sandbox state and store persist there between invocations, as between shell commands). */
async function kvcsi(dir: string, argv: string[], stdin?: string): Promise<Run> {
  const run = { stdout: '', stderr: '' };
  const code = await main(argv, {
    stdout: { write: (text: string) => (run.stdout += text), isTTY: false },
    stderr: { write: (text: string) => (run.stderr += text), isTTY: false },
    stdin: Readable.from(stdin === undefined ? [] : [stdin]),
    env: { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'sandbox-state.json') },
    cwd: dir,
  });
  outputs.push(run.stdout, run.stderr);
  return { code, ...run };
}

function json<T>(run: Run): T {
  return JSON.parse(run.stdout) as T;
}

/** Reads the saved sandbox through its own API server, with client-node, as kubectl would. */
async function readCluster(dir: string, cluster: string, namespace: string, secretName: string) {
  const runtime = createRuntime({ registry, sandbox: { stateFile: path.join(dir, 'sandbox-state.json') } });
  try {
    const kc = new KubeConfig();
    kc.loadFromString(createSandboxKubeconfig([cluster]));
    const core = kc.makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace });
    const secret = await core.readNamespacedSecret({ name: secretName, namespace }).catch(() => undefined);
    const assignments = (runtime.sandbox?.state.azure.roleAssignments ?? []).filter((a) => a.principalId === KUBELET_OBJECT_ID);
    return { pods: pods.items, secretKeys: Object.keys(secret?.data ?? {}).sort(), assignments };
  } finally {
    await runtime.close();
  }
}

describe('grant with four eyes on prd (RBAC vault)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-act-prd-'));
  let requestId = '';

  it('leaves the requester\'s grant pending, with the plan', async () => {
    const asked = await kvcsi(dir, ['grant', 'defectdojo', 'cafehyna-prd', '--as', 'requester', '--justification', 'defectdojo pods stuck on 403', '-o', 'json']);
    expect(asked.code).toBe(0);
    const body = json<{ request: { id: string; status: string }; plan: { changeCount: number; vaults: { steps: { kind: string; scope: string; change: string }[] }[] } }>(asked);
    expect(body.request.status).toBe('pending');
    expect(body.plan.vaults[0]?.steps).toEqual([expect.objectContaining({ kind: 'role-assignment', scope: PRD_VAULT_ID, change: 'add' })]);
    requestId = body.request.id;
  });

  it('refuses the requester\'s own approval and the outsider\'s', async () => {
    const self = await kvcsi(dir, ['requests', 'approve', requestId, '--as', 'requester', '-o', 'json']);
    expect(self.code).toBe(3);
    expect(json<{ error: KvcsiError }>(self).error).toMatchObject({ code: 'FORBIDDEN' });
    const outsider = await kvcsi(dir, ['requests', 'approve', requestId, '--as', 'outsider']);
    expect(outsider.code).toBe(3);
    expect(outsider.stderr).toContain('aad:outsider@cafehyna.com.br is not in the approvers group approvers-prd');
    expect((await readCluster(dir, 'cafehyna-prd', 'defectdojo', 'defectdojo')).assignments.filter((a) => a.scope.toLowerCase() === PRD_VAULT_ID.toLowerCase())).toEqual([]);
  });

  it('applies on the approver\'s approval: the pod runs and its Secret is synced', async () => {
    const approved = await kvcsi(dir, ['requests', 'approve', requestId, '--as', 'approver', '-o', 'json']);
    expect(approved.code).toBe(0);
    expect(json<{ request: { status: string }; outcome: { status: string; verified: boolean } }>(approved)).toMatchObject({ request: { status: 'applied' }, outcome: { status: 'applied', verified: true } });
    const cluster = await readCluster(dir, 'cafehyna-prd', 'defectdojo', 'defectdojo');
    expect(cluster.pods.map((pod) => pod.status?.phase)).toEqual(['Running']);
    expect(cluster.secretKeys).toEqual(['DD_ADMIN_PASSWORD', 'postgresql-password']);
  });

  it('diagnoses the app with no error afterwards', async () => {
    const diagnosis = await kvcsi(dir, ['diagnose', '--app', 'defectdojo', '-c', 'cafehyna-prd', '-o', 'json']);
    expect(json<{ findings: { severity: string }[] }>(diagnosis).findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(diagnosis.code).toBe(0);
  });

  it('changes nothing on a second grant and creates no duplicate role assignment', async () => {
    const again = await kvcsi(dir, ['grant', 'defectdojo', 'cafehyna-prd', '--as', 'requester', '-o', 'json']);
    expect(json<{ request: unknown; outcome: { status: string } }>(again)).toMatchObject({ request: null, outcome: { status: 'unchanged' } });
    const { assignments } = await readCluster(dir, 'cafehyna-prd', 'defectdojo', 'defectdojo');
    expect(assignments.filter((a) => a.scope.toLowerCase() === PRD_VAULT_ID.toLowerCase())).toHaveLength(1);
  });

  it('shows every step in the audit', async () => {
    const audit = await kvcsi(dir, ['audit', '--app', 'defectdojo', '-o', 'json']);
    const events = json<{ events: AuditEvent[] }>(audit).events;
    expect(events.map((e) => `${e.actor} ${e.action} ${e.outcome}`)).toEqual([
      'aad:requester@cafehyna.com.br request.submit succeeded',
      'aad:requester@cafehyna.com.br policy.deny denied',
      'aad:outsider@cafehyna.com.br policy.deny denied',
      'aad:approver@cafehyna.com.br request.approve succeeded',
      'aad:approver@cafehyna.com.br request.apply succeeded',
      'aad:requester@cafehyna.com.br grant.check unchanged',
    ]);
    expect(events.every((e) => e.requestId === requestId || e.action === 'grant.check')).toBe(true);
    expect(events[4]).toMatchObject({ approver: 'aad:approver@cafehyna.com.br', after: { 'roleAssignments:kv-cafehyna-prd': [PRD_VAULT_ID] } });
  });
});

describe('revoke on the access-policy vault of cafehyna-dev, where every app reads as the kubelet identity', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-act-dev-'));

  it('refuses to revoke external-dns, naming the apps that still need the access; a grant then changes nothing', async () => {
    const revoked = await kvcsi(dir, ['revoke', 'external-dns', 'cafehyna-dev', '--as', 'requester', '-o', 'json']);
    expect(revoked.code).toBe(3);
    expect(json<{ error: KvcsiError }>(revoked).error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/would break cert-manager \(cafehyna-dev\), iis-reports \(cafehyna-dev\)/) });
    const granted = await kvcsi(dir, ['grant', 'external-dns', 'cafehyna-dev', '--as', 'requester', '-o', 'json']);
    expect(json<{ outcome: { status: string } }>(granted).outcome.status).toBe('unchanged');
    const cluster = await readCluster(dir, 'cafehyna-dev', 'external-dns', 'cloudflare-api-token');
    expect(cluster.pods.every((pod) => pod.status?.phase === 'Running')).toBe(true);
    const audit = json<{ events: AuditEvent[] }>(await kvcsi(dir, ['audit', '--app', 'external-dns', '-o', 'json'])).events;
    expect(audit.map((e) => `${e.action} ${e.outcome}`)).toEqual(['revoke.refuse denied', 'grant.check unchanged']);
  });
});

describe('20 concurrent approvals of one request', () => {
  it('apply exactly once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-act-race-'));
    const runtime = createRuntime({ registry, sandbox: { stateFile: false } });
    const store = await createStore({ client: 'sqlite', filename: path.join(dir, 'kvcsi.db') });
    try {
      const creates: string[] = [];
      runtime.sandboxServer?.server.events.on('request:start', ({ request }) => {
        if (request.method === 'PUT' && request.url.includes('/roleAssignments/')) creates.push(request.url);
      });
      // A deciding server (it signs its decisions) of the sandbox deployment.
      const service = createKvcsiService({
        registry, clusterPort: runtime.clusterPort, vault: runtime.vault, requests: store, audit: store, policy: SANDBOX_POLICY, decisions: decisionKeysFromEnv({}, { sandbox: true }),
      });
      const { request } = await service.grant({ actor: { id: 'aad:requester@cafehyna.com.br' }, app: 'defectdojo', cluster: 'cafehyna-prd' });
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => service.approve({ actor: { id: 'aad:approver@cafehyna.com.br' }, requestId: request!.id })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(19).fill('CONFLICT'));
      expect(creates).toHaveLength(1);
      expect((await service.getRequest(request!.id)).status).toBe('applied');
      const applies = (await service.audit({ requestId: request!.id })).filter((e) => e.action === 'request.apply');
      expect(applies).toHaveLength(1);
    } finally {
      await store.close();
      await runtime.close();
    }
  });
});

describe('canary: a secret value never comes back out', () => {
  it('through every path, no log line, CLI output, error, audit event or store row holds it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-act-canary-'));
    const canary = `kvcsi-canary-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const logged: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' '))));
    try {
      // secret create on dev (written at once), from stdin
      expect((await kvcsi(dir, ['secret', 'create', 'canary-dev', '-c', 'cafehyna-dev', '--app', 'web', '--value-stdin', '--as', 'requester'], `${canary}\n`)).code).toBe(0);
      // the same again: refused (ALREADY_EXISTS), in text and JSON
      expect((await kvcsi(dir, ['secret', 'create', 'canary-dev', '-c', 'cafehyna-dev', '--value-stdin', '--as', 'requester'], canary)).code).toBe(2);
      expect((await kvcsi(dir, ['secret', 'create', 'canary-dev', '-c', 'cafehyna-dev', '--value-stdin', '--as', 'requester', '-o', 'json'], canary)).code).toBe(2);
      // a new version, JSON output
      expect((await kvcsi(dir, ['secret', 'create', 'canary-dev', '-c', 'cafehyna-dev', '--new-version', '--value-stdin', '--as', 'requester', '-o', 'json'], canary)).code).toBe(0);
      // secret create on prd: pending, the value not kept
      expect((await kvcsi(dir, ['secret', 'create', 'canary-prd', '-c', 'cafehyna-prd', '--value-stdin', '--as', 'requester', '-o', 'json'], canary)).code).toBe(0);
      // self-service request on prd: approved, then the value by someone else (refused) and by the requester
      const requested = json<{ requests: { request: { id: string } }[] }>(await kvcsi(dir, ['secret', 'request', 'canary-request', '--app', 'web', '-c', 'cafehyna-prd', '--justification', 'canary test of the request path', '--as', 'requester', '-o', 'json']));
      const id = requested.requests[0]!.request.id;
      expect((await kvcsi(dir, ['secret', 'set-value', id, '--value-stdin', '--as', 'requester'], canary)).code).toBe(3);
      expect((await kvcsi(dir, ['requests', 'approve', id, '--as', 'approver'])).code).toBe(0);
      expect((await kvcsi(dir, ['secret', 'set-value', id, '--value-stdin', '--as', 'approver', '-o', 'json'], canary)).code).toBe(3);
      expect((await kvcsi(dir, ['secret', 'set-value', id, '--value-stdin', '--as', 'requester', '-o', 'json'], canary)).code).toBe(0);
      // a value where a name belongs, and a bad name: refused without echoing anything secret
      expect((await kvcsi(dir, ['secret', 'create', canary.replace(/-/g, '_'), '-c', 'cafehyna-dev', '--value-stdin', '--as', 'requester'], canary)).code).toBe(2);
      // everything readable back: requests, audit
      await kvcsi(dir, ['requests', 'list', '-o', 'json']);
      await kvcsi(dir, ['requests', 'show', id, '-o', 'json']);
      await kvcsi(dir, ['audit', '-o', 'json']);
      await kvcsi(dir, ['audit']);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // Positive control: the value did reach Key Vault (the sandbox's simulated vault keeps secret values).
    expect(readFileSync(path.join(dir, 'sandbox-state.json'), 'utf8')).toContain(canary);
    const storeFiles = readdirSync(dir).filter((file) => file.startsWith('kvcsi.db'));
    expect(storeFiles).toContain('kvcsi.db');
    const storeBytes = storeFiles.map((file) => readFileSync(path.join(dir, file)).toString('latin1')).join('\n');
    expect(storeBytes).toContain('canary-request');
    expect(storeBytes).not.toContain(canary);
    expect(outputs.join('\n')).toContain('canary-dev');
    expect(outputs.join('\n')).not.toContain(canary);
    expect(logged.join('\n')).not.toContain(canary);
  });
});
