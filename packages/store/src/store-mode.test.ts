import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessRequest } from '@kvcsi/core';
import { createStore } from './create-store.js';

describe('store mode: sandbox mode never acts on a store it did not create', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvcsi-store-mode-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const open = async (file: string, mode?: 'sandbox' | 'live') => createStore({ client: 'sqlite', filename: join(dir, file), ...(mode ? { mode } : {}) });

  it('marks a fresh store with the mode that created it and opens it again in that mode', async () => {
    await (await open('sandbox.db', 'sandbox')).close();
    await (await open('sandbox.db', 'sandbox')).close();
    await (await open('live.db', 'live')).close();
    await (await open('live.db', 'live')).close();
  });

  it('refuses a live store in sandbox mode, and a sandbox store in live mode, with FORBIDDEN naming the setting', async () => {
    await expect(open('live.db', 'sandbox')).rejects.toMatchObject({ code: 'FORBIDDEN', field: 'KVCSI_DATABASE_URL', message: expect.stringContaining('sandbox mode refuses') });
    await expect(open('sandbox.db', 'live')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('created by sandbox mode') });
  });

  it('counts an unmarked store that holds requests (made before the mark) as live', async () => {
    const old = await open('old.db');
    const at = '2026-01-01T00:00:00.000Z';
    const request: AccessRequest = {
      id: 'req-0000000001', kind: 'grant', status: 'pending', version: 1, requester: 'slack:U1', justification: 'needs access',
      target: { cluster: 'cafehyna-prd', tier: 'prd', app: 'defectdojo' }, approvalRequired: true, createdAt: at, updatedAt: at, expiresAt: at,
    };
    await old.createRequest(request);
    await old.close();
    await expect(open('old.db', 'sandbox')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await (await open('old.db', 'live')).close();
  });
});
