/** The bot fails closed: every missing or invalid setting is one line naming it; sandbox fallbacks only when asked. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXAMPLE_CONFIG_PATH, KvcsiError } from '@kvcsi/core';
import { loadBotSettings } from './settings.js';

let dir: string;
let config: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-bot-settings-'));
  config = path.join(dir, 'kvcsi.yaml');
  writeFileSync(config, `${readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')}\nslack:\n  approvalsChannel: C0APPROVALS\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refusal(argv: string[], env: NodeJS.ProcessEnv): { field?: string; message: string } {
  try {
    loadBotSettings(argv, env, dir);
  } catch (error) {
    expect(error).toBeInstanceOf(KvcsiError);
    const { field, message } = error as KvcsiError;
    expect(message).not.toContain('\n');
    return { ...(field ? { field } : {}), message };
  }
  throw new Error('the settings were accepted');
}

describe('loadBotSettings', () => {
  const store = { KVCSI_DATABASE_URL: 'sqlite:/tmp/kvcsi-settings-test.db' };

  it('needs a registry: no example, no ./kvcsi.yaml', () => {
    expect(refusal([], store)).toEqual({ field: 'KVCSI_CONFIG', message: expect.stringMatching(/^KVCSI_CONFIG: is not set/) });
  });

  it('needs a store outside sandbox mode, and PostgreSQL for more than one replica', () => {
    expect(refusal(['--config', config], {})).toMatchObject({ field: 'KVCSI_DATABASE_URL' });
    expect(refusal(['--config', config], { ...store, KVCSI_REPLICAS: '3' })).toEqual({
      field: 'KVCSI_REPLICAS', message: 'KVCSI_REPLICAS: is 3, and more than one replica needs PostgreSQL (KVCSI_DATABASE_URL=postgres://…), not SQLite',
    });
    expect(loadBotSettings(['--config', config], { KVCSI_DATABASE_URL: 'postgres://kvcsi@db:5432/kvcsi', KVCSI_REPLICAS: '3' }, dir).replicas).toBe(3);
  });

  it('refuses the sandbox unless asked, and the example registry without a slack: section', () => {
    expect(refusal(['--config', config], { ...store, KVCSI_SANDBOX_URL: 'http://127.0.0.1:7070' })).toMatchObject({ field: 'KVCSI_SANDBOX_URL' });
    expect(refusal(['--config', EXAMPLE_CONFIG_PATH], store)).toMatchObject({ field: 'slack', message: expect.stringContaining('needs a slack: section') });
  });

  it('names a bad value and the range it must be in', () => {
    expect(refusal(['--config', config], { ...store, PORT: 'eighty' })).toEqual({ field: 'PORT', message: 'PORT: must be a whole number from 0 to 65535, not "eighty"' });
    expect(refusal(['--config', config], { ...store, LOG_LEVEL: 'loud' })).toMatchObject({ field: 'LOG_LEVEL' });
    expect(refusal(['--config', config], { ...store, KVCSI_SHUTDOWN_DEADLINE_MS: '-1' })).toMatchObject({ field: 'KVCSI_SHUTDOWN_DEADLINE_MS' });
    expect(refusal(['--config', path.join(dir, 'nope.yaml')], store)).toEqual({ field: '--config', message: expect.stringMatching(/^--config: cannot read .*nope\.yaml \(no such file\)$/) });
    expect(refusal(['--confg', config], store).message).toMatch(/--confg/);
  });

  it('takes --config or KVCSI_CONFIG, relative to the working directory', () => {
    const byFlag = loadBotSettings(['--config', 'kvcsi.yaml'], store, dir);
    expect(byFlag).toMatchObject({ registrySource: config, slack: { approvalsChannel: 'C0APPROVALS' }, replicas: 1, port: 3000, shutdownDeadlineInMs: 25_000 });
    expect(byFlag.sandbox).toBeUndefined();
    expect(loadBotSettings([], { ...store, KVCSI_CONFIG: 'kvcsi.yaml' }, dir).registrySource).toBe(config);
  });

  it('in sandbox mode (asked for): the example registry and the sandbox Slack users, requests in memory', () => {
    const settings = loadBotSettings(['--sandbox'], {}, dir);
    expect(settings.registrySource).toBe(EXAMPLE_CONFIG_PATH);
    expect(settings.slack.approvalsChannel).toBe('C0SBXAPPROVALS');
    expect(settings.sandbox).toEqual({ stateFile: false });
    expect(settings.databaseUrl).toBeUndefined();
    expect(loadBotSettings([], { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_URL: 'http://127.0.0.1:7070' }, dir).sandbox).toEqual({ url: 'http://127.0.0.1:7070' });
  });
});
