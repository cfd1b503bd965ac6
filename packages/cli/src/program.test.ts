import { readFileSync } from 'node:fs';
import path from 'node:path';
import { main } from './main.js';
import { commandNameOf } from './program.js';
import { captureIo } from './test-io.js';
import { VERSION } from './version.js';

describe('the program', () => {
  it('prints the version of packages/cli/package.json', async () => {
    const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(manifest.version);
    const io = captureIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.output.stdout).toBe(`${manifest.version}\n`);
  });

  it('finds the command name past root options and their values', () => {
    expect(commandNameOf(['--config', 'lint', 'lint', 'x'])).toBe('lint');
    expect(commandNameOf(['-o', 'json', '--sandbox', 'revoke', 'app'])).toBe('revoke');
    expect(commandNameOf(['--as', 'requester', 'grant'])).toBe('grant');
    expect(commandNameOf(['lnt'])).toBeUndefined();
    expect(commandNameOf(['--help'])).toBeUndefined();
  });

  it('still lists every command in the root help, and suggests one for a typo', async () => {
    const help = captureIo();
    expect(await main(['--help'], help)).toBe(0);
    for (const name of ['clusters', 'render', 'lint', 'explain', 'diagnose', 'status', 'bindings', 'grant', 'revoke', 'secret', 'requests', 'audit']) {
      expect(help.output.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
    const typo = captureIo();
    expect(await main(['lnt', 'x'], typo)).toBe(2);
    expect(typo.output.stderr).toContain("(Did you mean lint?)");
  });
});
