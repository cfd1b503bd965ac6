import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../main.js';
import { captureIo } from '../test-io.js';

function io(dir: string, options: { stdin?: string; tty?: boolean } = {}) {
  const captured = captureIo({ cwd: dir, env: { KVCSI_SANDBOX: '1', KVCSI_SANDBOX_STATE: path.join(dir, 'state.json') }, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) });
  if (options.tty) (captured.stdin as { isTTY?: boolean }).isTTY = true;
  return captured;
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
});
