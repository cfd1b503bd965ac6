/** Slack secrets from files: read at start, re-read when the file changes, never kept empty, never both ways at once. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requiredSecretSource, secretSource } from './secret-files.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-secret-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(condition: () => boolean, timeoutInMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('reads the variable when no file is given, and nothing when neither is set', () => {
  expect(secretSource('SLACK_BOT_TOKEN', { env: { SLACK_BOT_TOKEN: 'xoxb-1' } })?.value()).toBe('xoxb-1');
  expect(secretSource('SLACK_BOT_TOKEN', { env: {} })).toBeUndefined();
  expect(() => requiredSecretSource('SLACK_BOT_TOKEN', { env: {} }, 'the bot cannot call Slack without it')).toThrow('SLACK_BOT_TOKEN: is not set (nor SLACK_BOT_TOKEN_FILE); the bot cannot call Slack without it');
});

it('reads the file without its final newline, follows a rotation, and keeps the last good value when the file empties', async () => {
  const file = path.join(dir, 'token');
  writeFileSync(file, 'xoxb-first\n');
  const logged: string[] = [];
  const source = requiredSecretSource('SLACK_BOT_TOKEN', { env: { SLACK_BOT_TOKEN_FILE: file }, pollIntervalInMs: 20, log: (_level, message) => logged.push(message) }, 'needed');
  try {
    expect(source.value()).toBe('xoxb-first');
    expect(source.origin).toBe(`SLACK_BOT_TOKEN_FILE=${file}`);
    let changes = 0;
    source.onChange(() => { changes += 1; });
    writeFileSync(file, 'xoxb-second');
    await until(() => source.value() === 'xoxb-second');
    expect(changes).toBe(1);
    writeFileSync(file, '');
    await until(() => logged.some((line) => line.includes('is empty')));
    expect(source.value()).toBe('xoxb-second');
    expect(logged.join('\n')).not.toMatch(/xoxb-/);
  } finally {
    source.close();
  }
});

it('refuses a missing or empty file at start, and the variable and the file together', () => {
  expect(() => secretSource('SLACK_SIGNING_SECRET', { env: { SLACK_SIGNING_SECRET_FILE: path.join(dir, 'absent') } })).toThrow(/^SLACK_SIGNING_SECRET_FILE: cannot read .*absent \(no such file\)$/);
  const empty = path.join(dir, 'empty');
  writeFileSync(empty, '\n');
  expect(() => secretSource('SLACK_SIGNING_SECRET', { env: { SLACK_SIGNING_SECRET_FILE: empty } })).toThrow(/SLACK_SIGNING_SECRET_FILE: .*empty is empty/);
  expect(() => secretSource('SLACK_APP_TOKEN', { env: { SLACK_APP_TOKEN: 'xapp-1', SLACK_APP_TOKEN_FILE: empty } })).toThrow('SLACK_APP_TOKEN and SLACK_APP_TOKEN_FILE are both set; keep one');
});
